"""The runner end to end on the cheapest real runtimes: native and chroot."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.runner import Lineup, RunOptions, run_suite
from bench.scenario import parse_scenario
from bench.store import Store
from runtimes import Image


def scenario(tmp_path: Path, body: str, name: str = "t"):
    text = f'name = "{name}"\ndescription = "test"\n' + body
    return parse_scenario(text, tmp_path / f"{name}.toml")


READY = ('[workload]\nmode = "ready"\n[run]\nwarmup = 1\nrepetitions = 3\nruntimes = ["native", "chroot"]\n'
         '[report]\nmetrics = ["ready_s", "exit_s"]\n')


def test_every_run_is_stored_with_warmups_apart_and_the_session_finished(tmp_path: Path, image: Image) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        session = run_suite([scenario(tmp_path, READY)], store, image, RunOptions(), lineup=Lineup.registered())
        data = store.load(session)
    assert data.info.status == "finished"
    assert data.info.metadata["image_digest"] == image.digest
    runs = data.runs
    assert len(runs) == 2 * (1 + 3)
    assert runs["ok"].all()
    assert sorted(runs[runs["warmup"] == 1]["runtime"]) == ["chroot", "native"]
    counts = data.samples[data.samples["metric"] == "ready_s"].groupby("runtime").size().to_dict()
    assert counts == {"chroot": 3, "native": 3}
    assert (data.samples["value"] > 0).all()
    assert data.runtimes["chroot"].versions["chroot"].startswith("chroot")
    assert "chroot(8)" in data.runtimes["chroot"].launch


def test_restricting_runtimes_keeps_the_baseline(tmp_path: Path, image: Image) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        session = run_suite([scenario(tmp_path, READY)], store, image, RunOptions(runtimes=("chroot",), repetitions=1), lineup=Lineup.registered())
        assert set(store.load(session).runs["runtime"]) == {"native", "chroot"}


def test_memory_figures_come_from_the_host_side(tmp_path: Path, image: Image) -> None:
    body = ('[workload]\nmode = "mem"\nargs = ["--mib", "32"]\n[run]\nwarmup = 0\nrepetitions = 2\n'
            'runtimes = ["native", "chroot"]\n[report]\nmetrics = ["host_pss_bytes"]\n')
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite([scenario(tmp_path, body)], store, image, RunOptions(), lineup=Lineup.registered()))
    by = data.samples.pivot_table(index="runtime", columns="metric", values="value", aggfunc="median")
    for runtime in ("native", "chroot"):
        assert by.loc[runtime, "host_pss_bytes"] >= 32 * 2**20
        assert by.loc[runtime, "workload_rss_bytes"] >= 32 * 2**20
        assert by.loc[runtime, "overhead_bytes"] < 4 * 2**20, "no isolation process beside the workload"
    assert "exit_s" not in set(data.samples["metric"]), "a held instance's exit time would time our own sampling"


def test_a_failing_run_is_recorded_with_its_reason_and_the_suite_goes_on(tmp_path: Path, image: Image) -> None:
    bad = scenario(tmp_path, '[workload]\nmode = "io"\nargs = ["--dir", "/nonexistent"]\n[run]\nwarmup = 0\nrepetitions = 2\n'
                             'runtimes = ["native", "chroot"]\n'
                             '[report]\nmetrics = ["io_seq_write_mib_s"]\n', name="bad")
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite([bad, scenario(tmp_path, READY)], store, image, RunOptions(), lineup=Lineup.registered()))
    failed = data.runs[data.runs["scenario"] == "bad"]
    assert len(failed) == 4 and not failed["ok"].any()
    assert failed["error"].str.contains("probe error in io").all()
    assert data.runs[data.runs["scenario"] == "t"]["ok"].all()
    assert data.info.status == "finished"


def test_a_hanging_run_is_killed_at_its_timeout_and_recorded_failed(tmp_path: Path, image: Image) -> None:
    hang = scenario(tmp_path, '[workload]\nmode = "cpu"\nargs = ["--iterations", "100000000000000"]\n'
                              '[run]\nwarmup = 0\nrepetitions = 1\ntimeout_s = 0.5\nruntimes = ["native"]\n'
                              '[report]\nmetrics = ["cpu_elapsed_s"]\n')
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite([hang], store, image, RunOptions(), lineup=Lineup.registered()))
    assert list(data.runs["ok"]) == [0]
    assert "still running after 0.5 s" in data.runs["error"][0]


def test_an_unavailable_runtime_is_skipped_with_its_reason(tmp_path: Path, image: Image, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # chroot(8) cannot be found: chroot is really unavailable
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite([scenario(tmp_path, READY)], store, image, RunOptions(repetitions=1), lineup=Lineup.registered()))
    assert [(s.runtime, s.reason) for s in data.skips] == [("chroot", "chroot(8) not found")]
    assert set(data.runs["runtime"]) == {"native"}


def test_warmups_come_first_then_measured_runs_interleave_across_runtimes(tmp_path: Path, image: Image) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite([scenario(tmp_path, READY)], store, image, RunOptions(), lineup=Lineup.registered()))
    order = [(bool(r.warmup), r.runtime, r.iteration) for r in data.runs.itertuples()]  # in the order stored
    assert order == [
        (True, "native", 0), (True, "chroot", 0),
        (False, "native", 0), (False, "chroot", 0),
        (False, "chroot", 1), (False, "native", 1),
        (False, "native", 2), (False, "chroot", 2),
    ]
