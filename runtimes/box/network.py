"""The container's network: a new network namespace with only loopback, brought up.

A fresh network namespace has one device, ``lo``, and it is down, so even
127.0.0.1 does not answer. Bringing it up is one ioctl on any socket: set
IFF_UP in the device's flags (netdevice(7), SIOCGIFFLAGS / SIOCSIFFLAGS).
"""

from __future__ import annotations

import fcntl
import socket
import struct

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
_IFREQ = "16sH22x"  # struct ifreq: interface name, then the flags (short), padded to 40 bytes


def bring_up_loopback() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack(_IFREQ, b"lo", 0)
        _, flags = struct.unpack(_IFREQ, fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, request))
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack(_IFREQ, b"lo", flags | IFF_UP))
