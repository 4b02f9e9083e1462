"""A session's raw results in other tools' formats: JSON, CSV and pytest-benchmark's JSON.

- ``json``: everything a report needs (session, host metadata, scenarios,
  runtimes, skips, every run and every sample), readable back with
  ``session_from_json``, so an export is a portable copy of a session;
- ``csv``: one row per measured sample (session, scenario, runtime,
  iteration, kind — measured or setup —, instances — a density run's N,
  else empty —, metric, unit, value), for a spreadsheet or pandas;
- ``pytest-benchmark``: the JSON file ``pytest-benchmark compare`` reads
  (``pytest_benchmark/storage/file.py``): one benchmark per scenario,
  runtime and timing figure, named ``<scenario>[<runtime>-<figure>]`` and
  grouped by scenario and figure, with statistics from pytest-benchmark's own
  ``Stats``. Only figures in seconds go there, because its tables present
  every value as a time.

Every function returns text; writing it is the caller's job.
"""

from __future__ import annotations

import dataclasses
import io
import json

import pandas as pd
from pytest_benchmark.stats import Stats

from bench.errors import UsageError
from bench.metrics import metric
from bench.results import RuntimeInfo, ScenarioInfo, SessionData, SessionInfo, Skip
from runtimes.kernel.messages import Message

FORMATS = ("json", "csv", "pytest-benchmark")
JSON_FORMAT, JSON_VERSION = "isobench-session", 1


def export(data: SessionData, fmt: str) -> str:
    """The session in ``fmt`` (one of FORMATS)."""
    if fmt == "json":
        return to_json(data)
    if fmt == "csv":
        return to_csv(data)
    if fmt == "pytest-benchmark":
        return to_pytest_benchmark(data)
    raise UsageError(f"unknown export format {fmt!r}; choose from: {', '.join(FORMATS)}")


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records"))


def to_json(data: SessionData) -> str:
    body = {
        "format": JSON_FORMAT, "version": JSON_VERSION,
        "session": dataclasses.asdict(data.info),
        "scenarios": [dataclasses.asdict(s) for s in data.scenarios],
        "runtimes": [dataclasses.asdict(r) for r in data.runtimes.values()],
        "skips": [dataclasses.asdict(s) for s in data.skips],
        "runs": _records(data.runs),
        "samples": _records(data.samples),
    }
    return json.dumps(body, indent=1, ensure_ascii=False)


def session_from_json(text: str) -> SessionData:
    """The session a ``json`` export holds; a file of another kind or version is a UsageError naming it."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as err:
        raise UsageError(f"not a JSON export of isobench: {err}") from None
    if not isinstance(body, dict) or body.get("format") != JSON_FORMAT:
        raise UsageError(f"not an isobench session export (its \"format\" is not {JSON_FORMAT!r})")
    if body.get("version") != JSON_VERSION:
        raise UsageError(f"isobench export version {body.get('version')!r} is not {JSON_VERSION}; "
                         "export it again with this isobench")
    scenarios = [ScenarioInfo(**{**s, "args": tuple(s["args"]), "metrics": tuple(s["metrics"])})
                 for s in body["scenarios"]]
    runs = pd.DataFrame(body["runs"], columns=["scenario", "runtime", "iteration", "kind", "instances", "warmup", "ok",
                                               "error", "error_message"]).fillna({"error_message": ""})
    samples = pd.DataFrame(body["samples"], columns=["scenario", "runtime", "iteration", "kind", "instances", "metric",
                                                     "value"])
    samples["value"] = samples["value"].astype(float)
    if runs["kind"].isna().any() or samples["kind"].isna().any():
        runs, samples = _kinds_of_older_export(runs, samples)
    for frame in (runs, samples):  # as the store gives it: a whole number, <NA> where a run held no count
        frame["instances"] = pd.to_numeric(frame["instances"]).astype("Int64")
    return SessionData(info=SessionInfo(**body["session"]), scenarios=scenarios, samples=samples, runs=runs,
                       skips=[Skip(**{**s, **_messages(s, "reason_message", "fix_message")}) for s in body["skips"]],
                       runtimes={r["name"]: RuntimeInfo(**{**r, "notes": {k: Message.from_data(v)
                                                                         for k, v in r.get("notes", {}).items()}})
                                 for r in body["runtimes"]})


def _kinds_of_older_export(runs: pd.DataFrame, samples: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An export made before runs said their kind: the same reading as the store's migration to schema 3.

    Iteration -1 marked a setup run (now numbered 0); the ``instances_count``
    figure carried a density run's N (matched to its measured run; a
    warm-up's samples were never exported, so a warm-up's N stays unknown).
    """
    key = ["scenario", "runtime", "iteration"]
    counts = (samples[samples["metric"] == "instances_count"][[*key, "value"]]
              .drop_duplicates(key).set_index(key)["value"])

    def n_of(frame: pd.DataFrame) -> pd.Series:
        found = frame.set_index(key).index.map(lambda k: counts.get(k, float("nan")))
        return pd.Series(found, index=frame.index, dtype=float).where(frame["kind"] == "measured")

    runs = runs.assign(kind=runs["kind"].fillna(pd.Series("measured", index=runs.index)
                                                .mask(runs["warmup"].astype(bool), "warmup")
                                                .mask(runs["iteration"] == -1, "setup")))
    runs = runs.assign(instances=runs["instances"].fillna(n_of(runs)))
    samples = samples[samples["metric"] != "instances_count"].reset_index(drop=True)
    samples = samples.assign(kind=samples["kind"].fillna(pd.Series("measured", index=samples.index)
                                                         .mask(samples["iteration"] == -1, "setup")))
    samples = samples.assign(instances=samples["instances"].fillna(n_of(samples)))
    runs.loc[runs["kind"] == "setup", "iteration"] = 0
    samples.loc[samples["kind"] == "setup", "iteration"] = 0
    return runs, samples


def _messages(row: dict, *keys: str) -> dict[str, Message | None]:
    """The messages of an exported row (written by dataclasses.asdict as {code, fields}); None where absent."""
    return {k: Message.from_data(row[k]) if row.get(k) else None for k in keys}


def to_csv(data: SessionData) -> str:
    rows = data.samples.copy()
    rows.insert(0, "session", data.info.id)
    rows["unit"] = rows["metric"].map(lambda name: metric(name).unit)
    out = io.StringIO()
    rows[["session", "scenario", "runtime", "iteration", "kind", "instances", "metric", "unit", "value"]].to_csv(
        out, index=False, float_format="%.17g")
    return out.getvalue()


def _machine_info(data: SessionData) -> dict:
    meta = data.info.metadata
    return {"node": meta.get("hostname", ""), "processor": meta.get("cpu_model", ""), "machine": "",
            "python_implementation": "CPython", "python_version": meta.get("python", ""),
            "release": meta.get("kernel", ""), "system": "Linux", "cpu": {"brand_raw": meta.get("cpu_model", ""),
            "count": meta.get("cpu_count", "")}, "isobench": meta}


def to_pytest_benchmark(data: SessionData) -> str:
    benchmarks = []
    timed = data.samples[data.samples["metric"].map(lambda name: metric(name).unit == "s")]
    for (scenario, name, runtime), group in timed.groupby(["scenario", "metric", "runtime"], sort=False):
        stats = Stats()
        for value in group["value"]:
            stats.update(float(value))
        benchmarks.append({
            "group": f"{scenario}: {metric(name).label}", "name": f"{scenario}[{runtime}-{name}]",
            "fullname": f"isobench/{scenario}.toml::{scenario}[{runtime}-{name}]",
            "params": {"runtime": runtime, "figure": name}, "param": f"{runtime}-{name}",
            "extra_info": {"session": data.info.id, "unit": "s"},
            "options": {"disable_gc": False, "timer": "host monotonic clock", "min_rounds": len(group),
                        "max_time": 0, "min_time": 0, "warmup": False},
            "stats": {**stats.as_dict(), "iterations": 1, "data": [float(v) for v in group["value"]]},
        })
    body = {"machine_info": _machine_info(data),
            "commit_info": {"id": "", "time": "", "author_time": "", "dirty": False, "project": "isobench",
                            "branch": ""},
            "benchmarks": benchmarks, "datetime": data.info.started_at, "version": "5.1.0"}
    return json.dumps(body, indent=1)
