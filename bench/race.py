"""`bench race`: two or more runtimes side by side, live, each starting the workload again and again.

What a race is (the semantics `bench race` documents):

- Each runtime is a *lane*. All lanes are set up first (as the runner does:
  a runtime that cannot run here is a skipped lane, with its reason), then
  they start together and run in parallel, one thread per lane, each lane
  sequential: launch the scenario's workload (``startup``: the probe says
  READY and exits), wait for it to exit and be cleaned up, launch again.
- A lane launches only while the race's time (``duration_s``) has not run
  out; a launch under way when it runs out is let finish, and counts. So a
  VM that boots in 5 s shows 4 boots in a 20 s race, and a container lane
  some hundreds.
- Every launch is measured by the runner's own ``run_once``, so its
  ``ready_s`` (launch → READY) and ``exit_s`` (launch → exited) mean what
  they mean in `bench run`; each is stored as a run of the scenario (the
  first ``warmup`` launches of a lane as warm-ups, the rest measured) in a
  session like any other, which `bench report` opens afterwards.
- Ctrl-C (SIGINT) does not interrupt a launch: it stops every lane from
  launching again, lets the launches under way finish (the runtimes start
  their instances in sessions of their own, so the terminal's SIGINT does
  not reach them; a VM boot under way runs to its end), cleans up and stores
  the session as ``interrupted``, with every launch that completed. A second
  Ctrl-C while that happens is ignored, so the clean-up is never cut short.

The loop never prints: what it shows goes to a ``Board`` its caller hands in
(the CLI's draws big counters with rich, ``bench.raceboard``), called from the
calling thread only, a few times a second.
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import signal
import statistics
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Protocol

from bench.errors import UsageError
from bench.metadata import collect_metadata
from bench.noise import NoiseWatch
from bench.results import RunRecord, ScenarioInfo
from bench.runner import Lineup, enter_services, set_up_runtimes, run_once, scenario_info
from bench.scenario import Scenario
from bench.store import Store
from runtimes.base import Runtime
from runtimes.image import Image

__all__ = ["Board", "LaneView", "NoBoard", "RaceOptions", "RaceResult", "RaceView", "run_race"]

REFRESH_S = 0.1  # how often the board is redrawn and finished runs are stored


@dataclasses.dataclass(frozen=True)
class RaceOptions:
    runtimes: tuple[str, ...]       # the lanes, in the order shown; two or more, no repeats
    duration_s: float = 20.0        # launches begin only within this time
    warmup: int = 0                 # a lane's first launches stored as warm-ups (drawn and counted all the same)
    command: str = "bench race"


@dataclasses.dataclass(frozen=True)
class LaneView:
    """One lane as the board draws it: a snapshot, taken under the race's lock."""

    name: str
    state: str                      # "setting up" | "running" | "done" | "skipped"
    starts: int = 0                 # launches that completed and were measured (warm-ups included)
    failed: int = 0                 # launches that failed (the probe's error, a timeout…)
    clock_s: float = 0.0            # the lane's time so far: from the start of the race until it stopped
    current_s: float | None = None  # how long the launch under way has taken so far; None between launches
    last_ready_s: float | None = None
    median_ready_s: float | None = None
    median_exit_s: float | None = None
    note: str = ""                  # why it was skipped, or its last failure

    def summary(self) -> str:
        """One line for the end of a race: the count, the time, the medians."""
        if self.state == "skipped":
            return f"{self.name}: skipped: {self.note}"
        parts = [f"{self.name}: {self.starts} start{'s' if self.starts != 1 else ''} in {self.clock_s:.1f} s"]
        if self.median_ready_s is not None:
            parts.append(f"ready median {format_seconds(self.median_ready_s)}")
        if self.median_exit_s is not None:
            parts.append(f"exited median {format_seconds(self.median_exit_s)}")
        if self.failed:
            parts.append(f"{self.failed} failed")
        return ", ".join(parts)


@dataclasses.dataclass(frozen=True)
class RaceView:
    """The whole race at one moment."""

    lanes: tuple[LaneView, ...]
    elapsed_s: float
    duration_s: float
    stopping: bool = False          # Ctrl-C was pressed, or the time is up: lanes finish what is under way
    interrupted: bool = False


@dataclasses.dataclass(frozen=True)
class RaceResult:
    session: str
    status: str                     # finished | interrupted | failed (as the store's sessions)
    view: RaceView

    @property
    def interrupted(self) -> bool:
        return self.status == "interrupted"

    def summary_lines(self) -> list[str]:
        return [lane.summary() for lane in self.view.lanes]


class Board(Protocol):
    def show(self, view: RaceView) -> None: ...
    def note(self, text: str) -> None: ...


class NoBoard:
    """For library callers and tests that draw nothing."""

    def show(self, view: RaceView) -> None: ...
    def note(self, text: str) -> None: ...


def format_seconds(s: float) -> str:
    """A duration as a person reads it: 840 µs, 9.1 ms, 2.04 s."""
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s" if s < 100 else f"{s:.0f} s"


@dataclasses.dataclass
class _Lane:
    """A lane's live state; written by its thread and read by the board, both under ``_Race.lock``."""

    name: str
    state: str = "setting up"
    starts: int = 0
    failed: int = 0
    ready_s: list[float] = dataclasses.field(default_factory=list)
    exit_s: list[float] = dataclasses.field(default_factory=list)
    launched_at: float | None = None
    stopped_at: float | None = None
    note: str = ""

    def view(self, began: float | None, now: float) -> LaneView:
        clock = 0.0 if began is None else (self.stopped_at or now) - began
        return LaneView(self.name, self.state, self.starts, self.failed, clock,
                        None if self.launched_at is None else now - self.launched_at,
                        self.ready_s[-1] if self.ready_s else None,
                        statistics.median(self.ready_s) if self.ready_s else None,
                        statistics.median(self.exit_s) if self.exit_s else None, self.note)


class _Race:
    """The lanes, their threads and the queue of finished runs the calling thread stores."""

    def __init__(self, names: Sequence[str], scenario: Scenario, options: RaceOptions) -> None:
        self.scenario, self.options = scenario, options
        self.lanes = {name: _Lane(name) for name in names}
        self.lock = threading.Lock()
        self.stop = threading.Event()       # no lane launches again once set
        self.interrupted = False
        self.finished: queue.Queue[RunRecord] = queue.Queue()
        self.began: float | None = None
        self.threads: list[threading.Thread] = []

    def view(self) -> RaceView:
        now = time.monotonic()
        with self.lock:
            lanes = tuple(lane.view(self.began, now) for lane in self.lanes.values())
        elapsed = 0.0 if self.began is None else now - self.began
        return RaceView(lanes, elapsed, self.options.duration_s, self.stop.is_set() or self._time_up(now),
                        self.interrupted)

    def _time_up(self, now: float) -> bool:
        return self.began is not None and now - self.began >= self.options.duration_s

    def go(self, runtimes: Sequence[Runtime]) -> None:
        """Start every lane at the same moment."""
        self.began = time.monotonic()
        for runtime in runtimes:
            with self.lock:
                self.lanes[runtime.name].state = "running"
            thread = threading.Thread(target=self._lane, args=(runtime,), name=f"race-{runtime.name}")
            self.threads.append(thread)
            thread.start()

    def _lane(self, runtime: Runtime) -> None:
        lane = self.lanes[runtime.name]
        launches = 0
        try:
            while not self.stop.is_set() and not self._time_up(time.monotonic()):
                with self.lock:
                    lane.launched_at = time.monotonic()
                warmup = launches < self.options.warmup
                run = run_once(runtime, self.scenario, launches if warmup else launches - self.options.warmup, warmup)
                launches += 1
                with self.lock:
                    lane.launched_at = None
                    if run.ok:
                        lane.starts += 1
                        if "ready_s" in run.metrics:
                            lane.ready_s.append(run.metrics["ready_s"])
                        if "exit_s" in run.metrics:
                            lane.exit_s.append(run.metrics["exit_s"])
                    else:
                        lane.failed += 1
                        lane.note = run.error
                self.finished.put(run)
        except Exception as err:  # noqa: BLE001 — a lane that breaks ends alone; the others race on
            with self.lock:
                lane.note = f"stopped: {err}"
        finally:
            with self.lock:
                lane.launched_at = None
                lane.state = "done"
                lane.stopped_at = time.monotonic()

    def running(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def join(self) -> None:
        for thread in self.threads:
            thread.join()


class _BoardProgress:
    """The runner's ``Progress`` during the lanes' set-up: its notes go to the board, and are kept."""

    def __init__(self, board: Board) -> None:
        self.board, self.notes = board, list[str]()

    def begin(self, label: str, total: int) -> None: ...
    def advance(self) -> None: ...

    def note(self, text: str) -> None:
        self.notes.append(text)
        self.board.note(text)

    def skip_reason(self, name: str) -> str:
        """Why ``set_up_runtimes`` skipped runtime ``name``, as it said it (``<scenario>: <name> skipped: <reason>``)."""
        for text in reversed(self.notes):
            _, found, reason = text.partition(f" {name} skipped: ")
            if found:
                return reason
        return "not available here"


@contextlib.contextmanager
def _sigint_stops(race: _Race) -> Iterator[None]:
    """While inside, Ctrl-C (SIGINT) stops the race instead of raising KeyboardInterrupt anywhere.

    A KeyboardInterrupt could land in the middle of storing a run or of a
    runtime's clean-up; a flag cannot. Only the main thread may set a signal
    handler: called from another, Ctrl-C keeps its usual meaning there.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        race.interrupted = True
        race.stop.set()

    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def check_options(options: RaceOptions, lineup: Lineup) -> None:
    """Bad lanes or times are usage errors, before anything starts."""
    for name in options.runtimes:
        lineup.get(name)  # an unknown name is a usage error listing the valid ones
    if len(options.runtimes) < 2:
        raise UsageError("a race needs two runtimes or more: pass -r twice or more, e.g. -r box -r libvirt")
    repeated = sorted({n for n in options.runtimes if options.runtimes.count(n) > 1})
    if repeated:
        raise UsageError(f"runtime {repeated[0]!r} given twice: each runtime races in one lane")
    if not options.duration_s > 0:
        raise UsageError(f"the race must last some time, not {options.duration_s:g} s: pass e.g. --for 20s")
    if options.warmup < 0:
        raise UsageError("--warmup must be 0 or more")


def run_race(scenario: Scenario, store: Store, image: Image, options: RaceOptions, board: Board | None = None,
             *, lineup: Lineup) -> RaceResult:
    """Race ``options.runtimes`` (from ``lineup``) on ``scenario``; every completed launch is stored.

    Returns when every lane has stopped and been cleaned up: when the time is
    up (status ``finished``) or after Ctrl-C (``interrupted``). A Ctrl-C
    while the runtimes are being set up, before the race begins, raises
    KeyboardInterrupt as in `bench run`, once the session is marked.
    """
    board = board or NoBoard()
    check_options(options, lineup)
    race = _Race(options.runtimes, scenario, options)
    status = "failed"
    with contextlib.ExitStack() as services:  # left last, however the race ends
        service_facts = enter_services(services, [lineup.get(n) for n in options.runtimes], _BoardProgress(board))
        noise = NoiseWatch()
        metadata = {**collect_metadata(), "image_digest": image.digest, **service_facts, **noise.start(),
                    "race.runtimes": " ".join(options.runtimes), "race.duration_s": f"{options.duration_s:g}",
                    "race.warmup": str(options.warmup)}
        session = store.begin_session(options.command, False, metadata)
        try:
            store.record_scenario(session, scenario_info(scenario))
            board.show(race.view())  # the lanes, "setting up", while the runtimes get ready
            with contextlib.ExitStack() as stack:
                setting_up = _BoardProgress(board)
                runtimes = set_up_runtimes(options.runtimes, lineup, scenario, image, store, session, setting_up, stack)
                ready = {r.name for r in runtimes}
                with race.lock:
                    for name, lane in race.lanes.items():
                        if name not in ready:
                            lane.state, lane.note = "skipped", setting_up.skip_reason(name)
                # From here on Ctrl-C only stops the race; the handler stays until every runtime is cleaned up.
                stack.enter_context(_sigint_stops(race))
                race.go(runtimes)
                try:
                    while race.running():
                        # Each run is a commit of its own; storing is bounded so that the board keeps moving
                        # when fast lanes finish runs quicker than they are committed. The rest waits its turn.
                        if not _store_finished(race, store, session, until=time.monotonic() + REFRESH_S):
                            time.sleep(REFRESH_S)
                        view = race.view()
                        board.show(view)
                        if view.stopping:
                            race.stop.set()
                finally:
                    race.stop.set()
                    race.join()  # no lane is left launching, whatever ended the loop
                    _store_finished(race, store, session)
                board.show(race.view())
                status = "interrupted" if race.interrupted else "finished"
            store.record_scenario(session, _race_info(scenario, race, options))
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            store.finish_session(session, status, noise.finish())
    return RaceResult(session, status, race.view())


def _store_finished(race: _Race, store: Store, session: str, until: float = float("inf")) -> int:
    """Store the runs the lanes finished, until the queue is empty or the time ``until``; how many."""
    stored = 0
    while time.monotonic() < until:
        try:
            run = race.finished.get_nowait()
        except queue.Empty:
            break
        store.record_run(session, run)
        stored += 1
    return stored


def _race_info(scenario: Scenario, race: _Race, options: RaceOptions) -> ScenarioInfo:
    """The scenario as the race ran it: the most measured runs any lane made, after its warm-ups.

    Lanes make as many runs as they can in the time, so fewer runs in one
    lane is the race's result, not a cap: none is marked capped.
    """
    measured = [max(0, lane.starts + lane.failed - options.warmup) for lane in race.lanes.values()]
    return scenario_info(dataclasses.replace(scenario, repetitions=max(measured, default=0),
                                             warmup=options.warmup))
