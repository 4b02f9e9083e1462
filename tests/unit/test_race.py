"""`bench race`'s loop (bench/race.py) driven by fake runtimes, and its board (bench/raceboard.py) at terminal sizes.

The fakes are the runner's (tests/unit/test_runner_fake.py): real Runtime
subclasses living in this process. The store is a real SQLite file, the
lanes real threads, and Ctrl-C a real SIGINT sent to this process.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from rich.console import Console

from bench.errors import UsageError
from bench.race import LaneView, RaceOptions, RaceView, check_options, run_race
from bench.raceboard import LARGE, SMALL, big_digits, render
from bench.runner import Lineup
from bench.store import Store
from runtimes.base import Availability, Instance, InstanceSpec
from tests.unit.test_runner_fake import FakeRuntime, _scenario, fake, image  # noqa: F401  (image: a fixture)


class _Slow(FakeRuntime):
    """A fake whose every launch takes ``pause_s``, as a real one takes time; Ctrl-C at launch ``sigint_at``."""

    pause_s = 0.01
    sigint_at: int | None = None

    def start(self, spec: InstanceSpec) -> Instance:
        time.sleep(self.pause_s)
        if sum(1 for name, _ in self.log if name == self.name) == self.sigint_at:
            os.kill(os.getpid(), signal.SIGINT)  # what the terminal sends on Ctrl-C
        return super().start(spec)


def slow(name: str, log: list, events: list, **script) -> type[FakeRuntime]:
    return type(f"Slow_{name}", (_Slow,), {"name": name, "log": log, "events": events, **script})


class _Recorder:
    def __init__(self) -> None:
        self.views: list[RaceView] = []
        self.notes: list[str] = []

    def show(self, view: RaceView) -> None:
        self.views.append(view)

    def note(self, text: str) -> None:
        self.notes.append(text)


def _race(tmp_path: Path, image, lineup: Lineup, names: tuple[str, ...], **options):
    board = _Recorder()
    with Store(tmp_path / "s.sqlite") as store:
        result = run_race(_scenario(tmp_path, warmup=0), store, image,
                          RaceOptions(runtimes=names, **{"duration_s": 0.5, **options}), board, lineup=lineup)
        return result, store.load(result.session), board


def test_lanes_race_in_parallel_and_every_start_is_a_stored_run(tmp_path, image):
    log, events = [], []
    lineup = Lineup((slow("native", log, events), slow("fast", log, events, pause_s=0.005),
                     slow("vm", log, events, pause_s=0.2)))
    result, data, board = _race(tmp_path, image, lineup, ("fast", "vm"))
    assert result.status == "finished" and data.info.status == "finished"
    lanes = {lane.name: lane for lane in result.view.lanes}
    assert lanes["fast"].starts > 10 * lanes["vm"].starts > 0
    # launches only begin within the time: the vm's third began at 0.4 s, the one under way at 0.5 s counts
    assert lanes["vm"].starts == 3
    assert 0.5 <= lanes["vm"].clock_s < 0.9
    runs = data.runs
    assert set(runs["kind"]) == {"measured"} and runs["ok"].all()
    assert runs.groupby("runtime").size().to_dict() == {"fast": lanes["fast"].starts, "vm": 3}
    assert list(runs[runs["runtime"] == "vm"]["iteration"]) == [0, 1, 2]
    assert {"ready_s", "exit_s"} <= set(data.samples["metric"])
    (scenario,) = data.scenarios
    assert scenario.name == "startup" and scenario.repetitions == lanes["fast"].starts and scenario.capped == {}
    assert data.info.metadata["race.runtimes"] == "fast vm" and data.info.metadata["race.duration_s"] == "0.5"
    assert "native" not in set(runs["runtime"])  # a race runs its lanes only, no baseline added
    # the board saw the race go by, and the end
    assert board.views[0].lanes[0].state == "setting up"
    assert any(v.lanes[1].current_s is not None for v in board.views)  # the vm seen mid-start
    assert {lane.state for lane in board.views[-1].lanes} == {"done"}
    assert result.summary_lines()[1].startswith("vm: 3 starts in ")
    assert events[-2:] == ["vm cleaned up", "fast cleaned up"]


def test_warm_ups_are_a_lane_s_first_starts(tmp_path, image):
    log, events = [], []
    lineup = Lineup((slow("a", log, events, pause_s=0.05), slow("b", log, events, pause_s=0.05)))
    result, data, _ = _race(tmp_path, image, lineup, ("a", "b"), warmup=2)
    a = data.runs[data.runs["runtime"] == "a"]
    assert list(a["kind"][:2]) == ["warmup", "warmup"] and set(a["kind"][2:]) == {"measured"}
    assert list(a["iteration"][:3]) == [0, 1, 0]
    assert data.scenarios[0].warmup == 2


def test_ctrl_c_stops_every_lane_keeps_what_was_measured_and_cleans_up(tmp_path, image):
    log, events = [], []
    lineup = Lineup((slow("a", log, events, pause_s=0.02, sigint_at=5), slow("b", log, events, pause_s=0.02)))
    handler = signal.getsignal(signal.SIGINT)
    began = time.monotonic()
    result, data, board = _race(tmp_path, image, lineup, ("a", "b"), duration_s=30)
    assert time.monotonic() - began < 5  # not the 30 s asked for
    assert result.status == "interrupted" and data.info.status == "interrupted" and data.info.finished_at
    assert board.views[-1].interrupted
    # the launch under way when Ctrl-C landed was let finish, and stored: nothing was cut in the middle. Python
    # runs the handler in the main thread, up to one refresh (0.1 s) later: by then a lane may have begun one more.
    assert 6 <= len(data.runs[data.runs["runtime"] == "a"]) <= 7 and data.runs["ok"].all()
    assert sorted(events[-2:]) == ["a cleaned up", "b cleaned up"]
    assert signal.getsignal(signal.SIGINT) is handler  # Ctrl-C means KeyboardInterrupt again afterwards


def test_a_lane_that_cannot_run_is_skipped_with_its_reason_and_the_others_race(tmp_path, image):
    log, events = [], []
    missing = Availability.no("libvirtd is not running", "sudo scripts/provision")
    lineup = Lineup((slow("a", log, events), slow("vm", log, events, availability=missing)))
    result, data, board = _race(tmp_path, image, lineup, ("a", "vm"), duration_s=0.2)
    vm = result.view.lanes[1]
    assert vm.state == "skipped" and vm.note == "libvirtd is not running" and vm.starts == 0
    assert result.summary_lines()[1] == "vm: skipped: libvirtd is not running"
    assert [s.runtime for s in data.skips] == ["vm"] and set(data.runs["runtime"]) == {"a"}
    assert any("vm skipped" in n for n in board.notes)


@pytest.mark.parametrize("names, duration, message", [
    (("a",), 1, "two runtimes or more"),
    (("a", "a"), 1, "'a' given twice"),
    (("a", "zz"), 1, "unknown runtime 'zz'; choose from: a, b"),
    (("a", "b"), 0, "must last some time"),
])
def test_bad_lanes_or_times_are_usage_errors(names, duration, message):
    lineup = Lineup((fake("a", [], []), fake("b", [], [])))
    with pytest.raises(UsageError, match=message):
        check_options(RaceOptions(runtimes=names, duration_s=duration), lineup)


# -- the board ---------------------------------------------------------------------------------------------------


def _view(n: int, starts: int = 412) -> RaceView:
    lanes = tuple(LaneView(f"lane{i}", "running", starts * (i + 1), i, 12.3, 3.2 if i else None, 0.0091, 0.0089, 0.031)
                  for i in range(n))
    return RaceView(lanes, 12.3, 20.0)


def _drawn(view: RaceView, width: int, height: int) -> list[str]:
    console = Console(width=width, height=height, force_terminal=True, color_system=None, record=True)
    console.print(render(view, width, height))
    return console.export_text().rstrip("\n").split("\n")


@pytest.mark.parametrize("width, height", [(80, 23), (100, 23), (80, 40), (120, 30)])
@pytest.mark.parametrize("lanes", [2, 3, 4, 6])
def test_the_board_fits_the_terminal_and_shows_every_lane_s_name(width, height, lanes):
    lines = _drawn(_view(lanes), width, height)
    assert len(lines) <= height and max(len(line) for line in lines) <= width
    text = "\n".join(lines)
    assert all(f"lane{i}" in text for i in range(lanes))


def test_the_count_is_big_when_there_is_room_and_smaller_when_not():
    assert "██████" in "\n".join(_drawn(_view(3), 80, 23))      # five-row digits, two cells a pixel
    small = "\n".join(_drawn(_view(4), 80, 23))
    assert "▀" in small and "██████" not in small                  # four lanes: three-row half-block digits
    tiny = _drawn(_view(6), 80, 23)
    assert "▀" not in "\n".join(tiny) and any("2472" in line for line in tiny)  # six: a plain line each


def test_big_digits_draw_each_digit_in_its_own_cells():
    assert big_digits(10, LARGE) == ["  ██   ██████", "████   ██  ██", "  ██   ██  ██", "  ██   ██  ██",
                                     "██████ ██████"]
    assert big_digits(7, SMALL) == ["▀▀█", "  █", "  ▀"]
