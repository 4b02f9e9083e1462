"""The container's network: a new network namespace with only loopback, brought up.

A fresh network namespace has one device, ``lo``, and it is down, so even
127.0.0.1 does not answer. Bringing it up is one ioctl on any socket: set
IFF_UP in the device's flags (netdevice(7), SIOCGIFFLAGS / SIOCSIFFLAGS).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import struct

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
AF_INET, SOCK_DGRAM, SOCK_CLOEXEC = 2, 2, 0o2000000  # socket(2), <bits/socket.h>
_IFREQ = "16sH22x"  # struct ifreq: interface name, then the flags (short), padded to 40 bytes


def bring_up_loopback() -> None:
    # socket(2) through libc, not Python's socket module: the ioctl needs only a descriptor, and that
    # module's import (its enums) is a millisecond or more of every container's start.
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"socket: {os.strerror(err)}")
    try:
        request = struct.pack(_IFREQ, b"lo", 0)
        _, flags = struct.unpack(_IFREQ, fcntl.ioctl(fd, SIOCGIFFLAGS, request))
        fcntl.ioctl(fd, SIOCSIFFLAGS, struct.pack(_IFREQ, b"lo", flags | IFF_UP))
    finally:
        os.close(fd)
