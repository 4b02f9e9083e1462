"""gVisor (runtimes/peers/gvisor.py) for real: runsc runs the suite's bundle, its quirks, and nothing left behind.

gVisor's workload has no host process of its own (it is a task of the
Sentry), so these tests follow the sandbox through its cgroup, where runc's
tests (test_peers.py) follow the workload's PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bench.errors import InstanceError
from bench.runner import Lineup, RunOptions, run_suite
from bench.scenario import parse_scenario
from bench.store import Store
from runtimes import Image, InstanceSpec, Limits, get_runtime, probe_argv
from runtimes.kernel.paths import scratch_root
from runtimes.peers import gvisor
from tests.conftest import REPO
from tests.envcheck import require_runtime
from tests.integration.test_peers import MEMORY, STARTUP


@pytest.fixture(autouse=True)
def _gvisor() -> None:
    require_runtime("gvisor")


def _run(image: Image, argv: tuple[str, ...], flags: list[str] | None = None, limits: Limits = Limits()
         ) -> tuple[int, str]:
    """Run ``argv`` to its end in a gVisor sandbox; its status and output."""
    runtime = get_runtime("gvisor")(image)
    if flags is not None:
        runtime.global_flags = lambda: flags  # type: ignore[method-assign]
    with runtime, runtime.start(InstanceSpec(image=image, argv=argv, limits=limits)) as inst:
        status = inst.wait(60)
        return status, "\n".join(line.text for line in inst.lines)


def _alive(pid: str) -> bool:
    """Running, not a zombie waiting for the host's init to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _processes(group: Path) -> set[str]:
    try:
        return set((group / "cgroup.procs").read_text().split())
    except OSError:
        return set()


def test_gvisor_runs_startup_and_memory_with_its_platform_recorded(tmp_path: Path, image: Image) -> None:
    scenarios = [parse_scenario(STARTUP, tmp_path / "startup.toml"), parse_scenario(MEMORY, tmp_path / "memory.toml")]
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite(scenarios, store, image, RunOptions(runtimes=("gvisor",)), lineup=Lineup.registered()))
    runs = data.runs[data.runs["runtime"] == "gvisor"]
    assert len(runs) == 3 and runs["ok"].all(), list(runs["error"])
    by = data.samples[data.samples["runtime"] == "gvisor"].pivot_table(index="metric", columns="scenario",
                                                                        values="value", aggfunc="median")
    assert 0 < by.loc["ready_s", "startup"] < by.loc["exit_s", "startup"]
    # The host side is the Sentry, the Gofer and the stubs: far more than the probe's own RSS.
    assert by.loc["host_pss_bytes", "memory"] > 4 * by.loc["workload_rss_bytes", "memory"] > 0
    versions = data.runtimes["gvisor"].versions
    assert versions["platform"] == gvisor.DEFAULT_PLATFORM and versions["runsc"].startswith("runsc version")


def test_the_workload_talks_to_gvisors_kernel_not_the_hosts(image: Image) -> None:
    """The Sentry answers uname(2) and serves /proc: the host kernel's release is nowhere to be seen."""
    status, out = _run(image, ("/bin/sh", "-c", "uname -r; cat /proc/version"))
    assert status == 0
    host = os.uname().release
    assert out.strip() and host not in out, out


def test_box_seccomp_filter_is_applied_inside_the_sandbox(image: Image) -> None:
    """unshare(CLONE_NEWUSER) is refused by box's filter; runsc drops the bundle's filter without --oci-seccomp."""
    attack = ("/bin/sh", "-c", "unshare -U true && echo ESCAPED || echo refused")
    status, out = _run(image, attack)
    assert status == 0 and "refused" in out and "ESCAPED" not in out, out
    # The same attack with the option left out: the Sentry allows it, so the test above is the option's.
    flags = [f for f in get_runtime("gvisor")(image).global_flags() if f != "--oci-seccomp"]
    _, out = _run(image, attack, flags)
    assert "ESCAPED" in out, out


def test_memory_limit_applies_to_the_sandbox_and_pids_is_left_out(image: Image) -> None:
    """Memory on the whole sandbox's cgroup (Sentry included); a pids limit would crash the Sentry, so none is set."""
    limits = Limits(memory_bytes=256 * 2**20, pids=50)
    with get_runtime("gvisor")(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=probe_argv("idle"), limits=limits)) as inst:
            inst.wait_ready(30)
            group = inst.cgroup
            assert group is not None and _processes(group) & set(map(str, inst.host_pids))
            assert int((group / "memory.limit_in_bytes").read_text()) == 256 * 2**20
            pids = Path(str(group).replace("/memory/", "/pids/")) / "pids.max"
            assert not pids.exists() or pids.read_text().strip() == "max"
            inst.stop()
    assert not group.exists()
    # A shell pipeline forks: with pids.max=50 on the sandbox's cgroup the Sentry would die instead (gvisor#2490).
    status, out = _run(image, ("/bin/sh", "-c", "echo a | cat | cat; echo done"), limits=limits)
    assert status == 0 and "done" in out


def test_a_workload_that_exits_early_fails_with_its_status_and_message(image: Image) -> None:
    with get_runtime("gvisor")(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=("/bin/sh", "-c", "echo broken >&2; exit 3"))) as inst:
            with pytest.raises(InstanceError, match=r"^gvisor: workload exited with status 3 before it was ready: .*broken"):
                inst.wait_ready(30)


def test_killing_runsc_run_still_leaves_nothing_behind(image: Image) -> None:
    """kill -9 of `runsc run`: the sandbox and Gofer live on in their cgroup; close() ends them and deletes the state."""
    with get_runtime("gvisor")(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=probe_argv("idle"))) as inst:
            inst.wait_ready(30)
            group = inst.cgroup
            assert group is not None
            sandbox = _processes(group)
            os.kill(inst.pid, signal.SIGKILL)
    assert sandbox and not any(map(_alive, sandbox))


HARNESS = """
import sys, time
from runtimes import InstanceSpec, build_image, get_runtime, probe_argv
image = build_image()
runtime = get_runtime("gvisor")(image).__enter__()
inst = runtime.start(InstanceSpec(image=image, argv=probe_argv("idle")))
inst.wait_ready(30)
print(inst.cgroup, flush=True)
time.sleep(300)
"""


def test_bench_clean_finds_and_removes_the_sandbox_of_a_killed_harness(image: Image) -> None:
    scratch = scratch_root()
    before = set(scratch.iterdir())
    harness = subprocess.Popen([sys.executable, "-c", HARNESS], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        group = Path(harness.stdout.readline().strip())  # type: ignore[union-attr]
    finally:
        harness.kill()
        harness.wait()
        harness.stdout.close()  # type: ignore[union-attr]
    sandbox = _processes(group)
    orphans = get_runtime("gvisor").orphans()
    assert [o.name for o in orphans] == [group.name] and sandbox
    for orphan in orphans:
        orphan.remove()
    assert get_runtime("gvisor").orphans() == [] and not group.exists()
    assert not any(map(_alive, sandbox))
    for tree in set(scratch.iterdir()) - before:  # what `bench clean` removes as the harness's own
        shutil.rmtree(tree)


def test_an_unknown_platform_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(gvisor.PLATFORM_VARIABLE, "systrap")
    found = get_runtime("gvisor").available()
    assert not found.ok and gvisor.PLATFORM_VARIABLE in found.reason and "ptrace" in found.fix
