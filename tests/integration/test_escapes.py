"""Escape attempts: the same probe tries to reach the host from inside every runtime.

``probe iso`` (bench/workload/iso.c) makes each attempt for real against
targets the host sets up (bench/isolation.py): a host process, an abstract
unix socket, a host block device… Inside box and the OpenVZ-style container
every attempt must fail; inside chroot several succeed, which is the lesson.
The isolation scenario stores these very verdicts, so the report's scorecard
and these tests cannot disagree (test_isolation_scenario_stores_the_same_verdicts).

The targets include a careless caller's leaks: a directory fd on the host's
"/" and a pty, handed to every instance as a shell hands its open fds to any
command (``InstanceSpec.inherited_fds``). native and chroot pass them on, so
there the probe climbs out of the fd and types into the terminal: which is
how these tests know the attempts are real, and would see a runtime that
stopped closing them.

vz is a system container: it keeps, by design, capabilities beyond Docker's
(runtimes/openvz/security.py VZ_CAPS, justified in docs/vz.md), so its
cap_sets row is judged against that set rather than Docker's; every other
row must be blocked as in box.
"""

from __future__ import annotations

import pytest

import os

from bench.isolation import HostTargets, Verdict, parse_verdicts
from bench.metrics import GROUP_LIMITS, ISOLATION_CHECKS
from runtimes import Image, InstanceSpec, Limits, get_runtime, parse_line, probe_argv
from tests.conftest import _leftovers

CHECKS = tuple(c.name for c in ISOLATION_CHECKS)
HOST_CHECKS = tuple(c.name for c in ISOLATION_CHECKS if c.group != GROUP_LIMITS)
LIMIT_CHECKS = tuple(c.name for c in ISOLATION_CHECKS if c.group == GROUP_LIMITS)
LIMITS = Limits(memory_bytes=128 * 2**20, pids=64, cpus=0.1)
TRIED = ("native", "chroot", "openvz", "box", "libvirt")
# What root in a plain chroot can do to the host on every Linux host (the rest
# depends on what the host kernel has, e.g. module loading).
CHROOT_GETS_THROUGH = ("root_escape", "leaked_fd", "host_pids", "kill_host", "ptrace_host", "host_net", "host_socket",
                       "block_device", "host_disk_mount", "open_by_handle", "tiocsti", "syslog",
                       "hostname", "clock", "mount", "mknod", "mknod_nodev", "proc_sys", "sys_write", "cgroup_write",
                       "runtime_exe", "cap_sets", "unshare_ns", "io_uring", "keyctl", "bpf", "perf_event",
                       "userfaultfd")
# What vz keeps by design (docs/vz.md, "Capabilities"): judged against its own set, not Docker's.
VZ_BY_DESIGN = ("cap_sets",)


def run_iso(image: Image, runtime_name: str, targets: HostTargets) -> dict[str, Verdict] | str:
    """The probe's verdicts inside one instance, or the reason the runtime cannot run here."""
    runtime_cls = get_runtime(runtime_name)
    availability = runtime_cls.available()
    if not availability.ok:
        return f"{availability.reason} (fix: {availability.fix})"
    spec = InstanceSpec(image=image, argv=probe_argv("iso", targets.argv(LIMITS)), limits=LIMITS,
                        inherited_fds=targets.inherited_fds)
    with runtime_cls(image) as runtime, runtime.start(spec) as inst:
        inst.wait_ready(120)
        status = inst.wait(120)
        assert status == 0, f"{runtime_name}: probe iso exited {status}: {inst.output_tail()}"
        lines = [p for ln in inst.lines if (p := parse_line(ln.text))]
    return parse_verdicts(lines)


@pytest.fixture(scope="module")
def verdicts(image: Image, private_state) -> dict[str, dict[str, Verdict] | str]:
    """Every tried runtime's verdicts, from one set of host targets; checked for leaks itself."""
    before = _leftovers(private_state)
    with HostTargets(image) as targets:
        found = {name: run_iso(image, name, targets) for name in TRIED}
        leaked = targets.inherited_fds
    after = _leftovers(private_state)
    for fd in leaked:  # the harness closes the leaks it made
        with pytest.raises(OSError):
            os.fstat(fd)
    # Only what is this test session's own: other suites on the host may be starting CTs and veths meanwhile.
    own = ("mounts", "scratch trees", "box containers", "vz containers", "child processes")
    leaked = {kind: after[kind] - before[kind] for kind in own if after[kind] - before[kind]}
    assert not leaked, f"leaked: {leaked}"
    return found


def of(verdicts: dict, runtime: str) -> dict[str, Verdict]:
    result = verdicts[runtime]
    if isinstance(result, str):
        pytest.skip(f"runtime {runtime} unavailable: {result}")
    return result


def test_the_probe_reports_every_check_of_the_scorecard(verdicts) -> None:
    assert tuple(of(verdicts, "native")) == CHECKS, "iso.c's CHECKS and bench.metrics.ISOLATION_CHECKS differ"


def test_native_reaches_the_host_with_every_attempt_the_host_kernel_supports(verdicts) -> None:
    native = of(verdicts, "native")
    for check in HOST_CHECKS:
        assert native[check].blocked is not True, f"native {check}: {native[check]}"
    for check in LIMIT_CHECKS:
        assert native[check].outcome == "reached", f"a plain process is not limited: {native[check]}"


def test_the_careless_callers_leaks_reach_a_plain_process(verdicts) -> None:
    """The harness really leaks a host directory and a terminal: native takes both, so a runtime blocking them counts."""
    native = of(verdicts, "native")
    assert native["leaked_fd"].outcome == "reached" and native["leaked_fd"].note.startswith("host-root-via-fd-")
    assert native["tiocsti"].note == "typed-into-host-terminal", native["tiocsti"]


@pytest.mark.parametrize("runtime", ["box", "openvz"])
def test_every_attempt_fails_inside_a_container(verdicts, runtime: str) -> None:
    inside, native = of(verdicts, runtime), of(verdicts, "native")
    by_design = VZ_BY_DESIGN if runtime == "openvz" else ()
    got_through = {c: v for c, v in inside.items() if v.blocked is False and c not in by_design}
    assert not got_through, f"{runtime}: these attempts reached the host: {got_through}"
    for check, verdict in inside.items():
        if verdict.outcome == "na":  # only where the host itself lacks the feature
            assert native[check].outcome == "na", f"{runtime} {check}: undecided inside but not natively: {verdict}"


def vz_caps_beyond_docker() -> int:
    """The capabilities docs/vz.md lets a CT keep beyond Docker's default set, as a mask."""
    from runtimes.openvz.security import VZ_CAPS

    docker = {0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31}  # capabilities(7) numbers, as iso_handed.c lists them
    return sum(1 << n for n in set(VZ_CAPS.values()) - docker)


def test_vz_keeps_only_the_capabilities_its_documentation_justifies(verdicts) -> None:
    caps = of(verdicts, "openvz")["cap_sets"]
    if caps.blocked:
        return
    assert caps.note.startswith("beyond-docker-0x"), f"vz's inheritable set must be empty (CVE-2022-24769): {caps}"
    extra = int(caps.note.removeprefix("beyond-docker-0x"), 16)
    assert extra & ~vz_caps_beyond_docker() == 0, f"vz keeps capabilities docs/vz.md does not justify: {extra:#x}"


def test_chroot_lets_root_through_in_most_ways(verdicts) -> None:
    chroot = of(verdicts, "chroot")
    reached = {c for c, v in chroot.items() if v.blocked is False}
    assert set(CHROOT_GETS_THROUGH) <= reached, {c: chroot[c] for c in CHROOT_GETS_THROUGH if c not in reached}
    assert chroot["root_escape"].note == "host-root", "the classic escape lands on the host's own root"
    for check in LIMIT_CHECKS:
        assert chroot[check].outcome == "reached", f"chroot has no resource limits: {chroot[check]}"


@pytest.mark.parametrize("runtime", ["box", "openvz"])
def test_containers_are_limited_in_memory_processes_and_cpu(verdicts, runtime: str) -> None:
    inside = of(verdicts, runtime)
    for check in LIMIT_CHECKS:
        assert inside[check].blocked is True, f"{runtime} {check}: {inside[check]}"


def test_attempts_refused_by_containers_say_why(verdicts) -> None:
    box = of(verdicts, "box")
    assert box["root_escape"].note == "own-root", "box keeps CAP_SYS_CHROOT: the escape runs but ends in its own root"
    assert box["host_pids"].errno == "ESRCH", "the host PID does not exist in box's PID namespace"
    assert box["mount"].errno == "EPERM"
    assert box["host_socket"].errno == "ECONNREFUSED", "the abstract name is not in box's network namespace"
    assert box["leaked_fd"].note == "no-directory-fd", "box closes every fd above 2 before the workload starts"
    assert box["tiocsti"].note == "terminal-not-handed-on", "without -t the caller's terminal stays outside"
    assert box["clone3_ns"].errno == "ENOSYS", "clone3 is answered ENOSYS, so libc falls back to clone"
    if of(verdicts, "native")["compat_abi"].outcome != "na":
        assert box["compat_abi"].note == "foreign-abi-killed", "the filter kills any other system call ABI"


def test_isolation_scenario_stores_the_same_verdicts(tmp_path, image: Image, verdicts) -> None:
    """`bench run isolation` stores one iso_<check>_blocked sample per check per run, as the probe decided."""
    from bench.runner import Lineup, RunOptions, run_suite
    from bench.scenario import DEFAULT_DIR, load_scenario
    from bench.store import Store

    scenario = load_scenario(DEFAULT_DIR / "isolation.toml")
    assert scenario.chart == "scorecard" and scenario.metrics == tuple(f"iso_{c}_blocked" for c in CHECKS)
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite([scenario], store, image, RunOptions(runtimes=("chroot", "box")), lineup=Lineup.registered()))
    samples = data.samples[data.samples["metric"].str.startswith("iso_")]
    stored = {(r.runtime, r.metric): r.value for r in samples.itertuples()}
    assert stored[("chroot", "iso_root_escape_blocked")] == 0.0, "the scorecard's chroot row fails the escape"
    assert stored[("box", "iso_root_escape_blocked")] == 1.0, "and box's passes"
    for runtime in ("native", "chroot", "box"):
        probed = of(verdicts, runtime)
        for check in CHECKS:
            expected = probed[check].blocked
            got = stored.get((runtime, f"iso_{check}_blocked"))
            assert got == (None if expected is None else float(expected)), f"{runtime} {check}: {got} vs {probed[check]}"


def test_a_virtual_machine_keeps_every_attempt_inside_its_own_kernel(verdicts) -> None:
    vm = of(verdicts, "libvirt")
    got_through = {c: v for c, v in vm.items() if v.blocked is False}
    assert not got_through, f"libvirt: these attempts reached the host: {got_through}"
    assert vm["hostname"].note == "guest-kernel", "root in the guest may rename the guest, never the host"
