"""box's device rules: the v1 lines and the v2 BPF program say the same thing (no root, no kernel).

The program is run here by a tiny interpreter of the few eBPF instructions
devices.py emits, on every question the kernel could ask about a handful of
devices, and its answers are compared with what the devices.allow lines mean
(Documentation/admin-guide/cgroup-v1/devices.rst). The kernel's own checks of
both run in tests/integration/test_box_devices.py.
"""

from __future__ import annotations

import itertools
import struct

import pytest

from runtimes.kernel import devices
from runtimes.kernel.devices import DEFAULT_RULES, DeviceRule


def run_program(code: bytes, kind: str, major: int, minor: int, access: str) -> int:
    """Interpret ``code`` for one question, as the kernel would; returns r0."""
    access_bits = sum(devices.ACCESS_BIT[a] for a in access)
    ctx = struct.pack("<III", access_bits << 16 | devices.DEV_TYPE[kind], major, minor)
    regs = [0] * 11
    pc = 0
    while True:
        opcode, registers, off, imm = struct.unpack_from("<BBhi", code, pc * 8)
        dst, src = registers & 0xF, registers >> 4
        pc += 1
        if opcode == devices.LDX_MEM_W:
            assert src == devices.R_CTX, "only the context is read"
            regs[dst] = struct.unpack_from("<I", ctx, off)[0]
        elif opcode == devices.AND_K:
            regs[dst] &= imm
        elif opcode == devices.RSH_K:
            regs[dst] >>= imm
        elif opcode == devices.MOV_X:
            regs[dst] = regs[src]
        elif opcode == devices.MOV_K:
            regs[dst] = imm
        elif opcode == devices.JNE_K:
            pc += off if regs[dst] != imm else 0
        elif opcode == devices.JNE_X:
            pc += off if regs[dst] != regs[src] else 0
        elif opcode == devices.EXIT:
            return regs[0]
        else:
            raise AssertionError(f"unexpected opcode {opcode:#x}")


def v1_allows(lines: list[str], kind: str, major: int, minor: int, access: str) -> bool:
    """What "a" in devices.deny followed by these devices.allow lines lets through."""
    for line in lines:
        rule_kind, numbers, rule_access = line.split()
        rule_major, rule_minor = numbers.split(":")
        if (rule_kind == kind and rule_major in ("*", str(major)) and rule_minor in ("*", str(minor))
                and set(access) <= set(rule_access)):
            return True
    return False


def test_the_default_rules_are_dockers_as_devices_allow_lines() -> None:
    assert devices.v1_lines(DEFAULT_RULES) == [
        "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
        "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"]


QUESTIONS = list(itertools.product(
    "cb", [(1, 3), (1, 11), (5, 0), (5, 2), (136, 0), (136, 7), (254, 0), (8, 0), (10, 200)],
    ["r", "w", "m", "rw", "rwm"]))


@pytest.mark.parametrize("rules", [
    DEFAULT_RULES,
    (DeviceRule("c", 1, 3, "r"), DeviceRule("b", 8, None, "rw"), DeviceRule("c", None, 0, "w")),
    (),
])
def test_the_program_answers_as_the_v1_lines(rules: tuple[DeviceRule, ...]) -> None:
    code = b"".join(insn.encode() for insn in devices.program(rules))
    lines = devices.v1_lines(rules)
    for kind, (major, minor), access in QUESTIONS:
        expected = v1_allows(lines, kind, major, minor, access)
        assert run_program(code, kind, major, minor, access) == int(expected), (kind, major, minor, access)


def test_kmsg_and_the_hosts_disk_are_refused_and_the_given_devices_allowed() -> None:
    code = b"".join(insn.encode() for insn in devices.program(DEFAULT_RULES))
    assert run_program(code, "c", 1, 11, "w") == 0
    assert run_program(code, "b", 254, 0, "r") == 0
    assert run_program(code, "b", 254, 0, "m") == 1, "making the node is allowed, as in Docker"
    assert run_program(code, "c", 1, 3, "rw") == 1
    assert run_program(code, "c", 136, 3, "rw") == 1


@pytest.mark.parametrize("kind, access", [("a", "rwm"), ("c", ""), ("c", "x")])
def test_a_bad_rule_is_refused(kind: str, access: str) -> None:
    with pytest.raises(ValueError, match="device rule"):
        DeviceRule(kind, 1, 3, access)
