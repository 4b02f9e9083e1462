"""Benchmark (`make perf`): the HTML report builds in under 5 s from a store of 10,000 runs, and stays under 10 MB.

The store is made for this benchmark: every scenario kind (start-up,
memory, CPU, I/O, density, the isolation scorecard) under five runtimes,
10,000 measured runs in all, with values drawn from a seeded generator.
Only how long the report takes to build from them matters here; no figure
of it means anything about any runtime.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from bench.metrics import ISOLATION_CHECKS
from bench.report import render_html
from bench.results import ScenarioInfo
from bench.store import Store

RUNTIMES = ("native", "chroot", "openvz", "box", "libvirt")
TARGET_S, MAX_BYTES = 5.0, 10 * 2**20
ISO = tuple(f"iso_{c.name}_blocked" for c in ISOLATION_CHECKS)
# scenario → (chart, mode, figures, measured runs per runtime); 5 runtimes × 2,000 = 10,000 runs
PLAN = {
    "startup": ("startup", "ready", ("ready_s", "exit_s", "cleanup_s"), 600),
    "memory": ("memory", "idle", ("host_pss_bytes", "overhead_bytes", "workload_rss_bytes", "overhead_runtime_bytes",
                                  "overhead_guest_bytes", "overhead_page_cache_bytes"), 300),
    "cpu": ("cpu", "cpu", ("cpu_elapsed_s", "cpu_cpu_s"), 300),
    "io": ("io", "io", ("io_seq_write_mib_s", "io_seq_read_mib_s", "io_rand_read_iops", "io_fsync_p50_us",
                        "io_fsync_p99_us"), 200),
    "density": ("density", "idle", ("density_mem_used_bytes", "density_pss_bytes", "density_ready_s",
                                    "density_cleanup_s"), 200),
    "isolation": ("scorecard", "iso", ISO, 400),
}


def _value(rng: random.Random, runtime_index: int, name: str) -> float:
    if name.startswith("iso_"):
        return float(rng.random() < runtime_index / len(RUNTIMES))
    return (1 + runtime_index) * rng.lognormvariate(0, 0.1) * (1e-3 if name.endswith("_s") else 1e6)


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "isobench.sqlite"
    with Store(path) as store:
        sid = store.begin_session("bench run all", quick=False, metadata={"hostname": "bench-host", "cpu_count": "2"})
        for order, (name, (chart, mode, figures, runs)) in enumerate(PLAN.items()):
            store.record_scenario(sid, ScenarioInfo(name, f"{name} question", "", mode, (), figures, 1, runs,
                                                    order=order, chart=chart))
        store.finish_session(sid, "finished")
    rng = random.Random(6)
    db = sqlite3.connect(path)  # one transaction for all runs: Store.record_run commits each run, by design
    with db:
        for name, (_, _, figures, runs) in PLAN.items():
            for i in range(runs):
                for r, runtime in enumerate(RUNTIMES):
                    values = {m: _value(rng, r, m) for m in figures}
                    n = None
                    if name == "density":
                        n = 2 ** (i % 5)
                        values = {m: v * n for m, v in values.items()}
                    run_id = db.execute("INSERT INTO runs (session_id, scenario, runtime, iteration, warmup, ok, "
                                        "error, started_at, kind, instances) VALUES (?, ?, ?, ?, 0, 1, '', '', "
                                        "'measured', ?)", (sid, name, runtime, i, n)).lastrowid
                    db.executemany("INSERT INTO samples VALUES (?, ?, ?)", [(run_id, m, v) for m, v in values.items()])
    db.close()
    return path


def test_report_builds_from_10000_runs_in_under_5_s(benchmark, big_store: Path) -> None:
    with Store(big_store) as store:
        assert len(store.load().runs) == 10_000

    def build() -> str:
        with Store(big_store) as store:
            return render_html(store.load(), generated_at="2026-01-01T00:00:00+00:00")

    page = benchmark.pedantic(build, rounds=3, iterations=1)
    median = benchmark.stats.stats.median
    print(f"\nreport from 10,000 runs: median {median:.2f} s (target < {TARGET_S:.0f} s), "
          f"{len(page.encode()) / 2**20:.1f} MiB (limit {MAX_BYTES / 2**20:.0f} MiB)")
    assert median < TARGET_S
    assert len(page.encode()) < MAX_BYTES
