"""The runner: every scenario × runtime, warm-ups first, each run stored at once.

Phases, per scenario (names as in hyperfine):
    setup of every runtime (``__enter__``) → warm-up runs → measured runs,
    interleaved across runtimes → what a runtime measured in its setup, if
    anything, stored as a run of its own → cleanup (``__exit__``, always)
and per run: launch → wait for READY → observe → stop/wait → clean up.

The runner never branches on which runtime it drives; what differs lives in
the runtime's module. It never looks runtimes up either: its caller hands it
a ``Lineup`` (the CLI's is the registry, ``runtimes.RUNTIMES``; a test's may
be a fake runtime), so it runs, and is tested, without root. It never
prints: progress goes to a ``Progress`` object the caller supplies (the
CLI's is a rich progress bar).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Sequence

from bench import isolation
from bench.density import planned_steps, run_density
from bench.errors import BenchError, InstanceError, UsageError
from bench.messages import Message, message_of, say
from bench.metadata import collect_metadata
from bench.noise import NoiseWatch
from bench.observers import memory_snapshot, pss_bytes
from bench.progress import NoProgress, Progress
from bench.results import DAEMON_PREFIX, RunRecord, RuntimeInfo, ScenarioInfo, Skip
from bench.scenario import Scenario
from bench.store import Store, utc_now
from runtimes import BASELINE
from runtimes.base import Instance, InstanceSpec, Runtime
from runtimes.image import Image
from runtimes.probe import HOLDING_MODES, ProbeLine, parse_line, probe_argv

__all__ = ["Lineup", "NoProgress", "Progress", "RunOptions", "enter_services", "run_once", "run_suite", "set_up_runtimes"]


@dataclasses.dataclass(frozen=True)
class Lineup:
    """The runtimes a run may choose from, in the report's order, the baseline among them.

    Handed to the runner by its caller: the CLI's is every registered
    runtime (``Lineup.registered``); a unit test's holds a fake one.
    """

    runtimes: tuple[type[Runtime], ...]
    baseline: str = BASELINE

    @classmethod
    def registered(cls) -> Lineup:
        """Every runtime of the registry (``runtimes.RUNTIMES``), in its order."""
        from runtimes import RUNTIMES

        return cls(tuple(RUNTIMES))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.runtimes)

    def get(self, name: str) -> type[Runtime]:
        """The runtime class called ``name``; an unknown name is a usage error listing the valid ones."""
        for runtime in self.runtimes:
            if runtime.name == name:
                return runtime
        raise UsageError(f"unknown runtime {name!r}; choose from: {', '.join(self.names)}")


@dataclasses.dataclass(frozen=True)
class RunOptions:
    quick: bool = False
    repetitions: int | None = None    # overrides every scenario's count
    runtimes: tuple[str, ...] = ()    # restrict to these (the baseline always runs)
    command: str = "bench run"


def choose_runtimes(scenario: Scenario, options: RunOptions, lineup: Lineup) -> list[str]:
    """Which runtimes a scenario runs on, in the lineup's order, baseline first."""
    names = list(lineup.names)
    for restriction in (scenario.runtimes, options.runtimes):
        if restriction:
            for n in restriction:
                lineup.get(n)  # an unknown name is a usage error listing the valid ones
            names = [n for n in names if n in restriction or n == lineup.baseline]
    return names


# Result fields that are settings or bookkeeping, not measurements. maxrss is
# left out too: ru_maxrss survives execve(2) (see getrusage(2)), so it includes
# the memory of whatever process launched the probe.
_NOT_METRICS = frozenset({"iterations", "mib", "size_mib", "direct", "checksum", "maxrss_bytes"})


def _result_metrics(lines: Sequence[ProbeLine]) -> dict[str, float]:
    """The probe's own figures, named ``<mode>_<key>`` (e.g. ``io_seq_write_mib_s``)."""
    out: dict[str, float] = {}
    for line in lines:
        if line.event == "result":
            out.update({f"{line.mode}_{k}": v for k, v in line.numbers().items()
                        if k not in _NOT_METRICS})
    return out


def _probe_error(lines: Sequence[ProbeLine]) -> Message | None:
    for line in lines:
        if line.event == "error":
            return say("run.probe-error", mode=line.mode, what=line.fields.get("what", "?"),
                       errno=line.fields.get("errno", "?"))
    return None


def _observe(inst: Instance, ready: ProbeLine, mode: str, t0: int, timeout_s: float) -> dict[str, float]:
    """Everything measured on one live instance, from READY until it has exited."""
    if mode not in HOLDING_MODES:
        # Straight on to the exit: nothing of ours between READY and the exit
        # reading that need not be there, since the probe, exiting, usually
        # shares our CPU then (tests/perf/test_harness.py).
        status = inst.wait(timeout_s)
        exited = time.monotonic_ns()
        metrics = {"ready_s": (ready.at_ns - t0) / 1e9, "exit_s": (exited - t0) / 1e9}
        if status != 0:
            metrics["status"] = status
        return metrics
    # The probe holds still after READY: sample it, then stop it. Its exit
    # time would time our own sampling, so it is not recorded as exit_s.
    # The probe's own figure only when read from /proc (not the getrusage peak, see probe.c).
    metrics = {"ready_s": (ready.at_ns - t0) / 1e9}
    reported = ready.number("rss_bytes") if ready.fields.get("rss_source") in ("smaps_rollup", "statm") else None
    metrics.update(memory_snapshot(inst.host_pids, inst.cgroup, inst.workload_pid, reported,
                                   inst.guest_ram_pss_bytes()))
    inst.stop()
    inst.wait(timeout_s)
    return metrics


def run_once(runtime: Runtime, scenario: Scenario, iteration: int, warmup: bool) -> RunRecord:
    """Launch the workload once, observe it, clean up; never raises for a failed run."""
    spec = InstanceSpec(image=runtime.image, argv=probe_argv(scenario.mode, scenario.args), limits=scenario.limits,
                        inherited_fds=scenario.inherited_fds)
    started = utc_now()
    record = dict(scenario=scenario.name, runtime=runtime.name, iteration=iteration, warmup=warmup, started_at=started)
    t0 = time.monotonic_ns()
    try:
        with runtime.start(spec) as inst:
            ready = inst.wait_ready(scenario.timeout_s)
            metrics = _observe(inst, ready, scenario.mode, t0, scenario.timeout_s)
            metrics.update(inst.observations())
        metrics["cleanup_s"] = (time.monotonic_ns() - t0) / 1e9
        parsed = [p for ln in inst.lines if (p := parse_line(ln.text, ln.at_ns))]
        error = _probe_error(parsed)
        salvaged = isolation.killed_at_memory_limit(parsed, metrics.get("status")) if scenario.mode == "iso" else None
        if error is None and salvaged is not None:
            metrics.pop("status")  # the instance was killed by the limit it was testing: that is the verdict
            return RunRecord(ok=True, metrics={**metrics, **salvaged}, **record)
        if error is None and "status" in metrics:
            error = say("run.exited", status=float(metrics["status"]))
        if error:
            tail = inst.output_tail()
            if tail:
                error = say("run.failed-said", reason=error, said=tail)
            return RunRecord(ok=False, metrics={}, error=str(error), error_message=error, **record)
        metrics.update(_result_metrics(parsed))
    except InstanceError as err:
        return RunRecord(ok=False, metrics={}, error=str(err), error_message=err.message, **record)
    return RunRecord(ok=True, metrics=metrics, **record)


def daemon_figures(daemons: dict[str, int]) -> dict[str, float]:
    """``daemon_<name>_pss_bytes`` of each daemon (``Runtime.daemons``), measured while no instance runs."""
    figures = {}
    for name, pid in daemons.items():
        pss = pss_bytes([pid])
        if pss:
            figures[f"{DAEMON_PREFIX}{name}_pss_bytes"] = pss
    return figures


def _record_setup(runtime: Runtime, scenario: Scenario, store: Store, session: str) -> None:
    """Store what the runtime measured in its setup, if anything, as a run of its own."""
    figures = runtime.setup_observations()
    if scenario.chart == "memory":  # the scenario that asks what memory costs asks it of the daemons too, once
        figures = {**figures, **daemon_figures(type(runtime).daemons())}
    if figures:
        store.record_run(session, RunRecord(scenario=scenario.name, runtime=runtime.name, iteration=0, warmup=False,
                                            ok=True, metrics=figures, started_at=utc_now(), setup=True))


def set_up_runtimes(names: Sequence[str], lineup: Lineup, scenario: Scenario, image: Image, store: Store, session: str,
            progress: Progress, stack: contextlib.ExitStack) -> list[Runtime]:
    """Enter every runtime that can run; record a skip, with its reason, for the others."""
    runtimes = []
    for name in names:
        runtime_cls = lineup.get(name)
        availability = runtime_cls.available()
        reason, fix = availability.reason, availability.fix
        if availability.ok:
            try:
                runtime = stack.enter_context(runtime_cls(image))
                versions = runtime.versions()
                store.record_runtime(session, RuntimeInfo(
                    runtime.name, runtime.summary, runtime.launch, {k: str(v) for k, v in versions.items()},
                    {k: v for k, v in versions.items() if isinstance(v, Message)}))
                runtimes.append(runtime)
                continue
            except BenchError as err:
                failed = say("run.setup-failed", reason=message_of(err))
                store.record_skip(session, Skip(scenario.name, name, str(failed), "", failed))
                progress.note(f"{scenario.name}: {name} skipped: {failed}")
                continue
        store.record_skip(session, Skip(scenario.name, name, reason, fix, availability.reason_message,
                                        availability.fix_message))
        progress.note(f"{scenario.name}: {name} skipped: {reason}")
    return runtimes


def _rotation(runtimes: list[Runtime], round_index: int) -> list[Runtime]:
    """Round ``i`` starts with runtime ``i mod n``, so none always runs right after another."""
    k = round_index % len(runtimes)
    return runtimes[k:] + runtimes[:k]


def planned_repetitions(scenario: Scenario, names: Sequence[str], options: RunOptions,
                        lineup: Lineup) -> dict[str, int]:
    """Measured runs per runtime: the scenario's count, lowered to a runtime's own cap.

    A runtime whose every run takes seconds (a VM boot) caps its runs
    (``Runtime.max_repetitions``; ``max_quick_repetitions`` with --quick) so
    that the suite stays within minutes. An explicit ``--repetitions`` is
    taken as asked, for every runtime.
    """
    runs = {}
    for name in names:
        runtime = lineup.get(name)
        cap = runtime.max_quick_repetitions if options.quick else runtime.max_repetitions
        uncapped = cap is None or options.repetitions is not None
        runs[name] = scenario.repetitions if uncapped else min(cap, scenario.repetitions)
    return runs


def planned_warmups(scenario: Scenario, names: Sequence[str], options: RunOptions,
                    lineup: Lineup) -> dict[str, int]:
    """Warm-up runs per runtime: the scenario's, lowered with --quick to a runtime's ``max_quick_warmups``.

    A VM's every warm-up is a boot of seconds; a quick run is a check, not
    for conclusions, so there the VMs go straight to their measured runs.
    """
    warmups = {}
    for name in names:
        cap = lineup.get(name).max_quick_warmups if options.quick else None
        warmups[name] = scenario.warmup if cap is None else min(cap, scenario.warmup)
    return warmups


def _run_scenario(scenario: Scenario, names: Sequence[str], lineup: Lineup, runs: dict[str, int],
                  warmups: dict[str, int], image: Image, store: Store, session: str, progress: Progress) -> None:
    """Set up every runtime, run warm-ups, then the measured runs interleaved, then clean up.

    Interleaving (round i runs every runtime's i-th repetition) means slow
    drift of the host — clock frequency, heat, background load — is spread
    over all runtimes alike instead of biasing whichever ran last.
    """
    with contextlib.ExitStack() as stack:
        runtimes = set_up_runtimes(names, lineup, scenario, image, store, session, progress, stack)
        if not runtimes:
            return
        scenario = isolation.prepare(scenario, image, stack)  # host-side targets of the iso mode; others unchanged
        try:
            if scenario.density is not None:  # N instances at once, step by step
                progress.begin(scenario.name, planned_steps(scenario.density, runtimes, runs, scenario.warmup))
                run_density(scenario, runtimes, runs, store, session, progress)
            else:
                progress.begin(scenario.name, sum(warmups[r.name] + runs[r.name] for r in runtimes))
                _run_one_at_a_time(scenario, runtimes, runs, warmups, store, session, progress)
            _repeat_setups(scenario, runtimes, runs, store, session, progress)
        finally:
            # Setup figures are stored last, so that the order of the stored
            # runs, which reports follow for their columns, is the runtimes' own.
            for runtime in runtimes:
                _record_setup(runtime, scenario, store, session)


def _run_one_at_a_time(scenario: Scenario, runtimes: list[Runtime], runs: dict[str, int], warmups: dict[str, int],
                       store: Store, session: str, progress: Progress) -> None:
    for i in range(max(warmups[r.name] for r in runtimes)):
        for runtime in _rotation([r for r in runtimes if i < warmups[r.name]], i):
            store.record_run(session, run_once(runtime, scenario, i, warmup=True))
            progress.advance()
    for i in range(max(runs[r.name] for r in runtimes)):
        for runtime in _rotation([r for r in runtimes if i < runs[r.name]], i):
            run = run_once(runtime, scenario, i, warmup=False)
            store.record_run(session, run)
            if not run.ok:
                progress.note(f"{scenario.name} · {runtime.name} run {i + 1} failed: {run.error}")
            progress.advance()


def _repeat_setups(scenario: Scenario, runtimes: list[Runtime], runs: dict[str, int], store: Store, session: str,
                   progress: Progress) -> None:
    """The scenario's ``setup_repetitions`` more samples of each runtime's setup figures (``Runtime.repeat_setup``).

    Stored as measured runs numbered on from the runtime's launches, so the
    figures get a median and spread like any other; a runtime with nothing
    to time in its setup stores nothing.
    """
    for i in range(scenario.setup_repetitions):
        for runtime in runtimes:
            iteration = runs.get(runtime.name, 0) + i
            try:
                figures = runtime.repeat_setup()
            except BenchError as err:
                store.record_run(session, RunRecord(scenario.name, runtime.name, iteration, False, False, {},
                                                    f"setup again: {err}", utc_now()))
                progress.note(f"{scenario.name} · {runtime.name}: setting up again failed: {err}")
                continue
            if figures:
                store.record_run(session, RunRecord(scenario.name, runtime.name, iteration, False, True, figures,
                                                    started_at=utc_now()))


def scenario_info(s: Scenario, runs: dict[str, int] | None = None) -> ScenarioInfo:
    capped = {name: n for name, n in (runs or {}).items() if n < s.repetitions}
    return ScenarioInfo(name=s.name, description=s.description, note=s.note, mode=s.mode, args=s.args,
                        metrics=s.metrics, warmup=s.warmup, repetitions=s.repetitions, order=s.order, capped=capped,
                        chart=s.chart, description_es=s.description_es, note_es=s.note_es)


def run_suite(scenarios: Sequence[Scenario], store: Store, image: Image, options: RunOptions,
              progress: Progress | None = None, *, lineup: Lineup) -> str:
    """Run every scenario on its runtimes (those of ``lineup``, handed in by the caller); the session id.

    Each run is committed to ``store`` as soon as it ends, so an interruption
    (Ctrl-C, kill -9, a crash) keeps every finished run. The session's status
    says how it ended.
    """
    progress = progress or NoProgress()
    if options.quick:
        scenarios = [s.quick() for s in scenarios]
    if options.repetitions is not None:
        scenarios = [dataclasses.replace(s, repetitions=options.repetitions) for s in scenarios]
    plans = [(s, choose_runtimes(s, options, lineup)) for s in scenarios]  # bad names fail before anything runs
    plans = [(s, names, planned_repetitions(s, names, options, lineup), planned_warmups(s, names, options, lineup))
             for s, names in plans]
    with contextlib.ExitStack() as services:  # left last, however the run ends
        service_facts = enter_services(services, [lineup.get(n) for _, names, _, _ in plans for n in names], progress)
        noise = NoiseWatch()
        metadata = {**collect_metadata(), "image_digest": image.digest, **service_facts, **noise.start()}
        session = store.begin_session(options.command, options.quick, metadata)
        status = "failed"
        try:
            for scenario, names, runs, warmups in plans:
                store.record_scenario(session, scenario_info(scenario, runs))
                _run_scenario(scenario, names, lineup, runs, warmups, image, store, session, progress)
            status = "finished"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            store.finish_session(session, status, noise.finish())
    return session


def enter_services(stack: contextlib.ExitStack, chosen: Sequence[type[Runtime]], progress: Progress) -> dict[str, str]:
    """Enter, once per run, the daemon each chosen runtime needs (``Runtime.service``); their facts as metadata.

    A service that cannot start says why in its facts; the runtime's
    ``available`` then gives that reason and the run skips it, as any other.
    """
    metadata: dict[str, str] = {}
    for runtime_cls in dict.fromkeys(chosen):
        name, service = runtime_cls.name, runtime_cls.service()
        if isinstance(service, contextlib.nullcontext):
            continue
        progress.note(f"{name}: starting its daemon")
        facts = stack.enter_context(service)
        # Not asdict: it would turn a Message field (why the engine did not start) into a dict. A message is kept
        # as its JSON (bench.metadata.stored_message reads it back), so the report writes it in its language.
        fields = {f.name: getattr(facts, f.name) for f in dataclasses.fields(facts)} \
            if dataclasses.is_dataclass(facts) else dict(facts)  # type: ignore[arg-type]
        for key, value in fields.items():
            text = " ".join(value) if isinstance(value, (tuple, list)) else \
                value.to_json() if isinstance(value, Message) else str(value)
            if text:
                metadata[f"service.{name}.{key}"] = text
    return metadata
