"""The terminal summary printed at the end of `bench run`: medians and ratios.

``summary_rows`` returns the rows, ``rich_table`` draws them to fit 100 columns: a figure is
named by its short label (its metric name without the scenario and the unit: ``ready``,
``seq_write``), one word that never wraps, its unit written beside the number instead.
"""

from __future__ import annotations

import math

import pandas as pd
from rich import box
from rich.table import Table

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
                rows.append((scenario.name, short_label(name, scenario.name), r.runtime, m.format(r.median),
                             m.format(r.iqr), str(r.n), vs))
    return rows


def short_label(metric_name: str, scenario: str) -> str:
    """``syscalls_pipe_round_trip_ns`` in scenario ``syscalls`` → ``pipe_round_trip``: the unit goes with the number."""
    m = metric(metric_name)
    stem = metric_name
    for suffix in ("_mib_s", "_bytes", "_iops", "_us", "_ns", "_s", "_count"):
        if stem.endswith(suffix) and m.unit:
            stem = stem[: -len(suffix)]
            break
    prefix = scenario + "_"
    return stem[len(prefix):] if stem.startswith(prefix) and len(stem) > len(prefix) else stem


def rich_table(data: SessionData, summary: pd.DataFrame) -> Table:
    """The summary as a rich table: scenario, figure and runtime never wrap; the numbers are short enough to fit."""
    table = Table(title=f"session {data.info.id}: medians", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for i, name in enumerate(HEADER):
        table.add_column(name, no_wrap=True, justify="left" if i < 3 else "right")
    previous = None
    for row in summary_rows(data, summary):
        if previous is not None and row[0] != previous:
            table.add_section()
        table.add_row(*((row[0] if row[0] != previous else ""), *row[1:]))
        previous = row[0]
    return table
