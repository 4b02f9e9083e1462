"""Benchmarks of the suite itself (`make perf`): is the harness honest and fast?

Run with ``make perf``; each test prints the figures it compares. These are
performance targets, so they live here and never in the functional tests.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.runner import run_once
from bench.scenario import select
from runtimes import Image, Native
from tests.conftest import REPO
from tests.envcheck import require_tool

RUNS = 300
WARMUP = 30


def hyperfine_median_s(command: list[str], tmp_path: Path) -> float:
    """hyperfine's median for the command, run without a shell (-N), as we do."""
    hyperfine = require_tool("hyperfine", "hyperfine")
    export = tmp_path / "hyperfine.json"
    subprocess.run([hyperfine, "-N", "--warmup", str(WARMUP), "--runs", str(RUNS), "--export-json", str(export),
                    " ".join(command)], check=True, capture_output=True)
    return json.loads(export.read_text())["results"][0]["median"]


def test_harness_launch_to_exit_is_within_10_percent_or_half_a_ms_of_hyperfine(benchmark, image: Image, tmp_path: Path) -> None:
    """Target: for native `probe ready`, |harness − hyperfine| ≤ max(10 %, 0.5 ms) of hyperfine's median."""
    scenario = select(["startup"])[0]
    samples: list[float] = []
    with Native(image) as runtime:
        for _ in range(WARMUP):
            run_once(runtime, scenario, 0, warmup=True)

        def one_run() -> None:
            samples.append(run_once(runtime, scenario, 0, warmup=False).metrics["exit_s"])

        benchmark.pedantic(one_run, rounds=RUNS, iterations=1)
    ours = statistics.median(samples)
    theirs = hyperfine_median_s([str(image.probe), "ready"], tmp_path)
    tolerance = max(0.10 * theirs, 0.0005)
    print(f"\nlaunch → exit of native `probe ready`, median of {RUNS}: "
          f"harness {ours * 1e3:.3f} ms, hyperfine {theirs * 1e3:.3f} ms, "
          f"difference {(ours - theirs) * 1e3:+.3f} ms (allowed ±{tolerance * 1e3:.3f} ms)")
    assert abs(ours - theirs) <= tolerance


def test_quick_run_of_every_scenario_finishes_in_under_two_minutes(benchmark, tmp_path: Path) -> None:
    """Target: `bench run all --quick` (report included) in under 120 s on this host."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def quick_run() -> float:
        start = time.monotonic()
        subprocess.run([sys.executable, "-m", "bench", "run", "all", "--quick", "--reports", str(tmp_path)],
                       check=True, capture_output=True, env=env, cwd=tmp_path)
        return time.monotonic() - start

    elapsed = benchmark.pedantic(quick_run, rounds=1, iterations=1)
    print(f"\n`bench run all --quick`: {elapsed:.1f} s (target < 120 s)")
    assert elapsed < 120
