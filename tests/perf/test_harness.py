"""Benchmarks of the suite itself (`make perf`): is the harness honest and fast?

Run with ``make perf``; each test prints the figures it compares. These are
performance targets, so they live here and never in the functional tests.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.runner import Lineup, RunOptions, run_once, run_suite
from bench.scenario import select
from bench.store import Store
from runtimes import Image, Native
from tests.conftest import REPO
from tests.envcheck import require_tool

RUNS = 400       # measured runs of each side
BLOCK = 20       # the harness and hyperfine take turns, BLOCK runs at a time
WARMUP = 30
TURN_WARMUP = 3  # untimed runs at the start of each turn, on both sides (see the test's docstring)
TOLERANCE = 0.10
ATTEMPTS = 3     # measurements at most, when other programs keep the host busy
QUIET_PERCENT = 25  # other programs' share of the CPUs under which a measurement is taken as it is
BUSY_PERCENT = 50   # over this even in the quietest attempt (a whole CPU of two), no figure is judged: skipped


def hyperfine_times_s(hyperfine: str, command: str, output: str, runs: int, export: Path) -> list[float]:
    """Each run's launch → exit, as hyperfine times it: without a shell (-N), the output sent to ``output``."""
    subprocess.run([hyperfine, "-N", "--warmup", str(TURN_WARMUP), "--runs", str(runs), "--output", output,
                    "--export-json", str(export), command], check=True, capture_output=True)
    return json.loads(export.read_text())["results"][0]["times"]


def _ms(values: list[float]) -> str:
    q1, _, q3 = statistics.quantiles(values, n=4)
    return f"{statistics.median(values) * 1e3:.3f} ms (IQR {q1 * 1e3:.3f}–{q3 * 1e3:.3f})"


@dataclasses.dataclass
class Comparison:
    """One interleaved measurement of both sides, and how busy other programs kept the host meanwhile."""

    exit_s: list[float] = dataclasses.field(default_factory=list)
    ready_s: list[float] = dataclasses.field(default_factory=list)
    hyperfine: dict[str, list[float]] = dataclasses.field(default_factory=lambda: {"pipe": [], "null": []})
    others_percent: float = 0.0  # CPU time of other programs, in percent of all CPUs' time
    sessions: list[str] = dataclasses.field(default_factory=list)  # where the harness's runs were stored, if they were

    @property
    def turns(self) -> list[float]:
        """harness/hyperfine turn by turn, each side's median in the turn."""
        return [statistics.median(self.exit_s[i:i + BLOCK]) / statistics.median(self.hyperfine["pipe"][i:i + BLOCK])
                for i in range(0, len(self.exit_s), BLOCK)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.turns)

    def summary(self) -> str:
        ours, pipe = statistics.median(self.exit_s), statistics.median(self.hyperfine["pipe"])
        q1, _, q3 = statistics.quantiles(self.turns, n=4)
        return (f"native `probe ready`, {len(self.exit_s)} runs each, in turns of {BLOCK}; other programs used "
                f"{self.others_percent:.0f} % of the CPUs meanwhile:\n"
                f"  launch → exit: harness {_ms(self.exit_s)}, "
                f"hyperfine --output=pipe {_ms(self.hyperfine['pipe'])}, "
                f"difference {(ours - pipe) * 1e3:+.3f} ms; turn by turn, harness/hyperfine {self.ratio:.3f} "
                f"(IQR {q1:.3f}–{q3:.3f}; allowed 1 ± {TOLERANCE:.2f})\n"
                f"  for reference: hyperfine --output=null {_ms(self.hyperfine['null'])}; "
                f"the harness's launch → READY {_ms(self.ready_s)}")


def _busy_s() -> float:
    """CPU time the host has been busy, all CPUs and programs together (proc(5): /proc/stat, USER_HZ ticks)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _own_s() -> float:
    """CPU time of this process and of its children it has waited for (the probes, hyperfine)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


Turn = Callable[[], list[tuple[float, float]]]  # one turn of the harness: BLOCK runs' (exit_s, ready_s)


def compare(harness_turn: Turn, hyperfine: str, command: str, export: Path) -> Comparison:
    """The harness and hyperfine in turns (see the test below), with other programs' load meanwhile."""
    result = Comparison()
    busy, own, wall = _busy_s(), _own_s(), time.monotonic()
    for turn in range(RUNS // BLOCK):
        order = list(result.hyperfine) if turn % 2 else list(reversed(result.hyperfine))
        for output in order:
            result.hyperfine[output] += hyperfine_times_s(hyperfine, command, output, BLOCK, export)
        for exit_s, ready_s in harness_turn():
            result.exit_s.append(exit_s)
            result.ready_s.append(ready_s)
    others = (_busy_s() - busy) - (_own_s() - own)
    result.others_percent = 100 * max(0.0, others) / ((time.monotonic() - wall) * (os.cpu_count() or 1))
    return result


def quietest(measure: Callable[[], Comparison]) -> Comparison:
    """``measure`` again while other programs kept the CPUs busy, ATTEMPTS times at most; the quietest."""
    attempts = []
    for _ in range(ATTEMPTS):
        attempts.append(measure())
        if attempts[-1].others_percent <= QUIET_PERCENT:
            break
    return min(attempts, key=lambda a: a.others_percent)


def judge(result: Comparison, label: str) -> None:
    """Print the figures; skip if the host was too busy to tell, else check the ratio."""
    print(f"\n{label}{result.summary()}")
    if result.others_percent > BUSY_PERCENT:
        pytest.skip(f"other programs used {result.others_percent:.0f} % of the CPUs even in the quietest of "
                    f"{ATTEMPTS} attempts (harness/hyperfine {result.ratio:.3f} then): rerun on a quieter host")
    assert abs(result.ratio - 1) <= TOLERANCE, f"harness/hyperfine {result.ratio:.3f}, turn by turn"


def test_harness_launch_to_exit_is_within_10_percent_of_hyperfine(benchmark, image: Image, tmp_path: Path) -> None:
    """Target: for native `probe ready`, the harness's launch → exit within 10 % of hyperfine's, medians.

    Like for like: both time launch → the child reaped, with no shell, and
    both read the probe's output through a pipe to its end (hyperfine's
    ``--output=pipe``), as the harness must: READY is when it reads the
    probe's line. hyperfine's default, ``--output=null``, sends the line to
    /dev/null, where nobody is woken to read it; it is printed alongside.
    The two take turns, BLOCK runs at a time, so that what the other
    engineers' tests do to this 2-CPU host falls on both alike, and each
    turn starts with TURN_WARMUP untimed runs on both sides: here a launch
    that follows a pause of a millisecond or more (hyperfine's own start, a
    store's fsync) costs 0.1–0.4 ms more than one in a tight loop, since the
    idle CPU the child is placed on must be woken first.

    The figure checked is the median over the turns of harness/hyperfine,
    each side's median in the turn: a burst of someone else's load then
    moves one turn, not the result. When other programs kept the CPUs busy
    (over QUIET_PERCENT), the measurement is taken again, ATTEMPTS times at
    most, and the quietest one is checked: chosen by the host's load, never
    by its result. If even that one had a whole CPU taken by others
    (BUSY_PERCENT), nothing can be told like for like: the test is skipped,
    saying so and with the figures it got.
    """
    hyperfine = require_tool("hyperfine", "hyperfine")
    scenario = select(["startup"])[0]
    with Native(image) as runtime:
        for _ in range(WARMUP):
            run_once(runtime, scenario, 0, warmup=True)

        def harness_turn() -> list[tuple[float, float]]:
            for _ in range(TURN_WARMUP):  # as hyperfine warms up each of its turns
                run_once(runtime, scenario, 0, warmup=True)
            runs = [run_once(runtime, scenario, 0, warmup=False) for _ in range(BLOCK)]
            assert all(run.ok for run in runs), [run.error for run in runs if not run.ok]
            return [(run.metrics["exit_s"], run.metrics["ready_s"]) for run in runs]

        def measure() -> Comparison:
            return compare(harness_turn, hyperfine, f"{image.probe} ready", tmp_path / "hyperfine.json")

        result = benchmark.pedantic(quietest, args=(measure,), rounds=1, iterations=1)
    benchmark.extra_info.update(harness_exit_ms=statistics.median(result.exit_s) * 1e3,
                                hyperfine_pipe_ms=statistics.median(result.hyperfine["pipe"]) * 1e3,
                                ratio=result.ratio, others_percent=result.others_percent)
    judge(result, "")


def test_bench_runs_native_figure_is_within_10_percent_of_hyperfine(image: Image, tmp_path: Path) -> None:
    """Target: the same, through `bench run`'s path: run_suite, each run committed to a store as it ends.

    What a report shows is measured this way, so the harness's own cost
    includes what it does between runs: the store's commit, with its fsync,
    keeps the CPUs idle ~2 ms before each launch, and on a busy host a
    launch after such a pause costs more (the previous test's docstring).
    Each turn is a session of BLOCK runs after the scenario's own warm-ups.
    """
    hyperfine = require_tool("hyperfine", "hyperfine")
    scenario = select(["startup"])[0]
    options = RunOptions(repetitions=BLOCK, runtimes=("native",), command="tests/perf")
    with Store(tmp_path / "isobench.sqlite") as store:
        def measure() -> Comparison:
            sessions: list[str] = []

            def harness_turn() -> list[tuple[float, float]]:
                sessions.append(run_suite([scenario], store, image, options, lineup=Lineup((Native,))))
                return []  # read back at the end: the store's reader imports pandas, not wanted while measuring

            measured = compare(harness_turn, hyperfine, f"{image.probe} ready", tmp_path / "hf.json")
            measured.sessions = sessions
            return measured

        result = quietest(measure)
        for session in result.sessions:
            samples = store.load(session).samples
            for metric, into in (("exit_s", result.exit_s), ("ready_s", result.ready_s)):
                into += samples[(samples.metric == metric) & (samples.kind == "measured")].value.tolist()
    judge(result, "through run_suite and its store: ")


def test_quick_run_of_every_scenario_finishes_in_under_two_minutes(benchmark, tmp_path: Path) -> None:
    """Target: `bench run all --quick` (report included) in under 120 s on this host."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def quick_run() -> float:
        start = time.monotonic()
        subprocess.run([sys.executable, "-m", "bench", "run", "all", "--quick", "--reports", str(tmp_path)],
                       check=True, capture_output=True, env=env, cwd=tmp_path)
        return time.monotonic() - start

    elapsed = benchmark.pedantic(quick_run, rounds=1, iterations=1)
    shares = time_by_runtime(tmp_path / "isobench.sqlite")
    vms = sum(shares.get(name, 0.0) for name in VM_RUNTIMES)
    print(f"\n`bench run all --quick`: {elapsed:.1f} s (target < 120 s); from the stored runs' start times "
          f"(1 s resolution), the runs of the VMs ({', '.join(VM_RUNTIMES)}) took {vms:.0f} s, the rest "
          f"{elapsed - vms:.0f} s\n  by runtime: " + ", ".join(f"{name} {t:.0f} s" for name, t in shares.items()))
    assert elapsed < 120


VM_RUNTIMES = ("libvirt", "qemu", "microvm")


def time_by_runtime(store: Path) -> dict[str, float]:
    """Seconds from each stored run's start to the next one's, summed per runtime, largest first.

    The runs are stored in the order they ran, so the gap after a run is that
    run plus the harness's work before the next; the last run of a scenario
    also carries the next scenario's set-up.
    """
    with contextlib.closing(sqlite3.connect(store)) as db:
        rows = db.execute("SELECT session_id, runtime, started_at FROM runs ORDER BY id").fetchall()
    totals: dict[str, float] = {}
    for (session, name, started), (next_session, _, following) in zip(rows, rows[1:]):
        if next_session != session:
            continue
        gap = dt.datetime.fromisoformat(following) - dt.datetime.fromisoformat(started)
        totals[name] = totals.get(name, 0.0) + gap.total_seconds()
    return dict(sorted(totals.items(), key=lambda item: -item[1]))
