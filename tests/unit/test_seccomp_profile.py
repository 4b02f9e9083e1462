"""box's and vz's seccomp profiles as data (runtimes/kernel/seccomp.py), checked without a container."""

from __future__ import annotations

import pytest

from runtimes.kernel import seccomp
from runtimes.kernel.errors import SetupError
from runtimes.openvz.security import VZ_PROFILE

# What Docker's profile allows only with a capability box drops, or no longer at all (io_uring).
NEVER_IN_BOX = {"mount", "umount2", "pivot_root", "unshare", "setns", "clone3", "keyctl", "add_key", "request_key",
                "bpf", "perf_event_open", "userfaultfd", "open_by_handle_at", "init_module", "finit_module",
                "delete_module", "kexec_load", "kexec_file_load", "reboot", "ptrace", "process_vm_readv",
                "process_vm_writev", "kcmp", "io_uring_setup", "io_uring_enter", "io_uring_register", "iopl",
                "ioperm", "settimeofday", "clock_settime", "swapon", "swapoff", "acct", "quotactl", "syslog",
                "fsopen", "fsmount", "move_mount", "open_tree", "mount_setattr", "personality", "socket", "clone"}


def test_box_allows_none_of_the_calls_docker_refuses_without_a_capability() -> None:
    assert not NEVER_IN_BOX & seccomp.BOX_PROFILE.allowed
    assert {"read", "write", "openat", "execve", "fork", "wait4", "chroot"} <= seccomp.BOX_PROFILE.allowed


def test_no_call_is_listed_in_two_groups() -> None:
    names = [name for group in seccomp.ALLOWED.values() for name in group]
    assert len(names) == len(set(names))


def test_vz_adds_only_what_its_kept_capabilities_are_for() -> None:
    assert VZ_PROFILE.allowed - seccomp.BOX_PROFILE.allowed == {
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise", "reboot"}
    assert VZ_PROFILE.arg_rules == seccomp.BOX_PROFILE.arg_rules  # clone without namespace flags there too


def test_clone_is_allowed_only_without_namespace_flags() -> None:
    (rule,) = [r for r in seccomp.ARG_RULES if r.syscall == "clone"]
    assert (rule.op, rule.mask, rule.value) == ("SCMP_CMP_MASKED_EQ", 0x7E020000, 0)  # Docker's 2114060288


def test_every_name_is_an_x86_64_call_and_the_profile_compiles() -> None:
    if not seccomp.available():
        pytest.skip("python3-seccomp is not installed; fix: sudo scripts/provision")
    program = seccomp.program(VZ_PROFILE)  # raises on a name it cannot resolve
    assert program and len(program) % 8 == 0  # struct sock_filter: 8 bytes each


@pytest.mark.parametrize("opts,expected", [((), "default"), (("seccomp=unconfined",), "unconfined"),
                                           (("seccomp:unconfined",), "unconfined")])
def test_security_opt_setting(opts: tuple[str, ...], expected: str) -> None:
    assert seccomp.setting(opts) == expected


@pytest.mark.parametrize("opt", ["seccomp=/etc/profile.json", "apparmor=unconfined", "label=disable", ""])
def test_other_security_opts_are_refused_with_one_line(opt: str) -> None:
    with pytest.raises(SetupError, match="box knows only seccomp=unconfined"):
        seccomp.setting([opt])


@pytest.mark.parametrize("mode,planted_used", [(0o644, True), (0o666, False), (0o664, False)])
def test_a_cached_filter_is_trusted_only_when_nobody_else_may_write_it(tmp_path, monkeypatch, mode: int,
                                                                         planted_used: bool) -> None:
    """The cache key is the public profile: with a cache another user can write ($ISOBENCH_CACHE=/tmp/…), a
    planted "allow everything" program must not replace the compiled filter."""
    binding = seccomp._binding()
    if binding is None:
        pytest.skip("python3-seccomp is not installed")
    monkeypatch.setenv("ISOBENCH_CACHE", str(tmp_path))
    profile = seccomp.BOX_PROFILE
    seccomp._compile.cache_clear()
    compiled = seccomp._compile(binding, profile)
    (cached,) = (tmp_path / "seccomp").iterdir()
    assert cached.read_bytes().endswith(compiled), "compiled once, then cached"
    # One instruction, struct sock_filter {u16 code; u8 jt, jf; u32 k}: BPF_RET|BPF_K with SECCOMP_RET_ALLOW.
    allow_all = (0x06).to_bytes(2, "little") + bytes(2) + (0x7FFF0000).to_bytes(4, "little")
    key = cached.read_bytes().partition(b"\0")[0]
    cached.write_bytes(key + b"\0" + allow_all)
    cached.chmod(mode)
    seccomp._compile.cache_clear()
    try:
        assert (seccomp._compile(binding, profile) == allow_all) is planted_used
    finally:
        seccomp._compile.cache_clear()
