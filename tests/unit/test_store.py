"""bench.store: the SQLite results store, on real files in tmp_path."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import types
from pathlib import Path

import pytest

from bench import owner
from bench import store as store_mod
from bench.errors import StoreError
from bench.results import RunRecord, RuntimeInfo, ScenarioInfo, Skip
from bench.store import SCHEMA_VERSION, Store

META = {"hostname": "lab-1", "kernel": "6.1.0-18-amd64", "cgroup_version": "v2"}
STARTUP = ScenarioInfo(name="startup", description="launch to ready", note="a note", mode="ready",
                       args=("--flag", "1"), metrics=("ready_s", "exit_s"), warmup=1, repetitions=2, order=10)


def _run(runtime: str, iteration: int, metrics: dict[str, float], *, warmup: bool = False, ok: bool = True,
         error: str = "") -> RunRecord:
    return RunRecord(scenario="startup", runtime=runtime, iteration=iteration, warmup=warmup, ok=ok,
                     metrics=metrics, error=error, started_at="2026-01-01T00:00:00+00:00")


def _user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


def test_round_trip_keeps_everything_and_samples_only_measured_ok_runs(tmp_path):
    path = tmp_path / "results.sqlite"
    with Store(path) as store:
        sid = store.begin_session("bench run startup --quick", quick=True, metadata=META)
        store.record_scenario(sid, STARTUP)
        store.record_runtime(sid, RuntimeInfo("native", "plain process", "fork + exec"))
        store.record_runtime(sid, RuntimeInfo("chroot", "chroot(2)", "chroot(8)", {"chroot": "chroot (GNU coreutils) 9.1"}))
        store.record_skip(sid, Skip("startup", "box", "not built", "make box"))
        store.record_run(sid, _run("native", 0, {"ready_s": 9.0, "exit_s": 9.5}, warmup=True))
        store.record_run(sid, _run("native", 0, {"ready_s": 0.001, "exit_s": 0.002}))
        store.record_run(sid, _run("native", 1, {"ready_s": 0.003, "exit_s": 0.004}))
        store.record_run(sid, _run("chroot", 0, {"ready_s": 7.0}, ok=False, error="timed out after 60 s"))
        store.record_run(sid, _run("chroot", 1, {"ready_s": 0.002, "exit_s": 0.005}))
        store.finish_session(sid, "finished")

    with Store(path) as store:  # reopened: nothing lived only in memory
        data = store.load(sid)

    assert data.info.id == sid
    assert data.info.status == "finished" and data.info.finished_at
    assert data.info.command == "bench run startup --quick"
    assert data.info.quick is True
    assert data.info.metadata == META
    assert data.scenarios == [STARTUP]
    assert data.skips == [Skip("startup", "box", "not built", "make box")]
    assert data.runtimes == {
        "native": RuntimeInfo("native", "plain process", "fork + exec"),
        "chroot": RuntimeInfo("chroot", "chroot(2)", "chroot(8)", {"chroot": "chroot (GNU coreutils) 9.1"}),
    }

    samples = sorted(data.samples[["scenario", "runtime", "iteration", "metric", "value"]]
                     .itertuples(index=False, name=None))
    assert set(data.samples["kind"]) == {"measured"} and data.samples["instances"].isna().all()
    assert samples == sorted([
        ("startup", "native", 0, "ready_s", 0.001), ("startup", "native", 0, "exit_s", 0.002),
        ("startup", "native", 1, "ready_s", 0.003), ("startup", "native", 1, "exit_s", 0.004),
        ("startup", "chroot", 1, "ready_s", 0.002), ("startup", "chroot", 1, "exit_s", 0.005),
    ])  # neither the warm-up's 9.0 nor the failed run's 7.0

    runs = list(data.runs[["scenario", "runtime", "iteration", "kind", "warmup", "ok", "error"]]
                .itertuples(index=False, name=None))
    assert runs == [
        ("startup", "native", 0, "warmup", 1, 1, ""),
        ("startup", "native", 0, "measured", 0, 1, ""),
        ("startup", "native", 1, "measured", 0, 1, ""),
        ("startup", "chroot", 0, "measured", 0, 0, "timed out after 60 s"),
        ("startup", "chroot", 1, "measured", 0, 1, ""),
    ]


def test_scenarios_load_in_report_order(tmp_path):
    later = ScenarioInfo(name="cpu", description="", note="", mode="cpu", args=(), metrics=("cpu_elapsed_s",),
                         warmup=0, repetitions=1, order=30)
    with Store(tmp_path / "s.sqlite") as store:
        sid = store.begin_session("bench run", quick=False, metadata={})
        store.record_scenario(sid, later)
        store.record_scenario(sid, STARTUP)
        assert [s.name for s in store.load(sid).scenarios] == ["startup", "cpu"]


def test_run_without_start_time_is_stamped_in_utc(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        sid = store.begin_session("bench run", quick=False, metadata={})
        store.record_run(sid, RunRecord("startup", "native", 0, False, True, {"ready_s": 0.001}))
    db = sqlite3.connect(path)
    (started,) = db.execute("SELECT started_at FROM runs").fetchone()
    db.close()
    assert dt.datetime.fromisoformat(started).utcoffset() == dt.timedelta(0)


def test_session_ids_are_unique_when_sessions_begin_in_the_same_second(tmp_path, monkeypatch):
    # A frozen clock makes "the same second" certain rather than likely.
    class FrozenDatetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 1, 2, 3, 4, 5, tzinfo=tz)

    monkeypatch.setattr(store_mod, "dt", types.SimpleNamespace(datetime=FrozenDatetime, timezone=dt.timezone))
    with Store(tmp_path / "s.sqlite") as store:
        ids = [store.begin_session("bench run", quick=False, metadata={}) for _ in range(3)]
        assert ids == ["20260102-030405", "20260102-030405-2", "20260102-030405-3"]
        assert [s.id for s in store.sessions()] == ids


def test_session_ids_are_unique_on_the_real_clock(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        ids = [store.begin_session("bench run", quick=False, metadata={}) for _ in range(5)]
    assert len(set(ids)) == 5


def test_load_without_id_picks_the_newest_session_that_has_runs(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        with_runs = store.begin_session("bench run", quick=False, metadata={})
        store.record_run(with_runs, _run("native", 0, {"ready_s": 0.001}))
        store.finish_session(with_runs, "finished")
        empty = store.begin_session("bench run", quick=False, metadata={})
        store.finish_session(empty, "interrupted")
        assert store.load().info.id == with_runs
        assert store.resolve_session(empty).status == "interrupted"


def test_resolve_session_unknown_id_is_a_store_error(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.begin_session("bench run", quick=False, metadata={})
        with pytest.raises(StoreError) as info:
            store.resolve_session("19990101-000000")
    message = str(info.value)
    assert str(path) in message
    assert "no session '19990101-000000'" in message
    assert "bench sessions" in message


def test_empty_store_says_how_to_get_a_session(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(StoreError, match="no sessions yet; run `bench run all` first"):
            store.load()


def test_new_file_is_created_at_the_current_schema_version(tmp_path):
    path = tmp_path / "sub" / "dir" / "s.sqlite"
    Store(path).close()
    assert _user_version(path) == SCHEMA_VERSION


def test_version_zero_file_is_migrated_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE unrelated (x)")  # an existing file with user_version 0
    db.commit()
    db.close()
    with Store(path) as store:
        sid = store.begin_session("bench run", quick=False, metadata={})
        store.record_run(sid, _run("native", 0, {"ready_s": 0.001}))
    assert _user_version(path) == SCHEMA_VERSION


def test_newer_schema_version_is_refused_and_names_the_fix(tmp_path):
    path = tmp_path / "future.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError) as info:
        Store(path)
    message = str(info.value)
    assert str(path) in message
    assert f"schema version {SCHEMA_VERSION + 1} is newer" in message
    assert "upgrade isobench" in message and "--store" in message
    assert _user_version(path) == SCHEMA_VERSION + 1  # left untouched


def test_non_sqlite_file_is_a_store_error_and_left_untouched(tmp_path):
    path = tmp_path / "notes.sqlite"
    content = b"these are my notes, not a database\n" * 200
    path.write_bytes(content)
    with pytest.raises(StoreError) as info:
        Store(path)
    message = str(info.value)
    assert str(path) in message
    assert "not a usable SQLite file" in message and "--store" in message
    assert path.read_bytes() == content


def test_unwritable_location_is_a_store_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="pass --store with a writable path"):
        Store(blocker / "s.sqlite")


def test_committed_run_is_visible_to_another_connection_before_the_session_ends(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as writer:
        sid = writer.begin_session("bench run", quick=False, metadata={})
        writer.record_run(sid, _run("native", 0, {"ready_s": 0.001}))
        # What a second process sees while the session is still running (or after kill -9).
        other = sqlite3.connect(path)
        try:
            rows = other.execute("SELECT r.runtime, s.metric, s.value FROM runs r JOIN samples s ON s.run_id = r.id "
                                 "WHERE r.session_id = ?", (sid,)).fetchall()
        finally:
            other.close()
        assert rows == [("native", "ready_s", 0.001)]
        with Store(path) as reader:
            data = reader.load(sid)
        assert data.info.status == "running" and data.info.finished_at is None
        assert data.samples["value"].tolist() == [0.001]


def test_a_run_that_cannot_be_written_leaves_no_half_row(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        sid = store.begin_session("bench run", quick=False, metadata={})
        # The run row is inserted first; the bad sample then fails inside the same transaction.
        with pytest.raises(ValueError):
            store.record_run(sid, _run("native", 0, {"ready_s": "fast"}))  # type: ignore[dict-item]
        store.record_run(sid, _run("native", 1, {"ready_s": 0.002}))  # the store is still usable
        data = store.load(sid)
    assert data.runs["iteration"].tolist() == [1]
    assert data.samples["value"].tolist() == [0.002]


def test_a_version_1_store_is_migrated_to_2_keeping_its_runs(tmp_path):
    """tests/data/recorded-session.sqlite was written at schema version 1."""
    import shutil

    copy = tmp_path / "v1.sqlite"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "data" / "recorded-session.sqlite", copy)
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        runs = db.execute("SELECT count(*) FROM runs").fetchone()[0]
    with Store(copy) as store:
        data = store.load()
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert len(data.runs) == runs > 0
    assert data.runtimes["chroot"].launch == "" and data.runtimes["chroot"].versions


# -- schema 3: runs say their kind and instance count; sessions their process --------------

RELEASE = "95b270c"  # the release before schema 3: setup runs were iteration -1, N the `instances_count` figure
REPO = Path(__file__).resolve().parents[2]

# Written by the release's own code (its Store, its runner's SETUP_ITERATION), as its `bench run` wrote sessions.
_OLD_SESSION = """
import json, sys
from pathlib import Path
from bench.results import RunRecord, RuntimeInfo, ScenarioInfo
from bench.runner import SETUP_ITERATION
from bench.store import Store
with Store(Path(sys.argv[1])) as store:
    sid = store.begin_session("bench run startup density", quick=True, metadata={"hostname": "old"})
    store.record_scenario(sid, ScenarioInfo("startup", "", "", "ready", (), ("ready_s",), 1, 2))
    store.record_scenario(sid, ScenarioInfo("density", "", "", "idle", (), ("density_ready_s",), 1, 2, chart="density"))
    store.record_runtime(sid, RuntimeInfo("native"))
    R = lambda *a, **k: store.record_run(sid, RunRecord(*a, **k, started_at="2026-01-01T00:00:00+00:00"))
    R("startup", "native", 0, True, True, {"ready_s": 9.0})            # warm-up
    R("startup", "native", 0, False, True, {"ready_s": 0.001})
    R("startup", "native", 1, False, True, {"ready_s": 0.003})
    R("startup", "native", SETUP_ITERATION, False, True, {"vz_ct_start_s": 0.5, "daemon_dockerd_pss_bytes": 4e7})
    R("density", "native", 0, True, True, {"instances_count": 1.0, "density_ready_s": 0.5})  # warm-up
    for i, n in enumerate((1, 2, 4)):
        R("density", "native", i, False, True, {"instances_count": float(n), "density_ready_s": 0.01 * n})
    R("density", "native", 3, False, False, {"instances_count": 8.0}, "not started: 8 instances would need more")
    store.finish_session(sid, "finished")
    running = store.begin_session("bench run all", quick=False, metadata={})  # then killed: never finished
    print(json.dumps([sid, running]))
"""


@pytest.fixture(scope="module")
def release_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A store written by release 95b270c's code (schema 2), with a finished and a never-finished session."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", RELEASE, "bench", "runtimes"], capture_output=True)
    if archive.returncode != 0:
        pytest.fail(f"git cannot give release {RELEASE} here: {archive.stderr.decode().strip()}; "
                    "fix: git fetch --unshallow")
    tree = tmp_path_factory.mktemp("release")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as files:
        files.extractall(tree)  # our own repository's archive
    path = tree / "isobench.sqlite"
    out = subprocess.run([sys.executable, "-c", _OLD_SESSION, str(path)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree, check=True)
    finished, running = json.loads(out.stdout)
    assert _user_version(path) == 2
    return path, finished, running


def test_a_store_of_the_previous_release_keeps_its_figures_and_gains_kinds_and_instances(release_store, tmp_path):
    copy = tmp_path / "isobench.sqlite"
    shutil.copyfile(release_store[0], copy)
    with Store(copy) as store:
        data = store.load(release_store[1])
    assert _user_version(copy) == SCHEMA_VERSION
    runs = data.runs[["scenario", "iteration", "kind", "instances", "ok"]]
    startup = runs[runs["scenario"] == "startup"]
    assert list(startup[["iteration", "kind"]].itertuples(index=False, name=None)) == [
        (0, "warmup"), (0, "measured"), (1, "measured"), (0, "setup")]  # the setup run: iteration -1 before
    assert startup["instances"].isna().all()
    density = runs[runs["scenario"] == "density"]
    assert list(density["kind"]) == ["warmup", "measured", "measured", "measured", "measured"]
    assert list(density["instances"]) == [1, 1, 2, 4, 8]  # the refused step keeps its N too
    samples = data.samples
    assert "instances_count" not in set(samples["metric"])
    setup = samples[samples["kind"] == "setup"]
    assert dict(zip(setup["metric"], setup["value"])) == {"vz_ct_start_s": 0.5, "daemon_dockerd_pss_bytes": 4e7}
    ready = samples[(samples["metric"] == "ready_s")]
    assert sorted(ready["value"]) == [0.001, 0.003]  # the warm-up's 9.0 stays out, as before
    dens = samples[samples["metric"] == "density_ready_s"].sort_values("instances")
    assert list(zip(dens["instances"], dens["value"])) == [(1, 0.01), (2, 0.02), (4, 0.04)]


def test_a_session_the_previous_release_left_running_is_marked_interrupted(release_store, tmp_path):
    copy = tmp_path / "isobench.sqlite"
    shutil.copyfile(release_store[0], copy)
    with Store(copy) as store:
        assert {s.id: s.status for s in store.sessions()}[release_store[2]] == "running"
        assert store.mark_interrupted() == [release_store[2]]  # no process recorded: no isobench of now runs it
        assert {s.id: s.status for s in store.sessions()} == {release_store[1]: "finished",
                                                              release_store[2]: "interrupted"}


def test_only_sessions_whose_process_is_gone_are_marked_interrupted(tmp_path):
    path = tmp_path / "s.sqlite"
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        with Store(path) as store:
            ids = {k: store.begin_session("bench run", quick=False, metadata={})
                   for k in ("mine", "child", "reused", "rebooted")}
            db = sqlite3.connect(path)
            # `child` ran in a process that is about to die; `reused` names this live pid, started at another
            # tick (the pid was reused); `rebooted` ran in another boot of the host.
            db.execute("UPDATE sessions SET pid = ?, pid_started = ? WHERE id = ?",
                       (child.pid, owner.start_time(child.pid), ids["child"]))
            db.execute("UPDATE sessions SET pid_started = '1' WHERE id = ?", (ids["reused"],))
            db.execute("UPDATE sessions SET boot_id = 'another-boot' WHERE id = ?", (ids["rebooted"],))
            db.commit()
            db.close()
            assert sorted(store.mark_interrupted()) == sorted([ids["reused"], ids["rebooted"]])
            child.communicate(b"")  # the child's process ends
            assert store.mark_interrupted() == [ids["child"]]
            assert store.mark_interrupted() == []
            status = {s.id: s.status for s in store.sessions()}
    finally:
        child.kill()
        child.wait()
    assert status == {ids["mine"]: "running", ids["child"]: "interrupted", ids["reused"]: "interrupted",
                      ids["rebooted"]: "interrupted"}
