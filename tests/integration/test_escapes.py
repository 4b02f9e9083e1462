"""Escape attempts: the same probe tries to reach the host from inside every runtime.

``probe iso`` (bench/workload/iso.c) makes each attempt for real against
targets the host sets up (bench/isolation.py): a host process, an abstract
unix socket, a host block device… Inside box and the OpenVZ-style container
every attempt must fail; inside chroot several succeed, which is the lesson.
The isolation scenario stores these very verdicts, so the report's scorecard
and these tests cannot disagree (test_isolation_scenario_stores_the_same_verdicts).
"""

from __future__ import annotations

import pytest

from bench.isolation import HostTargets, Verdict, parse_verdicts
from bench.metrics import ISOLATION_CHECKS
from runtimes import Image, InstanceSpec, Limits, get_runtime, parse_line, probe_argv
from tests.conftest import _leftovers

CHECKS = tuple(name for name, _, _ in ISOLATION_CHECKS)
HOST_CHECKS = tuple(c for c in CHECKS if not c.endswith("_limit"))
LIMIT_CHECKS = tuple(c for c in CHECKS if c.endswith("_limit"))
LIMITS = Limits(memory_bytes=128 * 2**20, pids=64, cpus=0.1)
TRIED = ("native", "chroot", "openvz", "box", "libvirt")
# What root in a plain chroot can do to the host on every Linux host (the rest
# depends on what the host kernel has, e.g. module loading).
CHROOT_GETS_THROUGH = ("root_escape", "host_pids", "kill_host", "ptrace_host", "host_net", "host_socket",
                       "hostname", "clock", "mount", "host_disk_mount", "block_device", "mknod", "proc_sys")


def run_iso(image: Image, runtime_name: str, targets: HostTargets) -> dict[str, Verdict] | str:
    """The probe's verdicts inside one instance, or the reason the runtime cannot run here."""
    runtime_cls = get_runtime(runtime_name)
    availability = runtime_cls.available()
    if not availability.ok:
        return f"{availability.reason} (fix: {availability.fix})"
    spec = InstanceSpec(image=image, argv=probe_argv("iso", targets.argv(LIMITS)), limits=LIMITS)
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
    after = _leftovers(private_state)
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


@pytest.mark.parametrize("runtime", ["box", "openvz"])
def test_every_attempt_fails_inside_a_container(verdicts, runtime: str) -> None:
    inside, native = of(verdicts, runtime), of(verdicts, "native")
    got_through = {c: v for c, v in inside.items() if v.blocked is False}
    assert not got_through, f"{runtime}: these attempts reached the host: {got_through}"
    for check, verdict in inside.items():
        if verdict.outcome == "na":  # only where the host itself lacks the feature
            assert native[check].outcome == "na", f"{runtime} {check}: undecided inside but not natively: {verdict}"


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


def test_isolation_scenario_stores_the_same_verdicts(tmp_path, image: Image, verdicts) -> None:
    """`bench run isolation` stores one iso_<check>_blocked sample per check per run, as the probe decided."""
    from bench.runner import RunOptions, run_suite
    from bench.scenario import DEFAULT_DIR, load_scenario
    from bench.store import Store

    scenario = load_scenario(DEFAULT_DIR / "isolation.toml")
    assert scenario.chart == "scorecard" and scenario.metrics == tuple(f"iso_{c}_blocked" for c in CHECKS)
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite([scenario], store, image, RunOptions(runtimes=("chroot", "box"))))
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
