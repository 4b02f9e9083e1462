"""The terminal summary printed at the end of `bench run`: medians and ratios.

Returns rows; the CLI decides how to draw them (a rich table).
"""

from __future__ import annotations

import math

import pandas as pd

from bench.metrics import format_ratio, metric
from bench.report.context import chart_of
from bench.results import SessionData
from runtimes import BASELINE

HEADER = ("scenario", "figure", "runtime", "median", "IQR", "runs", f"vs {BASELINE}")


def summary_rows(data: SessionData, summary: pd.DataFrame) -> list[tuple[str, ...]]:
    """One row per charted figure and runtime, in display units."""
    rows: list[tuple[str, ...]] = []
    for scenario in data.scenarios:
        if chart_of(scenario) in ("density", "scorecard"):
            continue  # figures across different N, or yes/no answers: the HTML report's tables show them
        for name in scenario.metrics:
            m = metric(name)
            part = summary[(summary["scenario"] == scenario.name) & (summary["metric"] == name)]
            for r in part.itertuples():
                if r.runtime == BASELINE:
                    vs = "baseline"
                elif math.isnan(r.ratio):
                    vs = f"– ({BASELINE} is 0)" if r.baseline_zero else "–"
                else:
                    vs = format_ratio(r.ratio) + ("" if r.significant is not False else " (n.s.)")
                rows.append((scenario.name, m.label, r.runtime, m.format(r.median), m.format(r.iqr), str(r.n), vs))
    return rows
