"""Which devices a container may use: one list of rules, enforced by the devices cgroup.

Root in a box keeps CAP_MKNOD (Docker's default set), so it can make a node
for any device — /dev/kmsg, the host's disk — with mknod(2). box mounts
everything the container can write ``nodev`` (rootfs.py), which makes such a
node inert *on those mounts*. The devices controller is the second, separate
lock, as in Docker: whatever filesystem a node lies on, the kernel asks the
opener's cgroup before a device is opened or a node made
(security/device_cgroup.c, devcgroup_check_permission). A node for a device
not on the list then gives EPERM.

One list, ``DEFAULT_RULES``, is written to the kernel in two ways:

- cgroup v1 has files: "a" to ``devices.deny`` (nothing allowed), then one
  ``devices.allow`` line per rule, e.g. "c 1:3 rwm"
  (Documentation/admin-guide/cgroup-v1/devices.rst). ``v1_lines`` makes the
  lines; cgroups.py writes them.
- cgroup v2 has no devices file. The kernel runs a small eBPF program of type
  BPF_PROG_TYPE_CGROUP_DEVICE attached to the group, which answers 1 (allow)
  or 0 (deny) for each (type, major, minor, access) it is asked about
  (Documentation/admin-guide/cgroup-v2.rst, "Device controller"; the input is
  ``struct bpf_cgroup_dev_ctx`` in include/uapi/linux/bpf.h). ``program``
  writes that program instruction by instruction, from the same rules, and
  ``attach`` loads it with bpf(2) and attaches it to the group's directory.
  runc (libcontainer/cgroups/devices) and crun (src/libcrun/ebpf.c) do the same.
"""

from __future__ import annotations

import ctypes
import dataclasses
import os
import struct
from collections.abc import Sequence
from pathlib import Path

ACCESS = "rwm"   # read, write, mknod: the access letters of devices.allow


@dataclasses.dataclass(frozen=True)
class DeviceRule:
    """Allow ``access`` to devices of ``kind`` ("c" char, "b" block) ``major``:``minor``; None is "any" (``*``)."""

    kind: str
    major: int | None
    minor: int | None
    access: str
    what: str = ""   # for people reading the list

    def __post_init__(self) -> None:
        if self.kind not in ("c", "b"):
            raise ValueError(f"device rule {self}: kind must be 'c' or 'b'")
        if not self.access or set(self.access) - set(ACCESS):
            raise ValueError(f"device rule {self}: access must be letters of {ACCESS!r}")

    def v1_line(self) -> str:
        """The rule as devices.allow takes it: "c 1:3 rwm", "b *:* m"."""
        def number(n: int | None) -> str:
            return "*" if n is None else str(n)
        return f"{self.kind} {number(self.major)}:{number(self.minor)} {self.access}"


# The OCI runtime spec's default devices (config-linux.md, "Default Devices")
# plus what runc and Docker allow every container (runc's AllowedDevices in
# libcontainer/specconv): mknod of any node, so an image's own /dev entries
# can be made, but opening only the harmless ones and terminals. runc's list
# also has /dev/net/tun (c 10:200); box gives containers no tun device.
DEFAULT_RULES: tuple[DeviceRule, ...] = (
    DeviceRule("c", None, None, "m", "make any character node (opening it is another matter)"),
    DeviceRule("b", None, None, "m", "make any block node"),
    DeviceRule("c", 1, 3, "rwm", "/dev/null"),
    DeviceRule("c", 1, 5, "rwm", "/dev/zero"),
    DeviceRule("c", 1, 7, "rwm", "/dev/full"),
    DeviceRule("c", 1, 8, "rwm", "/dev/random"),
    DeviceRule("c", 1, 9, "rwm", "/dev/urandom"),
    DeviceRule("c", 5, 0, "rwm", "/dev/tty"),
    DeviceRule("c", 5, 1, "rwm", "/dev/console"),
    DeviceRule("c", 5, 2, "rwm", "/dev/ptmx"),
    DeviceRule("c", 136, None, "rwm", "/dev/pts/*: the terminals (box run -t, and ptys made inside)"),
)


def v1_lines(rules: Sequence[DeviceRule]) -> list[str]:
    return [rule.v1_line() for rule in rules]


# -- the v2 program --------------------------------------------------------
#
# An eBPF instruction is 8 bytes (Documentation/bpf/standard/instruction-set.rst):
# an opcode, the destination and source registers (4 bits each), a signed
# 16-bit offset (for jumps: how many instructions to skip) and a signed
# 32-bit immediate value. r1 holds the address of the input on entry; r0 is
# what the program answers at `exit`.

LDX_MEM_W = 0x61   # dst = *(u32 *)(src + off)     BPF_LDX | BPF_MEM | BPF_W
AND_K = 0x57       # dst &= imm                    BPF_ALU64 | BPF_AND | BPF_K
RSH_K = 0x77       # dst >>= imm                   BPF_ALU64 | BPF_RSH | BPF_K
MOV_X = 0xBF       # dst = src                     BPF_ALU64 | BPF_MOV | BPF_X
MOV_K = 0xB7       # dst = imm                     BPF_ALU64 | BPF_MOV | BPF_K
JNE_K = 0x55       # if dst != imm: skip off       BPF_JMP | BPF_JNE | BPF_K
JNE_X = 0x5D       # if dst != src: skip off       BPF_JMP | BPF_JNE | BPF_X
EXIT = 0x95        # return r0                     BPF_JMP | BPF_EXIT

# The registers this program keeps its input in, once read.
R0, R_CTX, R_TYPE, R_ACCESS, R_MAJOR, R_MINOR, R_SCRATCH = 0, 1, 2, 3, 4, 5, 6

# include/uapi/linux/bpf.h: how struct bpf_cgroup_dev_ctx encodes the question.
DEV_TYPE = {"b": 1, "c": 2}                 # BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR
ACCESS_BIT = {"m": 1, "r": 2, "w": 4}       # BPF_DEVCG_ACC_MKNOD, _READ, _WRITE


@dataclasses.dataclass(frozen=True)
class Insn:
    """One eBPF instruction."""

    opcode: int
    dst: int = 0
    src: int = 0
    off: int = 0
    imm: int = 0

    def encode(self) -> bytes:
        return struct.pack("<BBhi", self.opcode, self.dst | self.src << 4, self.off, self.imm)


def _read_the_question() -> list[Insn]:
    """struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }, into four registers.

    access_type is (access << 16) | type: the low 16 bits say block or char,
    the high ones which of mknod, read, write is asked for (one open(2) for
    reading and writing asks for both at once).
    """
    return [
        Insn(LDX_MEM_W, R_TYPE, R_CTX, off=0),
        Insn(AND_K, R_TYPE, imm=0xFFFF),
        Insn(LDX_MEM_W, R_ACCESS, R_CTX, off=0),
        Insn(RSH_K, R_ACCESS, imm=16),
        Insn(LDX_MEM_W, R_MAJOR, R_CTX, off=4),
        Insn(LDX_MEM_W, R_MINOR, R_CTX, off=8),
    ]


def _rule(rule: DeviceRule) -> list[Insn]:
    """One rule as "if everything matches, answer 1": each test that fails jumps to the next rule."""
    block: list[Insn] = []
    jumps: list[int] = []   # where the "not this rule" jumps are; their offsets are known once the block is

    def unless(test: Insn) -> None:
        jumps.append(len(block))
        block.append(test)

    unless(Insn(JNE_K, R_TYPE, imm=DEV_TYPE[rule.kind]))
    if set(rule.access) != set(ACCESS):
        # Every access asked for must be one the rule allows: (asked & allowed) == asked.
        allowed = sum(ACCESS_BIT[letter] for letter in rule.access)
        block += [Insn(MOV_X, R_SCRATCH, R_ACCESS), Insn(AND_K, R_SCRATCH, imm=allowed)]
        unless(Insn(JNE_X, R_SCRATCH, R_ACCESS))
    if rule.major is not None:   # None ("*"): any major, nothing to test
        unless(Insn(JNE_K, R_MAJOR, imm=rule.major))
    if rule.minor is not None:
        unless(Insn(JNE_K, R_MINOR, imm=rule.minor))
    block += [Insn(MOV_K, R0, imm=1), Insn(EXIT)]   # all matched: allow
    # A jump's offset counts from the instruction after it; the next rule starts right after this block.
    return [dataclasses.replace(insn, off=len(block) - (i + 1)) if i in jumps else insn
            for i, insn in enumerate(block)]


def program(rules: Sequence[DeviceRule]) -> list[Insn]:
    """The whole program: read the question, try each rule in turn, deny if none matched."""
    insns = _read_the_question()
    for rule in rules:
        insns += _rule(rule)
    return insns + [Insn(MOV_K, R0, imm=0), Insn(EXIT)]


# -- loading and attaching it: bpf(2) ------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_SYS_BPF = 321                    # x86_64
BPF_PROG_LOAD, BPF_PROG_ATTACH = 5, 8
BPF_PROG_TYPE_CGROUP_DEVICE = 15
BPF_CGROUP_DEVICE = 6             # the attach type
# MULTI: our program runs *in addition to* any an ancestor group has (systemd
# attaches its own with this flag), and every one of them must allow.
BPF_F_ALLOW_MULTI = 2
# The license matters only to programs calling GPL-only kernel helpers; this one calls none.
LICENSE = b"MIT"


class _ProgLoad(ctypes.Structure):
    """The BPF_PROG_LOAD part of union bpf_attr, up to the fields used here."""

    _fields_ = [("prog_type", ctypes.c_uint32), ("insn_cnt", ctypes.c_uint32), ("insns", ctypes.c_uint64),
                ("license", ctypes.c_uint64), ("log_level", ctypes.c_uint32), ("log_size", ctypes.c_uint32),
                ("log_buf", ctypes.c_uint64), ("kern_version", ctypes.c_uint32), ("prog_flags", ctypes.c_uint32),
                ("prog_name", ctypes.c_char * 16), ("prog_ifindex", ctypes.c_uint32),
                ("expected_attach_type", ctypes.c_uint32)]


class _ProgAttach(ctypes.Structure):
    """The BPF_PROG_ATTACH part of union bpf_attr."""

    _fields_ = [("target_fd", ctypes.c_uint32), ("attach_bpf_fd", ctypes.c_uint32),
                ("attach_type", ctypes.c_uint32), ("attach_flags", ctypes.c_uint32),
                ("replace_bpf_fd", ctypes.c_uint32)]


def _bpf(command: int, attr: ctypes.Structure) -> int:
    """bpf(2); -1 with errno set on failure."""
    return _libc.syscall(_SYS_BPF, ctypes.c_int(command), ctypes.byref(attr), ctypes.c_uint(ctypes.sizeof(attr)))


def load(rules: Sequence[DeviceRule]) -> int:
    """Load the program for ``rules`` into the kernel (the verifier checks it); returns its fd."""
    code = b"".join(insn.encode() for insn in program(rules))
    insns, license_ = ctypes.create_string_buffer(code, len(code)), ctypes.create_string_buffer(LICENSE)
    attr = _ProgLoad(prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt=len(code) // 8,
                     insns=ctypes.addressof(insns), license=ctypes.addressof(license_), prog_name=b"box_devices",
                     expected_attach_type=BPF_CGROUP_DEVICE)
    fd = _bpf(BPF_PROG_LOAD, attr)
    if fd >= 0:
        return fd
    err = ctypes.get_errno()
    # Loaded again with the verifier's log, only now: a log buffer too small makes even a good program fail.
    log = ctypes.create_string_buffer(65536)
    attr.log_level, attr.log_size, attr.log_buf = 1, len(log), ctypes.addressof(log)
    retry = _bpf(BPF_PROG_LOAD, attr)
    if retry >= 0:
        return retry
    verifier = log.value.decode(errors="replace").strip().splitlines()
    raise OSError(err, f"bpf(BPF_PROG_LOAD) of the device program: {os.strerror(err)}"
                       + (f"; the verifier said: {verifier[-1]}" if verifier else ""))


def attach(group: Path, rules: Sequence[DeviceRule]) -> None:
    """Load the program for ``rules`` and attach it to the cgroup v2 directory ``group``.

    The attachment holds its own reference to the program, so our fd is
    closed at once; removing the group (rmdir) detaches and frees it.
    """
    prog_fd = load(rules)
    try:
        group_fd = os.open(group, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            attr = _ProgAttach(target_fd=group_fd, attach_bpf_fd=prog_fd, attach_type=BPF_CGROUP_DEVICE,
                               attach_flags=BPF_F_ALLOW_MULTI)
            if _bpf(BPF_PROG_ATTACH, attr) < 0:
                err = ctypes.get_errno()
                raise OSError(err, f"bpf(BPF_PROG_ATTACH) of the device program to {group}: {os.strerror(err)}")
        finally:
            os.close(group_fd)
    finally:
        os.close(prog_fd)
