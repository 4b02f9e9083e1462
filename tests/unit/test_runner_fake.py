"""The runner driven by fake runtimes: no root, no kernel features, every path of it in milliseconds.

A fake runtime is a real ``Runtime`` subclass whose instances live in this
process (``FakeInstance``): they print the probe's ready line when asked and
exit 0, or fail, or raise Ctrl-C, as a test scripts them. The runner, the
store (a real SQLite file) and the scheduling are the real ones; what is
faked is only what needs root to exist.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bench.errors import InstanceError
from bench.results import SETUP
from bench.runner import Lineup, RunOptions, run_suite
from bench.scenario import Scenario, parse_scenario
from bench.store import Store
from runtimes.base import Availability, Instance, InstanceSpec, Runtime, TimedLine
from runtimes.image import Image
from runtimes.probe import ProbeLine, parse_line


class FakeInstance(Instance):
    """One in-process "launch": ready at once, exits 0; or fails / raises as its runtime is scripted to."""

    def __init__(self, runtime: FakeRuntime, number: int) -> None:
        super().__init__()
        self.runtime, self.number = runtime, number
        self._lines: list[TimedLine] = []
        self.stopped = False

    @property
    def host_pids(self) -> tuple[int, ...]:
        return ()

    @property
    def lines(self) -> list[TimedLine]:
        return self._lines

    def wait_ready(self, timeout_s: float) -> ProbeLine:
        if self.number in self.runtime.fail_at:
            raise InstanceError(f"{self.runtime.name}: no ready line within {timeout_s:g} s")
        at = time.monotonic_ns()
        self._lines.append(TimedLine("BENCH event=ready mode=ready pid=1", at))
        line = parse_line(self._lines[-1].text, at)
        assert line is not None
        return line

    def wait(self, timeout_s: float) -> int:
        return 0

    def stop(self) -> None:
        self.stopped = True


class FakeRuntime(Runtime):
    """Scripted by class attributes (``fake`` makes a subclass per test); every launch goes into ``log``."""

    summary = "a fake, in-process runtime for the runner's tests"
    launch = "no launch at all: an object in the test's process"
    log: ClassVar[list[tuple[str, int]]]          # (runtime, launch number), shared by one test's fakes
    events: ClassVar[list[str]]
    availability: ClassVar[Availability] = Availability.yes()
    setup_error: ClassVar[str] = ""
    fail_at: ClassVar[frozenset[int]] = frozenset()  # launch numbers (0-based, warm-ups included) that fail
    interrupt_at: ClassVar[int | None] = None        # the launch number at which Ctrl-C lands
    figures: ClassVar[dict[str, float]] = {}         # setup_observations

    @classmethod
    def available(cls) -> Availability:
        return cls.availability

    def setup(self) -> None:
        if self.setup_error:
            raise InstanceError(self.setup_error)
        self.events.append(f"{self.name} set up")
        self._cleanup.callback(self.events.append, f"{self.name} cleaned up")

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        number = sum(1 for name, _ in self.log if name == self.name)
        self.log.append((self.name, number))
        if number == self.interrupt_at:
            raise KeyboardInterrupt
        return FakeInstance(self, number)

    def setup_observations(self) -> dict[str, float]:
        return dict(self.figures)


def fake(name: str, log: list, events: list, **script: Any) -> type[FakeRuntime]:
    return type(f"Fake_{name}", (FakeRuntime,), {"name": name, "log": log, "events": events, **script})


@pytest.fixture
def image(tmp_path: Path) -> Image:
    return Image(rootfs=tmp_path / "rootfs", key="k", digest="d" * 64, inputs={})  # fakes read nothing from it


def _scenario(tmp_path: Path, warmup: int = 1, repetitions: int = 3) -> Scenario:
    text = (f'name = "startup"\ndescription = "test"\n[workload]\nmode = "ready"\n[run]\nwarmup = {warmup}\n'
            f'repetitions = {repetitions}\n[report]\nmetrics = ["ready_s"]\n')
    return parse_scenario(text, tmp_path / "startup.toml")


def _run(tmp_path: Path, image: Image, lineup: Lineup, scenario: Scenario | None = None, **options: Any):
    with Store(tmp_path / "s.sqlite") as store:
        sid = run_suite([scenario or _scenario(tmp_path)], store, image, RunOptions(**options), lineup=lineup)
        return store.load(sid)


def test_runs_interleave_after_the_warm_ups_each_round_starting_elsewhere(tmp_path, image):
    log, events = [], []
    lineup = Lineup(tuple(fake(n, log, events) for n in ("native", "a", "b")))
    data = _run(tmp_path, image, lineup)
    assert [name for name, _ in log] == ["native", "a", "b",                                # warm-ups
                                         "native", "a", "b", "a", "b", "native", "b", "native", "a"]
    kinds = list(zip(data.runs["runtime"], data.runs["kind"], data.runs["iteration"]))
    assert kinds[:3] == [("native", "warmup", 0), ("a", "warmup", 0), ("b", "warmup", 0)]
    assert {k for _, k, _ in kinds[3:]} == {"measured"}
    assert data.info.status == "finished" and data.runs["ok"].all()
    assert sorted(data.samples[data.samples["runtime"] == "a"]["metric"].unique()) == ["cleanup_s", "exit_s", "ready_s"]
    assert events == ["native set up", "a set up", "b set up", "b cleaned up", "a cleaned up", "native cleaned up"]


def test_a_runtime_s_cap_lowers_its_measured_runs_and_the_scenario_says_so(tmp_path, image):
    log, events = [], []
    lineup = Lineup((fake("native", log, events), fake("vm", log, events, max_repetitions=1)))
    data = _run(tmp_path, image, lineup)
    measured = data.runs[data.runs["kind"] == "measured"]
    assert measured.groupby("runtime").size().to_dict() == {"native": 3, "vm": 1}
    assert data.scenarios[0].capped == {"vm": 1}
    # an explicit -n is taken as asked, for every runtime
    data = _run(tmp_path, image, lineup, repetitions=2)
    assert data.runs[data.runs["kind"] == "measured"].groupby("runtime").size().to_dict() == {"native": 2, "vm": 2}


def test_a_runtime_that_cannot_run_or_set_up_is_skipped_with_its_reason(tmp_path, image):
    log, events = [], []
    missing = Availability.no("the tool is not installed", "apt-get install tool")
    lineup = Lineup((fake("native", log, events), fake("absent", log, events, availability=missing),
                     fake("broken", log, events, setup_error="cannot copy the image")))
    data = _run(tmp_path, image, lineup)
    skips = {s.runtime: (s.reason, s.fix) for s in data.skips}
    assert skips["absent"] == ("the tool is not installed", "apt-get install tool")
    assert skips["broken"][0].startswith("setup failed") and "cannot copy the image" in skips["broken"][0]
    assert set(data.runs["runtime"]) == {"native"}
    assert "broken cleaned up" not in events  # its setup failed before it had anything to undo


def test_a_failed_run_is_stored_as_failed_and_the_others_go_on(tmp_path, image):
    log, events = [], []
    lineup = Lineup((fake("native", log, events), fake("flaky", log, events, fail_at=frozenset({2}))))
    data = _run(tmp_path, image, lineup)
    flaky = data.runs[data.runs["runtime"] == "flaky"]
    assert list(flaky["ok"]) == [1, 1, 0, 1]  # launch 2 is the second measured run
    assert "no ready line within" in flaky["error"].iloc[2]
    assert len(data.samples[(data.samples["runtime"] == "flaky") & (data.samples["metric"] == "ready_s")]) == 2


def test_setup_figures_are_a_setup_run_stored_after_the_launches(tmp_path, image):
    log, events = [], []
    lineup = Lineup((fake("native", log, events), fake("ct", log, events, figures={"vz_ct_start_s": 0.25})))
    data = _run(tmp_path, image, lineup)
    ct = data.runs[data.runs["runtime"] == "ct"]
    assert list(ct["kind"]) == ["warmup", "measured", "measured", "measured", SETUP]
    setup = data.samples[data.samples["kind"] == SETUP]
    assert list(zip(setup["runtime"], setup["metric"], setup["value"])) == [("ct", "vz_ct_start_s", 0.25)]


def test_ctrl_c_mid_run_keeps_what_was_measured_and_marks_the_session_interrupted(tmp_path, image):
    log, events = [], []
    lineup = Lineup((fake("native", log, events), fake("a", log, events, interrupt_at=2)))
    with Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(KeyboardInterrupt):
            run_suite([_scenario(tmp_path)], store, image, RunOptions(), lineup=lineup)
        data = store.load()
    assert data.info.status == "interrupted" and data.info.finished_at
    # every run before Ctrl-C is kept; round 1 starts with a, whose launch was interrupted
    assert list(zip(data.runs["runtime"], data.runs["kind"])) == [
        ("native", "warmup"), ("a", "warmup"), ("native", "measured"), ("a", "measured")]
    assert events[-2:] == ["a cleaned up", "native cleaned up"]  # every runtime cleaned up on the way out


def test_an_unknown_runtime_is_a_usage_error_naming_the_lineup(tmp_path, image):
    log, events = [], []
    lineup = Lineup((fake("native", log, events), fake("a", log, events)))
    with pytest.raises(Exception, match=r"unknown runtime 'zz'; choose from: native, a"):
        _run(tmp_path, image, lineup, runtimes=("zz",))
    assert log == []  # bad names fail before anything runs


def test_starting_a_runtime_outside_with_is_refused_by_the_one_guard(image):
    runtime = fake("a", [], [])(image)
    with pytest.raises(RuntimeError, match=r"use the a runtime inside `with`"):
        runtime.start(InstanceSpec(image=image, argv=("/usr/bin/probe", "ready")))
    with runtime:
        runtime.start(InstanceSpec(image=image, argv=("/usr/bin/probe", "ready"))).close()
    with pytest.raises(RuntimeError, match="inside `with`"):
        runtime.start(InstanceSpec(image=image, argv=("/usr/bin/probe", "ready")))  # after cleanup, too
