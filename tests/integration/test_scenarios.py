"""The suite's own scenario files, run for real on the runtimes this host has, their stored figures checked.

Each test runs one file of scenarios/ (with fewer runs) through the runner and
checks the figures are plausible, not just present: READY before exit, the
memory parts adding up, density's memory growing with N and nothing left
after it, I/O positive beside the native baseline. Runtimes that cannot run
here are skipped by the runner with their reason (checked too).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from bench.results import SessionData
from bench.results import SETUP
from bench.runner import Lineup, RunOptions, run_suite
from bench.scenario import DEFAULT_DIR, Scenario, load_scenario
from bench.store import Store
from runtimes import Image
from tests.envcheck import require_runtime

CONTAINERS = ("chroot", "openvz", "box")  # with native, the baseline, always


def _run(tmp_path: Path, image: Image, scenario: Scenario, runtimes: tuple[str, ...], **options) -> SessionData:
    with Store(tmp_path / "s.sqlite") as store:
        return store.load(run_suite([scenario], store, image, RunOptions(runtimes=runtimes, **options), lineup=Lineup.registered()))


def _scenario(name: str, **changes) -> Scenario:
    return dataclasses.replace(load_scenario(DEFAULT_DIR / f"{name}.toml"), **changes)


def _by_run(data: SessionData) -> pd.DataFrame:
    """One row per measured run (runtime, iteration), one column per metric, and ``instances_count`` (a density
    run's N, from its ``instances`` column); not a runtime's setup figures."""
    samples = data.samples[data.samples["kind"] != SETUP]
    counts = (samples.dropna(subset=["instances"]).drop_duplicates(["runtime", "iteration"])
              .assign(metric="instances_count", value=lambda f: f["instances"].astype(float)))
    samples = pd.concat([samples, counts], ignore_index=True)
    return samples.pivot_table(index=["runtime", "iteration"], columns="metric", values="value").reset_index()


def _available(names: tuple[str, ...]) -> tuple[str, ...]:
    for name in names:
        require_runtime(name)
    return names


def test_startup_ready_comes_before_exit_and_the_ct_start_has_a_spread(tmp_path: Path, image: Image) -> None:
    runtimes = _available(CONTAINERS)
    data = _run(tmp_path, image, _scenario("startup", warmup=1, repetitions=3, setup_repetitions=4), runtimes)
    assert data.runs["ok"].all(), data.runs[data.runs["ok"] == 0]["error"].tolist()
    launches = _by_run(data).dropna(subset=["ready_s"])
    assert set(launches["runtime"]) == {"native", *runtimes}
    assert (launches["ready_s"] > 0).all() and (launches["ready_s"] < launches["exit_s"]).all()
    assert (launches["exit_s"] <= launches["cleanup_s"]).all()
    ct = data.samples[(data.samples["metric"] == "vz_ct_start_s") & (data.samples["runtime"] == "openvz")]
    assert len(ct) == 1 + 4, "the setup's start plus four more: a median and a spread"
    assert (ct["value"] > 0).all() and ct["value"].nunique() > 1
    assert SETUP in set(ct["kind"])
    exec_ready = launches[launches["runtime"] == "openvz"]["ready_s"].median()
    assert exec_ready < ct["value"].median() * 10, "exec into a running CT is not a CT start"


def test_memory_parts_add_up_to_the_host_total(tmp_path: Path, image: Image) -> None:
    runtimes = _available(("openvz", "box"))
    data = _run(tmp_path, image, _scenario("memory", warmup=0, repetitions=2), runtimes)
    assert data.runs["ok"].all(), data.runs[data.runs["ok"] == 0]["error"].tolist()
    runs = _by_run(data)
    parts = runs["workload_rss_bytes"] + runs["overhead_runtime_bytes"] + runs["overhead_guest_bytes"]
    assert (abs(parts - runs["host_pss_bytes"]) < 1024).all()
    by = runs.groupby("runtime").median(numeric_only=True)
    assert by.loc["native", "overhead_runtime_bytes"] < 256 * 1024, "a plain process has nothing beside it"
    for name in runtimes:  # box-init; the CT's init and the exec helper
        assert by.loc[name, "overhead_runtime_bytes"] > 100 * 1024, name
        assert by.loc[name, "overhead_guest_bytes"] == 0 and "overhead_page_cache_bytes" in by.columns
    assert by.loc["openvz", "overhead_runtime_bytes"] > by.loc["box", "overhead_runtime_bytes"], \
        "a system container runs an init beside the workload"


def test_memory_of_a_vm_is_mostly_its_guest(tmp_path: Path, image: Image) -> None:
    _available(("libvirt",))
    data = _run(tmp_path, image, _scenario("memory", warmup=0, repetitions=1), ("libvirt",))
    assert data.runs["ok"].all(), data.runs[data.runs["ok"] == 0]["error"].tolist()
    vm = _by_run(data).set_index("runtime").loc["libvirt"]
    assert vm["overhead_guest_bytes"] > 16 * 2**20, "a guest kernel is megabytes of guest RAM"
    assert vm["overhead_runtime_bytes"] > 8 * 2**20, "QEMU itself"
    assert vm["workload_rss_bytes"] < vm["overhead_guest_bytes"]
    # The guest's own page cache (its view) is part of the guest RAM the host pays for.
    assert 0 < vm["vm_guest_page_cache_bytes"] < vm["overhead_guest_bytes"] + vm["workload_rss_bytes"]


def _density(max_instances: int, margin_mib: int = 512) -> Scenario:
    s = _scenario("density", warmup=0, repetitions=1)
    return dataclasses.replace(s, density=dataclasses.replace(s.density, max_instances=max_instances,
                                                              margin_bytes=margin_mib * 2**20))


def test_density_memory_grows_with_n_and_cleanup_leaves_nothing(tmp_path: Path, image: Image,
                                                                private_state: Path) -> None:
    runtimes = _available(CONTAINERS)
    data = _run(tmp_path, image, _density(4), runtimes)
    assert data.runs["ok"].all(), data.runs[data.runs["ok"] == 0]["error"].tolist()
    runs = _by_run(data)
    pss = {}
    for name in ("native", *runtimes):
        mine = runs[runs["runtime"] == name].sort_values("instances_count")
        assert list(mine["instances_count"]) == [1, 2, 4], name
        assert (mine["density_ready_s"] > 0).all() and (mine["density_cleanup_s"] > 0).all()
        # MemAvailable is the whole host's view: recorded, but other work moves it by more than a probe costs.
        assert mine["density_mem_used_bytes"].notna().all() and mine["density_mem_drift_bytes"].notna().all()
        pss[name] = list(mine["density_pss_bytes"])
    # A plain process or chroot adds only a probe (tens of KiB once its binary is shared); box adds box-init
    # per container, a CT its own init: memory grows with N, and a CT's the most.
    assert pss["box"][2] > pss["box"][0] and pss["openvz"][0] < pss["openvz"][1] < pss["openvz"][2], pss
    assert pss["openvz"][2] - pss["openvz"][0] > pss["native"][2] - pss["native"][0], pss
    # Every instance's own resources are gone (the leak check covers mounts, cgroups, veths, loops).
    assert not list((private_state / "vz" / "conf").glob("*.conf"))
    assert not list((private_state / "box" / "containers").iterdir())


def test_density_refuses_a_step_that_would_eat_the_margin(tmp_path: Path, image: Image) -> None:
    data = _run(tmp_path, image, _density(2, margin_mib=100_000), ("native",))
    runs = data.runs[~data.runs["warmup"].astype(bool)]
    assert list(runs["ok"]) == [0], "the first step fails to fit; the larger one is not tried"
    assert runs["error"].iloc[0].startswith("not started: 1 instance would need")
    assert "margin" in runs["error"].iloc[0]


def test_density_of_vms_boots_them_side_by_side(tmp_path: Path, image: Image) -> None:
    _available(("libvirt",))
    data = _run(tmp_path, image, _density(2), ("libvirt",))
    assert data.runs["ok"].all(), data.runs[data.runs["ok"] == 0]["error"].tolist()
    vm = _by_run(data).query("runtime == 'libvirt'").sort_values("instances_count")
    assert list(vm["instances_count"]) == [1, 2]
    assert vm["density_pss_bytes"].iloc[1] > 1.5 * vm["density_pss_bytes"].iloc[0], "each guest has RAM of its own"
    assert (vm["density_ready_s"] > 0).all() and vm["density_mem_used_bytes"].notna().all()


def test_io_figures_are_positive_beside_the_native_baseline(tmp_path: Path, image: Image) -> None:
    runtimes = _available(CONTAINERS)
    data = _run(tmp_path, image, _scenario("io", warmup=0, repetitions=1), runtimes, quick=True)
    assert data.runs["ok"].all(), data.runs[data.runs["ok"] == 0]["error"].tolist()
    by = _by_run(data).set_index("runtime")
    metrics = ["io_seq_write_mib_s", "io_seq_read_mib_s", "io_rand_read_iops", "io_fsync_p50_us", "io_fsync_p99_us"]
    assert (by[metrics] > 0).all().all()
    assert (by["io_fsync_p50_us"] <= by["io_fsync_p99_us"]).all()
    ratios = by[metrics] / by.loc["native", metrics]
    assert ratios.notna().all().all() and (ratios > 0).all().all()


def test_cpu_time_is_within_the_elapsed_time(tmp_path: Path, image: Image) -> None:
    runtimes = _available(CONTAINERS)
    data = _run(tmp_path, image, _scenario("cpu", warmup=0, repetitions=1), runtimes, quick=True)
    assert data.runs["ok"].all()
    by = _by_run(data).set_index("runtime")
    assert (by["cpu_cpu_s"] > 0).all()
    assert (by["cpu_cpu_s"] <= by["cpu_elapsed_s"] * 1.05 + 0.01).all(), "one thread cannot use more CPU than time"


def test_host_noise_is_recorded_with_the_session(tmp_path: Path, image: Image) -> None:
    data = _run(tmp_path, image, _scenario("startup", warmup=0, repetitions=1, setup_repetitions=0), ("native",))
    meta = data.info.metadata
    for key in ("load_avg_1m", "load_avg_1m_end", "other_load_percent", "cpu_steal_percent", "cpu_governor"):
        assert key in meta, key
    assert 0 <= float(meta["other_load_percent"]) <= 100 and 0 <= float(meta["cpu_steal_percent"]) <= 100
