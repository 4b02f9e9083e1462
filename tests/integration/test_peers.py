"""The production peers (runtimes/peers/) for real: through the runner into the store, limits, and clean-up.

Every peer scripts/provision installs runs the start-up and memory scenarios
(few runs: this checks that real figures reach the store, not what they are)
and must leave nothing behind, even when its launcher is killed; the leak
check of tests/conftest.py covers their containers, state, bundles and cgroups.
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
from tests.conftest import REPO
from tests.envcheck import require_runtime

# The peers scripts/provision installs; docker's engine too, started for this module as a run starts it
# (tests/conftest.py docker_engine); its tests skip with the reason where it cannot start.
PROVISIONED = ("unshare", "bwrap", "lxc", "crun", "runc", "podman", "qemu")
pytestmark = pytest.mark.usefixtures("docker_engine")
CONTAINERS = ("lxc", "crun", "runc", "podman", "docker")  # the peers with a cgroup, limits and container state

STARTUP = ('name = "startup"\ndescription = "test"\n[workload]\nmode = "ready"\n'
           '[run]\nwarmup = 0\nrepetitions = 2\n[report]\nmetrics = ["ready_s", "exit_s"]\n')
MEMORY = ('name = "memory"\ndescription = "test"\n[workload]\nmode = "idle"\n'
          '[run]\nwarmup = 0\nrepetitions = 1\n[report]\nmetrics = ["host_pss_bytes", "overhead_bytes"]\n')


@pytest.mark.parametrize("name", [*PROVISIONED, "docker"])
def test_peer_runs_startup_and_memory_with_real_figures_in_the_store(name: str, tmp_path: Path, image: Image) -> None:
    require_runtime(name)
    scenarios = [parse_scenario(STARTUP, tmp_path / "startup.toml"), parse_scenario(MEMORY, tmp_path / "memory.toml")]
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite(scenarios, store, image, RunOptions(runtimes=(name,)), lineup=Lineup.registered()))
    runs = data.runs[data.runs["runtime"] == name]
    assert len(runs) == 3 and runs["ok"].all(), list(runs["error"])
    assert not [s for s in data.skips if s.runtime == name]
    by = data.samples[data.samples["runtime"] == name].pivot_table(index="metric", columns="scenario",
                                                                    values="value", aggfunc="median")
    assert 0 < by.loc["ready_s", "startup"] < by.loc["exit_s", "startup"]
    # A VM's host side is QEMU with the guest's RAM: more than the probe; a container's at least the probe.
    assert by.loc["host_pss_bytes", "memory"] >= by.loc["workload_rss_bytes", "memory"] > 0
    versions = data.runtimes[name].versions
    assert versions and all(versions.values()), versions
    assert data.runtimes[name].launch


@pytest.mark.parametrize("name", CONTAINERS)
def test_peer_container_gets_the_scenario_limits_in_its_own_cgroup(name: str, image: Image) -> None:
    require_runtime(name)
    limits = Limits(memory_bytes=64 * 2**20, pids=50)
    with get_runtime(name)(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=probe_argv("idle"), limits=limits)) as inst:
            ready = inst.wait_ready(30)
            assert ready.fields["pid"] in ("1", "2")  # PID 1 of its namespace, or 2 under LXC's lxc-init
            group = inst.cgroup
            assert group is not None and inst.workload_pid is not None
            assert str(inst.workload_pid) in _group_pids(group)
            assert _limit(group, "memory.limit_in_bytes", "memory.max") == 64 * 2**20
            pids_dir = Path(str(group).replace("/memory/", "/pids/"))  # v1: one hierarchy each; v2: the same
            assert _limit(pids_dir, "pids.max", "pids.max") == 50
            inst.stop()
    assert not group.exists()


@pytest.mark.parametrize("name", CONTAINERS)
def test_killing_the_launcher_still_leaves_nothing_behind(name: str, image: Image) -> None:
    """kill -9 of `crun run`, `podman run` … : close() still stops the container and deletes what it left."""
    require_runtime(name)
    with get_runtime(name)(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=probe_argv("idle"))) as inst:
            inst.wait_ready(30)
            workload = inst.workload_pid
            os.kill(inst.pid, signal.SIGKILL)
    assert workload is not None and not _alive(workload)


@pytest.mark.parametrize("name", [n for n in PROVISIONED if n != "qemu"] + ["docker"])
def test_a_workload_that_exits_early_fails_with_its_status_and_message(name: str, image: Image) -> None:
    require_runtime(name)
    with get_runtime(name)(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=("/bin/sh", "-c", "echo broken >&2; exit 3"))) as inst:
            with pytest.raises(InstanceError, match=rf"^{name}: workload exited with status 3 before it was ready: .*broken"):
                inst.wait_ready(30)


@pytest.mark.parametrize("name", [n for n in PROVISIONED if n != "qemu"] + ["docker"])
def test_a_workload_that_never_gets_ready_times_out_and_is_stopped(name: str, image: Image) -> None:
    require_runtime(name)
    with get_runtime(name)(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=("/bin/sleep", "30"))) as inst:
            with pytest.raises(InstanceError, match="no ready line within 0.5 s"):
                inst.wait_ready(0.5)
            workload = inst.workload_pid
    assert workload is not None and not _alive(workload)


HARNESS = """
import sys, time
from runtimes import InstanceSpec, build_image, get_runtime, probe_argv
image = build_image()
runtime = get_runtime(sys.argv[1])(image).__enter__()
inst = runtime.start(InstanceSpec(image=image, argv=probe_argv("idle")))
inst.wait_ready(30)
print(inst.workload_pid, flush=True)
time.sleep(300)
"""


@pytest.mark.parametrize("name", CONTAINERS)
def test_bench_clean_finds_and_removes_the_containers_of_a_killed_harness(name: str, image: Image) -> None:
    """A `bench run` killed with SIGKILL cannot clean up; ``Runtime.orphans`` (`bench clean`) finds what it left."""
    require_runtime(name)
    scratch = scratch_root()
    before = set(scratch.iterdir())
    harness = subprocess.Popen([sys.executable, "-c", HARNESS, name], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        workload = int(harness.stdout.readline())  # type: ignore[union-attr]
    finally:
        harness.kill()
        harness.wait()
        harness.stdout.close()  # type: ignore[union-attr]
    runtime = get_runtime(name)
    orphans = runtime.orphans()
    assert [o.kind for o in orphans] == ["container"] and orphans[0].name.startswith(f"isobench-")
    for orphan in orphans:
        orphan.remove()
    assert runtime.orphans() == [] and not _alive(workload)
    for tree in set(scratch.iterdir()) - before:  # what `bench clean` removes as the harness's own
        shutil.rmtree(tree)


def test_crun_on_a_hybrid_host_records_how_it_ran(image: Image) -> None:
    from runtimes.peers import hybrid

    require_runtime("crun")
    with get_runtime("crun")(image) as runtime:
        assert ("host quirk" in runtime.versions()) == hybrid.is_hybrid()
        with runtime.start(InstanceSpec(image=image, argv=probe_argv("ready"))) as inst:
            inst.wait_ready(30)
            assert inst.wait(30) == 0
    if hybrid.is_hybrid():
        assert os.path.ismount(hybrid.CGROUP2_MOUNT), "the host's own cgroup2 mount is untouched"


def _group_pids(group: Path) -> set[str]:
    return set((group / "cgroup.procs").read_text().split())


def _limit(group: Path, v1_file: str, v2_file: str) -> int:
    path = group / v1_file if (group / v1_file).exists() else group / v2_file
    return int(path.read_text())


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
