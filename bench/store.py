"""The results store: one SQLite file holding every session ever run.

Each finished run is committed at once, so a crash, ``kill -9`` or Ctrl-C
loses nothing already measured. The file carries its schema version in
``PRAGMA user_version``; older files are migrated in place, newer ones refused.

Schema history:
- 1: sessions, scenarios, runtimes, skips, runs, samples.
- 2: runtimes gain ``summary`` and ``launch``, so a report can say how each one starts.
- 3: runs gain ``kind`` (warmup | measured | setup, ``bench.results.RUN_KINDS``) and ``instances`` (a
  density run's N, else NULL); sessions gain ``pid``, ``pid_started`` and ``boot_id`` (``bench.owner``),
  so a session whose process died shows as interrupted. Older files are moved over: ``warmup = 1`` →
  kind warmup, ``iteration = -1`` (how setup runs were marked) → kind setup, numbered 0, and the
  ``instances_count`` samples → the ``instances`` column.
- 4: skips gain ``reason_message`` and ``fix_message``, runs ``error_message``, runtimes ``notes``: the
  same texts as data (a code and its fields as JSON, runtimes/kernel/messages.py), so a report writes them
  in its own language; '' (or {} for notes) in rows written before, which keep showing their text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from bench.errors import StoreError, StoreInputError
from bench.owner import Owner
from bench.results import RunRecord, RuntimeInfo, ScenarioInfo, SessionData, SessionInfo, Skip
from runtimes.kernel.messages import Message

_SCHEMA_4 = """
ALTER TABLE skips ADD COLUMN reason_message TEXT NOT NULL DEFAULT '';
ALTER TABLE skips ADD COLUMN fix_message    TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN error_message   TEXT NOT NULL DEFAULT '';
ALTER TABLE runtimes ADD COLUMN notes       TEXT NOT NULL DEFAULT '{}';
"""

_SCHEMA_1 = """
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,   -- e.g. 20261127-183012, also the report's folder name
    started_at  TEXT NOT NULL,      -- ISO 8601, UTC
    finished_at TEXT,
    status      TEXT NOT NULL,      -- running | finished | interrupted | failed
    command     TEXT NOT NULL,
    quick       INTEGER NOT NULL,
    metadata    TEXT NOT NULL       -- JSON object: the host's description
);
CREATE TABLE scenarios (
    session_id  TEXT NOT NULL REFERENCES sessions(id),
    name        TEXT NOT NULL,
    info        TEXT NOT NULL,      -- JSON of ScenarioInfo
    PRIMARY KEY (session_id, name)
);
CREATE TABLE runtimes (
    session_id  TEXT NOT NULL REFERENCES sessions(id),
    name        TEXT NOT NULL,
    versions    TEXT NOT NULL,      -- JSON object: tool → version
    PRIMARY KEY (session_id, name)
);
CREATE TABLE skips (
    session_id  TEXT NOT NULL REFERENCES sessions(id),
    scenario    TEXT NOT NULL,
    runtime     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    fix         TEXT NOT NULL
);
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions(id),
    scenario    TEXT NOT NULL,
    runtime     TEXT NOT NULL,
    iteration   INTEGER NOT NULL,
    warmup      INTEGER NOT NULL,
    ok          INTEGER NOT NULL,
    error       TEXT NOT NULL,
    started_at  TEXT NOT NULL
);
CREATE TABLE samples (
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    metric      TEXT NOT NULL,      -- unit in the name: _s, _bytes, _mib_s, _iops, _us
    value       REAL NOT NULL,
    PRIMARY KEY (run_id, metric)
);
CREATE INDEX runs_by_session ON runs(session_id, scenario, runtime);
"""

_SCHEMA_3 = """
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'measured';
ALTER TABLE runs ADD COLUMN instances INTEGER;
UPDATE runs SET kind = 'warmup' WHERE warmup != 0;
UPDATE runs SET kind = 'setup', iteration = 0 WHERE iteration = -1 AND warmup = 0;
UPDATE runs SET instances = (SELECT CAST(value AS INTEGER) FROM samples
                             WHERE samples.run_id = runs.id AND samples.metric = 'instances_count');
DELETE FROM samples WHERE metric = 'instances_count';
ALTER TABLE sessions ADD COLUMN pid INTEGER;
ALTER TABLE sessions ADD COLUMN pid_started TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN boot_id TEXT NOT NULL DEFAULT '';
"""

# Step N is SQL that takes a file at version N-1 to N; it runs in one transaction.
_MIGRATIONS: dict[int, str] = {
    1: _SCHEMA_1,
    2: """
ALTER TABLE runtimes ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE runtimes ADD COLUMN launch  TEXT NOT NULL DEFAULT '';
""",
    3: _SCHEMA_3,
    4: _SCHEMA_4,
}
SCHEMA_VERSION = max(_MIGRATIONS)


def _json(message: Message | None) -> str:
    """A message as its column holds it: JSON, or '' for none."""
    return "" if message is None else message.to_json()


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Store:
    """An open results file. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=10, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            reason = err.strerror if isinstance(err, OSError) else str(err)
            raise StoreInputError(f"store {path}: cannot open ({reason}); pass --store with a writable path") from None
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise StoreInputError(f"store {path}: not a usable SQLite file ({err}); move it aside or pass --store NEW_PATH") from None
        except BaseException:
            self._db.close()
            raise

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path}: schema version {version} is newer than this isobench "
                f"understands ({SCHEMA_VERSION}); upgrade isobench or pass --store NEW_PATH")
        for target in sorted(t for t in _MIGRATIONS if t > version):
            try:
                self._db.executescript(f"BEGIN IMMEDIATE; {_MIGRATIONS[target]}; PRAGMA user_version = {target}; COMMIT;")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Commit on success; roll back on any exception, Ctrl-C included.

        The rollback checks ``in_transaction`` rather than assuming: a Ctrl-C
        can land after BEGIN ran but before control came back here.
        """
        try:
            self._db.execute("BEGIN IMMEDIATE")
            yield self._db
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as err:  # e.g. "database or disk is full": what was committed stays
            with contextlib.suppress(sqlite3.Error):
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
            raise StoreError(f"store {self.path}: cannot write ({err}); every run stored before is kept; free "
                             "space on its disk or pass --store with a path on another one") from None
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- writing -----------------------------------------------------------
    def begin_session(self, command: str, quick: bool, metadata: dict[str, str]) -> str:
        """Create a session row and return its id (a UTC timestamp, made unique)."""
        base = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        with self._transaction():
            taken = {r[0] for r in self._db.execute("SELECT id FROM sessions WHERE id LIKE ?", (base + "%",))}
            session = base
            n = 1
            while session in taken:
                n += 1
                session = f"{base}-{n}"
            owner = Owner.current()
            self._db.execute(
                "INSERT INTO sessions (id, started_at, finished_at, status, command, quick, metadata, pid, "
                "pid_started, boot_id) VALUES (?, ?, NULL, 'running', ?, ?, ?, ?, ?, ?)",
                (session, utc_now(), command, int(quick), json.dumps(metadata, sort_keys=True), owner.pid,
                 owner.started, owner.boot_id))
        return session

    def mark_interrupted(self) -> list[str]:
        """Mark every session still 'running' whose process is gone as 'interrupted'; their ids.

        A session written before its process was recorded (schema 3) has no
        pid: no isobench that writes this schema can be running it, so it is
        interrupted too.
        """
        gone = [sid for sid, pid, started, boot in self._db.execute(
                    "SELECT id, pid, pid_started, boot_id FROM sessions WHERE status = 'running'")
                if pid is None or not Owner(pid, started, boot).alive()]
        if gone:
            with self._transaction():
                self._db.executemany("UPDATE sessions SET status = 'interrupted' WHERE id = ? AND status = 'running'",
                                     [(sid,) for sid in gone])
        return gone

    def finish_session(self, session: str, status: str, metadata: dict[str, str] | None = None) -> None:
        """Mark the session ended; ``metadata`` adds keys known only at the end (e.g. steal time over the session)."""
        with self._transaction():
            self._db.execute("UPDATE sessions SET status = ?, finished_at = ? WHERE id = ?", (status, utc_now(), session))
            if metadata:
                (old,) = self._db.execute("SELECT metadata FROM sessions WHERE id = ?", (session,)).fetchone()
                self._db.execute("UPDATE sessions SET metadata = ? WHERE id = ?",
                                 (json.dumps({**json.loads(old), **metadata}, sort_keys=True), session))

    def record_scenario(self, session: str, info: ScenarioInfo) -> None:
        body = json.dumps({**info.__dict__, "args": list(info.args), "metrics": list(info.metrics)})
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO scenarios VALUES (?, ?, ?)", (session, info.name, body))

    def record_runtime(self, session: str, info: RuntimeInfo) -> None:
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO runtimes (session_id, name, versions, summary, launch, notes) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (session, info.name, json.dumps(info.versions), info.summary, info.launch,
                              json.dumps({k: m.to_data() for k, m in info.notes.items()}, sort_keys=True)))

    def record_skip(self, session: str, skip: Skip) -> None:
        with self._transaction():
            self._db.execute("INSERT INTO skips (session_id, scenario, runtime, reason, fix, reason_message, "
                             "fix_message) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (session, skip.scenario, skip.runtime, skip.reason, skip.fix,
                              _json(skip.reason_message), _json(skip.fix_message)))

    def record_run(self, session: str, run: RunRecord) -> None:
        """Write one run and its samples in one transaction, committed before returning."""
        with self._transaction():
            cur = self._db.execute(
                "INSERT INTO runs (session_id, scenario, runtime, iteration, warmup, ok, error, started_at, "
                "error_message, kind, instances) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session, run.scenario, run.runtime, run.iteration, int(run.warmup), int(run.ok),
                 run.error, run.started_at or utc_now(), _json(run.error_message), run.kind, run.instances))
            self._db.executemany("INSERT INTO samples VALUES (?, ?, ?)",
                                 [(cur.lastrowid, k, float(v)) for k, v in sorted(run.metrics.items())])

    # -- reading -----------------------------------------------------------
    def sessions(self) -> list[SessionInfo]:
        rows = self._db.execute("SELECT * FROM sessions ORDER BY started_at, rowid").fetchall()
        return [SessionInfo(id=r[0], started_at=r[1], finished_at=r[2], status=r[3], command=r[4],
                            quick=bool(r[5]), metadata=json.loads(r[6])) for r in rows]

    def resolve_session(self, session: str | None) -> SessionInfo:
        """The named session, or the newest one that has any runs."""
        known = self.sessions()
        if not known:
            raise StoreError(f"store {self.path}: no sessions yet; run `bench run all` first")
        if session is None:
            with_runs = {r[0] for r in self._db.execute("SELECT DISTINCT session_id FROM runs")}
            candidates = [s for s in known if s.id in with_runs] or known
            return candidates[-1]
        for s in known:
            if s.id == session:
                return s
        raise StoreInputError(f"store {self.path}: no session {session!r}; `bench sessions` lists them")

    def load(self, session: str | None = None) -> SessionData:
        # Imported here, not at the top: the runner never needs pandas, and a
        # smaller harness process forks faster (box forks it for every container).
        import pandas as pd

        info = self.resolve_session(session)
        sid = info.id
        scenarios = []
        for (body,) in self._db.execute("SELECT info FROM scenarios WHERE session_id = ?", (sid,)):
            data = json.loads(body)
            scenarios.append(ScenarioInfo(**{**data, "args": tuple(data["args"]), "metrics": tuple(data["metrics"])}))
        scenarios.sort(key=lambda s: (s.order, s.name))
        samples = pd.read_sql_query(
            "SELECT r.scenario, r.runtime, r.iteration, r.kind, r.instances, s.metric, s.value FROM samples s "
            "JOIN runs r ON r.id = s.run_id WHERE r.session_id = ? AND r.ok = 1 AND r.kind != 'warmup' "
            "ORDER BY r.id", self._db, params=(sid,))
        runs = pd.read_sql_query(
            "SELECT scenario, runtime, iteration, kind, instances, warmup, ok, error, error_message FROM runs "
            "WHERE session_id = ? ORDER BY id",
            self._db, params=(sid,))
        skips = [Skip(scenario, runtime, reason, fix, Message.from_json(reason_message), Message.from_json(fix_message))
                 for scenario, runtime, reason, fix, reason_message, fix_message in self._db.execute(
                     "SELECT scenario, runtime, reason, fix, reason_message, fix_message FROM skips "
                     "WHERE session_id = ?", (sid,))]
        runtimes = {name: RuntimeInfo(name, summary, launch, json.loads(versions),
                                      {k: Message.from_data(v) for k, v in json.loads(notes).items()})
                    for name, versions, summary, launch, notes in self._db.execute(
                        "SELECT name, versions, summary, launch, notes FROM runtimes WHERE session_id = ?", (sid,))}
        for frame in (samples, runs):  # N as a whole number, missing (<NA>) where a run held no count
            frame["instances"] = frame["instances"].astype("Int64")
        return SessionData(info=info, scenarios=scenarios, samples=samples, runs=runs, skips=skips,
                           runtimes=runtimes)

