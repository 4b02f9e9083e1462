"""The figures table of a report: one row per scenario × metric × runtime.

Built from the raw samples with ``bench.stats``; values stay in the stored
units (seconds, bytes...) and are converted for display by the formatters.
"""

from __future__ import annotations

import math

import pandas as pd

from bench.report.families import family_rank
from bench.results import SessionData
from bench.stats import is_significant, ratio, summarize
from runtimes import BASELINE

COLUMNS = ["scenario", "metric", "runtime", "n", "median", "q1", "q3", "iqr", "min", "max",
           "low_whisker", "high_whisker", "outliers", "relative_iqr", "ratio", "ratio_spread", "baseline_zero", "significant", "is_baseline"]


def runtime_order(data: SessionData) -> list[str]:
    """Runtimes grouped by family (bench.report.families), the baseline first, each family's in the order they ran."""
    seen = list(dict.fromkeys([*data.runs["runtime"].tolist(), *(s.runtime for s in data.skips)]))
    return sorted(seen, key=lambda r: (r != BASELINE, family_rank(r), seen.index(r)))


def summary_table(data: SessionData) -> pd.DataFrame:
    """Statistics for every (scenario, metric, runtime) that has samples."""
    rows = []
    samples = data.samples
    for (scenario, metric), group in samples.groupby(["scenario", "metric"], sort=False):
        by_runtime = {rt: g["value"].tolist() for rt, g in group.groupby("runtime", sort=False)}
        base_values = by_runtime.get(BASELINE)
        base = summarize(base_values) if base_values else None
        for runtime, values in by_runtime.items():
            s = summarize(values)
            r = ratio(s, base) if base and runtime != BASELINE else None
            sig = is_significant(values, base_values) if base_values and runtime != BASELINE else None
            rows.append({
                "scenario": scenario, "metric": metric, "runtime": runtime, "n": s.n,
                "median": s.median, "q1": s.q1, "q3": s.q3, "iqr": s.iqr, "min": s.min, "max": s.max,
                "low_whisker": s.low_whisker, "high_whisker": s.high_whisker, "outliers": s.outliers,
                "relative_iqr": s.relative_iqr,
                "ratio": 1.0 if runtime == BASELINE else (r.value if r else math.nan),
                "ratio_spread": 0.0 if runtime == BASELINE else (r.spread if r else math.nan),
                "baseline_zero": base is not None and base.median == 0,
                "significant": sig,
                "is_baseline": runtime == BASELINE,
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def failures(data: SessionData) -> pd.DataFrame:
    """Failed measured runs, counted per scenario and runtime, with the first reason."""
    failed = data.runs[(data.runs["ok"] == 0) & (data.runs["warmup"] == 0)]
    if failed.empty:
        return pd.DataFrame(columns=["scenario", "runtime", "count", "reason", "message"])
    if "error_message" not in failed:  # a session read from an export made before messages were data
        failed = failed.assign(error_message="")
    # message: the first reason as data (JSON, runtimes/kernel/messages.py); "" when only its text was stored
    return (failed.assign(error_message=failed["error_message"].fillna(""))
            .groupby(["scenario", "runtime"], sort=False)
            .agg(count=("error", "size"), reason=("error", "first"), message=("error_message", "first")).reset_index())
