"""A session's raw results in other tools' formats: JSON, CSV and pytest-benchmark's JSON.

- ``json``: everything a report needs (session, host metadata, scenarios,
  runtimes, skips, every run and every sample), readable back with
  ``session_from_json``, so an export is a portable copy of a session;
- ``csv``: one row per measured sample (session, scenario, runtime,
  iteration, metric, unit, value), for a spreadsheet or pandas;
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
    runs = pd.DataFrame(body["runs"], columns=["scenario", "runtime", "iteration", "warmup", "ok", "error"])
    samples = pd.DataFrame(body["samples"], columns=["scenario", "runtime", "iteration", "metric", "value"])
    samples["value"] = samples["value"].astype(float)
    return SessionData(info=SessionInfo(**body["session"]), scenarios=scenarios, samples=samples, runs=runs,
                       skips=[Skip(**s) for s in body["skips"]],
                       runtimes={r["name"]: RuntimeInfo(**r) for r in body["runtimes"]})


def to_csv(data: SessionData) -> str:
    rows = data.samples.copy()
    rows.insert(0, "session", data.info.id)
    rows["unit"] = rows["metric"].map(lambda name: metric(name).unit)
    out = io.StringIO()
    rows[["session", "scenario", "runtime", "iteration", "metric", "unit", "value"]].to_csv(
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
