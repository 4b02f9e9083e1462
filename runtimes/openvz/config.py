"""A container's persistent configuration: ``conf/<CTID>.conf``, like OpenVZ's.

OpenVZ kept each container's settings in ``/etc/vz/conf/CTID.conf``, a file of
``KEY="value"`` lines that vzctl(8) wrote and shell scripts sourced. vz keeps
the format and the key names where they mean the same (vzctl.conf(5),
ctid.conf(5)), but never hands the file to a shell: it is parsed here line by
line, and a value may not contain a quote, a backslash, ``$`` or a backtick,
so a config file can never run anything.

    OSTEMPLATE="isobench"           the OS template the disk was made from
    DISKSPACE="1G"                  size of the CT's disk image: its disk quota
    HOSTNAME="web1"
    IP_ADDRESS="10.213.0.101"       space-separated; each gets a /32 on the CT's veth
    RAM="256M"                      memory limit of the whole CT (vzctl: PHYSPAGES)
    NUMPROC="64"                    most processes and threads at once
    CPUS="1.5"                      CPU time, in CPUs' worth
    CPUUNITS="1000"                 relative CPU weight against other CTs
    DESCRIPTION="..."

Every value is checked by the same functions the command line uses, so a
hand-edited file with a mistake is one clear error naming the file and line.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from pathlib import Path

from runtimes.base import Limits
from runtimes.openvz.errors import BadInput

MAX_CTID = 2**31 - 1
# The private range every CT address comes from, and the host's own address on
# every CT's veth (the CTs' gateway, as venet0's was in OpenVZ). Only these are
# ever configured, so vz never routes an address that belongs to anyone else.
NETWORK = ipaddress.IPv4Network("10.213.0.0/16")
HOST_ADDRESS = ipaddress.IPv4Address("10.213.255.254")
_RESERVED = {NETWORK.network_address, NETWORK.broadcast_address, HOST_ADDRESS}

_UNITS = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_SIZE_RE = re.compile(r"^([1-9][0-9]{0,12})([KMGT])$", re.IGNORECASE)
_HOSTNAME_RE = re.compile(r"^(?=.{1,64}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")
_LINE_RE = re.compile(r'^([A-Z_][A-Z0-9_]*)="([^"\\$`]*)"$')

MIN_DISKSPACE = 32 * 2**20    # room for the template (busybox, probe) and ext4's journal
MIN_RAM = 8 * 2**20           # init, a shell and a command fit; less only makes OOM kills
DEFAULT_DISKSPACE = 2**30
DEFAULT_TEMPLATE = "isobench"


def parse_ctid(text: str | int) -> int:
    """A CT ID: a positive integer, as in OpenVZ (0 is the host)."""
    text = str(text).strip()
    if not re.fullmatch(r"[1-9][0-9]{0,9}", text) or int(text) > MAX_CTID:
        raise BadInput(f"invalid CTID {text!r}: use a positive integer such as 101 (at most {MAX_CTID})")
    return int(text)


def parse_size(text: str, what: str = "size", minimum: int = 0) -> int:
    """'512M' → bytes. A unit is required (K, M, G, T; powers of 1024), so nothing is ambiguous."""
    match = _SIZE_RE.match(text.strip())
    if not match:
        raise BadInput(f"invalid {what} {text!r}: use a whole number with a unit K, M, G or T, e.g. 512M or 1G")
    value = int(match.group(1)) * _UNITS[match.group(2).upper()]
    if value < minimum:
        raise BadInput(f"invalid {what} {text!r}: the minimum is {format_size(minimum)}")
    return value


def format_size(value: int) -> str:
    """bytes → the largest unit that divides it exactly: 1073741824 → '1G'."""
    for unit in ("T", "G", "M", "K"):
        if value % _UNITS[unit] == 0:
            return f"{value // _UNITS[unit]}{unit}"
    return f"{value}B"


def parse_hostname(text: str) -> str:
    """A hostname of RFC 1123 labels, at most 64 characters (HOST_NAME_MAX)."""
    if not _HOSTNAME_RE.match(text):
        raise BadInput(f"invalid hostname {text!r}: use letters, digits, '-' and '.', at most 64 characters")
    return text


def parse_ip(text: str) -> str:
    """An IPv4 address from vz's private range, other than the host's own."""
    try:
        address = ipaddress.IPv4Address(text.strip())
    except ValueError:
        raise BadInput(f"invalid IP address {text!r}: use an IPv4 address from {NETWORK}, e.g. 10.213.0.101") from None
    if address not in NETWORK or address in _RESERVED:
        raise BadInput(f"invalid IP address {text!r}: CT addresses must come from {NETWORK} "
                       f"(except {HOST_ADDRESS}, the host's end), so that vz never routes anyone else's address")
    return str(address)


def parse_int(text: str, what: str, low: int, high: int) -> int:
    if not re.fullmatch(r"[0-9]{1,10}", text.strip()) or not low <= int(text) <= high:
        raise BadInput(f"invalid {what} {text!r}: use a whole number from {low} to {high}")
    return int(text)


def parse_cpus(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.01 <= value <= 1024:
        raise BadInput(f"invalid CPU count {text!r}: use a number of CPUs from 0.01 to 1024, e.g. 0.5 or 2")
    return value


@dataclasses.dataclass(frozen=True)
class CTConfig:
    """What was asked for one container; None means "not set" (no limit, the disk's own hostname)."""

    ctid: int
    ostemplate: str = DEFAULT_TEMPLATE
    diskspace: int = DEFAULT_DISKSPACE
    hostname: str | None = None
    ips: tuple[str, ...] = ()
    ram: int | None = None
    numproc: int | None = None
    cpus: float | None = None
    cpuunits: int | None = None
    description: str = ""

    def limits(self) -> Limits:
        """The limits box's cgroup managers understand (CPUUNITS is written separately)."""
        return Limits(memory_bytes=self.ram, cpus=self.cpus, pids=self.numproc)


# KEY → (field, parse from text, format to text)
_KEYS = {
    "OSTEMPLATE": ("ostemplate", str, str),
    "DISKSPACE": ("diskspace", lambda t: parse_size(t, "DISKSPACE", MIN_DISKSPACE), format_size),
    "HOSTNAME": ("hostname", parse_hostname, str),
    "IP_ADDRESS": ("ips", lambda t: tuple(parse_ip(a) for a in t.split()), " ".join),
    "RAM": ("ram", lambda t: parse_size(t, "RAM", MIN_RAM), format_size),
    "NUMPROC": ("numproc", lambda t: parse_int(t, "NUMPROC", 1, 4194304), str),
    "CPUS": ("cpus", parse_cpus, lambda v: f"{v:g}"),
    "CPUUNITS": ("cpuunits", lambda t: parse_int(t, "CPUUNITS", 8, 500000), str),
    "DESCRIPTION": ("description", str, str),
}


def check_text(value: str, what: str) -> str:
    """A free-text value that can be stored between double quotes, on one line."""
    if re.search(r'["\\$`\n\r]', value):
        raise BadInput(f'invalid {what} {value!r}: it may not contain ", \\, $, ` or a line break')
    return value


def load(path: Path, ctid: int) -> CTConfig:
    """Parse ``path``; every mistake names the file and the line."""
    values: dict[str, object] = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE_RE.match(line)
        if not match:
            raise BadInput(f'{path} line {number}: expected KEY="value" (no quotes, \\, $ or ` inside), found {line!r}')
        key, text = match.groups()
        if key not in _KEYS:
            raise BadInput(f"{path} line {number}: unknown key {key}; known: {', '.join(_KEYS)}")
        field, parse, _ = _KEYS[key]
        try:
            values[field] = parse(text)
        except BadInput as err:
            raise BadInput(f"{path} line {number}: {err}") from None
    return CTConfig(ctid=ctid, **values)  # type: ignore[arg-type]


def save(path: Path, config: CTConfig) -> None:
    """Write atomically (a temporary file renamed over the old one): a crash never leaves half a file."""
    lines = [f"# vz container {config.ctid}: written by `vz`, KEY=\"value\" lines as in OpenVZ's CTID.conf"]
    for key, (field, _, fmt) in _KEYS.items():
        value = getattr(config, field)
        if value is not None and value != () and value != "":
            lines.append(f'{key}="{fmt(value)}"')
    tmp = path.with_suffix(".conf.tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, path)
