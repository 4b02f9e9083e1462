"""systemd-nspawn (runtimes/peers/nspawn.py) for real, on a host without systemd as PID 1.

Each test runs between the leak checks of tests/conftest.py: nspawn's
overlays are mounts, its cgroups are checked, its processes are children.
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
from tests.integration.test_peers import MEMORY, STARTUP


@pytest.fixture(autouse=True)
def _nspawn() -> None:
    require_runtime("nspawn")


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_nspawn_runs_startup_and_memory_with_real_figures_in_the_store(tmp_path: Path, image: Image) -> None:
    scenarios = [parse_scenario(STARTUP, tmp_path / "startup.toml"), parse_scenario(MEMORY, tmp_path / "memory.toml")]
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite(scenarios, store, image, RunOptions(runtimes=("nspawn",)), lineup=Lineup.registered()))
    runs = data.runs[data.runs["runtime"] == "nspawn"]
    assert len(runs) == 3 and runs["ok"].all(), list(runs["error"])
    by = data.samples[data.samples["runtime"] == "nspawn"].pivot_table(index="metric", columns="scenario",
                                                                        values="value", aggfunc="median")
    assert 0 < by.loc["ready_s", "startup"] < by.loc["exit_s", "startup"]
    assert by.loc["host_pss_bytes", "memory"] >= by.loc["workload_rss_bytes", "memory"] > 0
    assert by.loc["cgroup_anon_bytes", "memory"] > 0  # the instance's own cgroup is read
    assert data.runtimes["nspawn"].versions["systemd-nspawn"].startswith("systemd ")


def test_the_probe_runs_as_pid_2_in_its_own_cgroup_with_the_limits(image: Image) -> None:
    limits = Limits(memory_bytes=64 * 2**20, pids=50)
    with get_runtime("nspawn")(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=probe_argv("idle"), limits=limits)) as inst:
            ready = inst.wait_ready(30)
            group = inst.cgroup
            assert ready.fields["pid"] == "2"  # nspawn's stub init is PID 1 (--as-pid2)
            assert group is not None and inst.workload_pid is not None
            assert f"memory:/{group.parent.name}/{group.name}" in Path(f"/proc/{inst.workload_pid}/cgroup").read_text() \
                or f"0::/{group.parent.name}/{group.name}" in Path(f"/proc/{inst.workload_pid}/cgroup").read_text()
            limit = group / "memory.limit_in_bytes"
            assert int((limit if limit.exists() else group / "memory.max").read_text()) == 64 * 2**20
    assert not group.exists()


def test_writes_go_to_the_instance_never_to_the_image_cache(image: Image) -> None:
    """The root is an overlay over the cache: what the workload writes stays in its upper layer and goes with it."""
    with get_runtime("nspawn")(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=("/bin/sh", "-c", "echo x > /written-by-nspawn"))) as inst:
            assert inst.wait(30) == 0
    assert not (image.rootfs / "written-by-nspawn").exists()


def test_instances_run_side_by_side(image: Image) -> None:
    """nspawn locks the tree it runs; each instance's own overlay lets a density step hold several."""
    with get_runtime("nspawn")(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=probe_argv("idle"))) as one, \
                runtime.start(InstanceSpec(image=image, argv=probe_argv("idle"))) as two:
            one.wait_ready(30)
            two.wait_ready(30)


def test_a_workload_that_exits_early_fails_with_its_status_and_message(image: Image) -> None:
    with get_runtime("nspawn")(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=("/bin/sh", "-c", "echo broken >&2; exit 3"))) as inst:
            with pytest.raises(InstanceError, match=r"^nspawn: workload exited with status 3 before it was ready: .*broken"):
                inst.wait_ready(30)


def test_killing_nspawn_still_leaves_nothing_behind(image: Image) -> None:
    with get_runtime("nspawn")(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=probe_argv("idle"))) as inst:
            inst.wait_ready(30)
            workload = inst.workload_pid
            os.kill(inst.pid, signal.SIGKILL)
    assert workload is not None and not _alive(workload)


HARNESS = """
import time
from runtimes import InstanceSpec, build_image, get_runtime, probe_argv
image = build_image()
runtime = get_runtime("nspawn")(image).__enter__()
inst = runtime.start(InstanceSpec(image=image, argv=probe_argv("idle")))
inst.wait_ready(30)
print(inst.workload_pid, flush=True)
time.sleep(300)
"""


def test_bench_clean_finds_and_removes_the_container_of_a_killed_harness(image: Image) -> None:
    scratch = scratch_root()
    before = set(scratch.iterdir())
    harness = subprocess.Popen([sys.executable, "-c", HARNESS], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        workload = int(harness.stdout.readline())  # type: ignore[union-attr]
    finally:
        harness.kill()
        harness.wait()
        harness.stdout.close()  # type: ignore[union-attr]
    orphans = get_runtime("nspawn").orphans()
    assert [o.kind for o in orphans] == ["container"]
    for orphan in orphans:
        orphan.remove()
    assert get_runtime("nspawn").orphans() == [] and not _alive(workload)
    # What `bench clean` removes as the harness's own: its scratch tree, with the overlay mounted in it.
    for tree in set(scratch.iterdir()) - before:
        for merged in tree.glob("*/merged"):
            subprocess.run(["umount", "-l", str(merged)], check=False)
        shutil.rmtree(tree)
