"""Density: N idle instances of one runtime at once, for N = 1, 2, 4, … — what they cost the host.

One *step* launches N separate instances (``Runtime.start_separate``) one
after another, waits until every one is ready, measures, then stops and
cleans up all of them. Its run carries N in its ``instances`` (a column of
the store, so the report can plot every figure against it) and stores
(units in the names, ``bench.metrics``):

- ``density_ready_s``: from the first launch call until all N are ready;
- ``density_cleanup_s``: from the first stop until all N are gone, every
  resource released (the instances are stopped one after another, as a
  script calling ``docker rm -f`` would);
- ``density_mem_used_bytes``: how much the host's MemAvailable dropped
  (/proc/meminfo, see proc(5)): the whole host's view, page cache and
  kernel memory included, so it is noisy when other work runs;
- ``density_pss_bytes``: the summed PSS of every host process of the N
  instances (each process counted once), the per-process view;
- ``density_mem_per_instance_bytes``: the MemAvailable drop divided by N;
- ``density_mem_drift_bytes``: how far MemAvailable moved from before the
  launch to after the cleanup, when the instances had given everything back:
  the part of the drop that other work on the host may account for.

A step runs only if the host can afford it: the memory one instance took in
the previous step, times N, must leave ``Density.margin_bytes`` of
MemAvailable. A step that would not is recorded as a failed run saying so,
and that runtime's larger steps are not tried.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

from bench.errors import InstanceError
from bench.messages import Message, message_of, say
from bench.observers import pss_bytes
from bench.progress import Progress
from bench.results import RunRecord
from bench.scenario import Density, Scenario
from bench.store import Store, utc_now
from runtimes.base import Instance, InstanceSpec, Runtime
from runtimes.probe import probe_argv

MEMINFO = Path("/proc/meminfo")


def mem_available_bytes(meminfo: Path = MEMINFO) -> int:
    """The kernel's estimate of memory available for new work without swapping (proc(5), MemAvailable)."""
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    raise OSError(f"{meminfo} has no MemAvailable line (Linux 3.14 or later has one)")


@dataclasses.dataclass(frozen=True)
class Budget:
    """Whether a step of N instances fits in the host's memory, and if not, the reason."""

    margin_bytes: int
    per_instance_bytes: float = 0.0   # the most one instance took in an earlier step

    def refusal(self, n: int, available_bytes: int) -> Message | None:
        need = self.per_instance_bytes * n
        if available_bytes - need >= self.margin_bytes:
            return None
        gib = 2**30
        return say("density.refused" if n > 1 else "density.refused-one", n=n, need_gib=need / gib,
                   margin_gib=self.margin_bytes / gib, available_gib=available_bytes / gib)

    def after(self, n: int, figures: dict[str, float]) -> Budget:
        seen = max(figures.get("density_mem_used_bytes", 0.0), figures.get("density_pss_bytes", 0.0)) / n
        return dataclasses.replace(self, per_instance_bytes=max(self.per_instance_bytes, seen))


def _hold(runtime: Runtime, spec: InstanceSpec, n: int, timeout_s: float) -> dict[str, float]:
    """Launch ``n`` instances, wait for all, measure, stop and clean up all; the step's figures."""
    before = mem_available_bytes()
    with contextlib.ExitStack() as stack:
        t0 = time.monotonic_ns()
        instances: list[Instance] = [stack.enter_context(runtime.start_separate(spec)) for _ in range(n)]
        deadline = t0 + int(timeout_s * 1e9)
        for inst in instances:  # they boot side by side: waiting in turn costs nothing
            inst.wait_ready(max(0.1, (deadline - time.monotonic_ns()) / 1e9))
        ready_s = (time.monotonic_ns() - t0) / 1e9
        used = before - mem_available_bytes()
        pss = pss_bytes(dict.fromkeys(pid for inst in instances for pid in inst.host_pids))
        t1 = time.monotonic_ns()
    # Leaving the stack stopped and closed every instance, in reverse order.
    cleanup_s = (time.monotonic_ns() - t1) / 1e9
    figures = {"density_ready_s": ready_s, "density_cleanup_s": cleanup_s,
               "density_mem_used_bytes": float(used), "density_mem_per_instance_bytes": used / n,
               "density_mem_drift_bytes": float(before - mem_available_bytes())}
    if pss is not None:
        figures["density_pss_bytes"] = pss
    return figures


def run_step(runtime: Runtime, scenario: Scenario, n: int, iteration: int, warmup: bool) -> RunRecord:
    """One step of ``n`` instances as a stored run; a failure is the run's error, never raised."""
    spec = InstanceSpec(image=runtime.image, argv=probe_argv(scenario.mode, scenario.args), limits=scenario.limits)
    record = dict(scenario=scenario.name, runtime=runtime.name, iteration=iteration, warmup=warmup,
                  started_at=utc_now(), instances=n)
    try:
        return RunRecord(ok=True, metrics=_hold(runtime, spec, n, scenario.timeout_s), **record)
    except InstanceError as err:
        failed = say("density.step-failed", n=n, reason=message_of(err))
        return RunRecord(ok=False, metrics={}, error=str(failed), error_message=failed,
                         **record)


def planned_steps(density: Density, runtimes: Sequence[Runtime], runs: dict[str, int], warmup: int) -> int:
    """How many runs ``run_density`` makes at most (for the progress bar)."""
    return sum(warmup + runs[r.name] * len(density.counts(r.name)) for r in runtimes)


def run_density(scenario: Scenario, runtimes: Sequence[Runtime], runs: dict[str, int], store: Store, session: str,
                progress: Progress) -> None:
    """Every runtime through its steps; each run stored as soon as it ends.

    Warm-up runs (one instance each) come first. Then, step by step, every
    runtime that still fits takes its turn, repetition by repetition, so
    host drift spreads over all runtimes alike (as in the runner).
    """
    density = scenario.density
    assert density is not None
    for i in range(scenario.warmup):
        for runtime in runtimes:
            store.record_run(session, run_step(runtime, scenario, 1, i, warmup=True))
            progress.advance()
    budgets = {r.name: Budget(density.margin_bytes) for r in runtimes}
    steps = sorted({n for r in runtimes for n in density.counts(r.name)})
    iteration = dict.fromkeys(budgets, 0)
    for n in steps:
        for rep in range(max(runs.values(), default=0)):
            for runtime in runtimes:
                name = runtime.name
                if name not in budgets or n not in density.counts(name) or rep >= runs[name]:
                    continue
                refusal = budgets[name].refusal(n, mem_available_bytes())
                run = (run_step(runtime, scenario, n, iteration[name], warmup=False) if refusal is None else
                       RunRecord(scenario.name, name, iteration[name], False, False, {}, str(refusal), utc_now(),
                                 refusal, instances=n))
                store.record_run(session, run)
                iteration[name] += 1
                progress.advance()
                if run.ok:
                    budgets[name] = budgets[name].after(n, run.metrics)
                else:
                    progress.note(f"{scenario.name} · {name}: {run.error}; no larger step for {name}")
                    del budgets[name]
