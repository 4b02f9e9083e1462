"""The container's network: a veth pair, point-to-point routed, like OpenVZ's venet.

Each CT gets one veth(4) pair: ``vz<CTID>`` stays on the host, its peer is
created straight inside the CT's network namespace as ``eth0``. Routing is
venet-like (ip-route(8)): every CT address is a /32 on eth0, the host routes
each one to that CT's veth, and the host's end carries one fixed address,
10.213.255.254, that every CT uses as its gateway. There is no bridge: CTs
reach the host, and each other only if the host's administrator turns on
forwarding (vz never changes global sysctls). Nothing here ever configures an
address outside 10.213.0.0/16 (see config.parse_ip). The host end takes only
packets whose source is the CT's own address, and no IPv6 (``guard_host_end``).

    host                                       CT 101 (its own network namespace)
    vz101  10.213.255.254/32  <-- veth -->  eth0  10.213.0.101/32
    route 10.213.0.101 dev vz101               route 10.213.255.254 dev eth0
                                               default via 10.213.255.254

The commands are iproute2's, run with ``ip -batch`` (one process per side);
the CT's side runs in its namespace through nsenter(1). The pair disappears
by itself when the CT's last process exits and its namespace goes; ``remove``
only makes that immediate.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from runtimes.openvz.config import HOST_ADDRESS
from runtimes.kernel.messages import say
from runtimes.openvz.errors import VzError

CT_DEVICE = "eth0"


def host_device(ctid: int) -> str:
    """The host end's name: "vz" + CTID (at most 12 characters; IFNAMSIZ is 16)."""
    return f"vz{ctid}"


def exists(device: str) -> bool:
    return Path("/sys/class/net", device).exists()


def _batch(commands: Sequence[str], netns_of: int | None = None, what: str = "") -> None:
    """Run iproute2 commands in one process; in the network namespace of PID ``netns_of`` if given."""
    argv = ["ip", "-batch", "-"]
    if netns_of is not None:
        argv = ["nsenter", f"--net=/proc/{netns_of}/ns/net", "--", *argv]
    try:
        done = subprocess.run(argv, input="\n".join(commands) + "\n", capture_output=True, text=True)
    except FileNotFoundError as err:
        raise VzError(say("vz.no-net-tool", tool=str(err.filename))) from None
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.strip().splitlines() if not ln.startswith("Command failed")]
        raise VzError(say("vz.ip-failed", what=what, said=(lines or ["failed"])[0]))


def _host_routes(device: str, ips: Sequence[str], verb: str) -> list[str]:
    return [f"route {verb} {ip}/32 dev {device} scope link src {HOST_ADDRESS}" for ip in ips]


def _ct_addresses(ips: Sequence[str], verb: str) -> list[str]:
    return [f"address {verb} {ip}/32 dev {CT_DEVICE}" for ip in ips]


def create(ctid: int, init_pid: int, ips: Sequence[str]) -> None:
    """Make the pair (the peer inside the CT init's network namespace) and address both ends.

    On failure the host end is removed again, which removes its peer too.
    """
    device = host_device(ctid)
    try:
        _batch([f"link add {device} type veth peer name {CT_DEVICE} netns {init_pid}",
                f"address add {HOST_ADDRESS}/32 dev {device}",
                f"link set {device} up",
                *_host_routes(device, ips, "add")], what=f"CT {ctid}: host end {device}")
        guard_host_end(device)  # before the CT's end is up: until then the CT can send nothing
        gateway = [f"route add {HOST_ADDRESS}/32 dev {CT_DEVICE} scope link",
                   f"route add default via {HOST_ADDRESS} dev {CT_DEVICE}"] if ips else []
        _batch([f"link set {CT_DEVICE} up", *_ct_addresses(ips, "add"), *gateway],
               netns_of=init_pid, what=f"CT {ctid}: {CT_DEVICE}")
    except BaseException:
        remove(ctid)
        raise


def guard_host_end(device: str) -> None:
    """Make the host end accept from the CT only what the CT may send (ip-sysctl.rst, per interface).

    - ``rp_filter=1``, strict reverse-path filtering: a packet arriving on
      vz<CTID> is dropped unless the host's route back to its source goes
      out of vz<CTID>, and the only routes there are the CT's own /32s. Root
      in a CT keeps CAP_NET_RAW (ping, traceroute), so it can write any
      source address into a raw packet; this is what stops it posing as
      another CT, the host, or any address of the Internet. The kernel uses
      the larger of this and ``conf.all.rp_filter``: with all=2 (loose, as
      some distributions set it) the check is loose (``loose_rp_filter``).
    - ``disable_ipv6=1``: vz routes IPv4 only; with IPv6 off, the host end
      has no address and takes no IPv6 packet at all, so neither spoofed
      IPv6 nor a router advertisement from the CT (which would otherwise give
      the host a default route through the CT) is ever looked at.
    - ``accept_ra=0``: the same again, should IPv6 be switched back on.

    These are the link's own settings, gone with it; vz never changes the
    host's global ones.
    """
    _write_sysctl(f"ipv4/conf/{device}/rp_filter", "1")
    if Path("/proc/sys/net/ipv6/conf", device).is_dir():  # no such directory: IPv6 is not in this kernel
        _write_sysctl(f"ipv6/conf/{device}/accept_ra", "0")
        _write_sysctl(f"ipv6/conf/{device}/disable_ipv6", "1")


def _write_sysctl(name: str, value: str) -> None:
    try:
        Path("/proc/sys/net", name).write_text(value)
    except OSError as err:
        raise VzError(say("vz.sysctl-failed", key=f"net.{name.replace('/', '.')}", value=str(value),
                          said=os.strerror(err.errno))) from None


def loose_rp_filter() -> bool:
    """True if the host's conf.all.rp_filter is 2, which makes every interface's check loose (ip-sysctl.rst)."""
    try:
        return Path("/proc/sys/net/ipv4/conf/all/rp_filter").read_text().strip() == "2"
    except OSError:
        return False


def change_addresses(ctid: int, init_pid: int, old: Sequence[str], new: Sequence[str]) -> None:
    """Make a running CT's addresses ``new`` (vz set --ipadd/--ipdel on a running CT)."""
    device = host_device(ctid)
    added = [ip for ip in new if ip not in old]
    removed = [ip for ip in old if ip not in new]
    host = [*_host_routes(device, removed, "del"), *_host_routes(device, added, "add")]
    # New addresses first: when eth0 loses its last IPv4 address the kernel
    # drops every route through it, the gateway's included.
    ct = _ct_addresses(added, "add")
    if not old and new:
        ct += [f"route add {HOST_ADDRESS}/32 dev {CT_DEVICE} scope link",
               f"route add default via {HOST_ADDRESS} dev {CT_DEVICE}"]
    ct += _ct_addresses(removed, "del")
    if host:
        _batch(host, what=f"CT {ctid}: host routes")
    if ct:
        _batch(ct, netns_of=init_pid, what=f"CT {ctid}: {CT_DEVICE}")


def remove(ctid: int) -> None:
    """Delete the host end (and with it the CT's end and the routes through it), if it is still there."""
    device = host_device(ctid)
    if exists(device):
        done = subprocess.run(["ip", "link", "del", device], capture_output=True, text=True)
        if done.returncode != 0 and exists(device):  # it may have vanished with the CT's namespace meanwhile
            raise VzError(say("vz.link-del-failed", ctid=ctid, device=device, said=done.stderr.strip()))
