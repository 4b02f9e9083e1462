"""The figures table under each chart, and the sentence that reads it aloud.

Each row: median, IQR, min–max, runs, outliers (Tukey) and the ratio to the
baseline with its spread; "not significant" when a Mann–Whitney U test could
not tell it from the baseline at p < 0.05 (``bench.stats``).
"""

from __future__ import annotations

import functools
import math

import pandas as pd

from bench.metrics import format_ratio, localize, metric
from bench.report.checks import figure_flags
from bench.report.context import ReportContext
from bench.report.view import Cell, Row, Table
from runtimes import BASELINE


def ratio_cell(row: pd.Series, ctx: ReportContext) -> Cell:
    t = ctx.t
    if row["is_baseline"]:
        return Cell(t.text("table.baseline"), value=1.0, flags=frozenset({"baseline"}))
    if math.isnan(row["ratio"]):
        why = t.text("table.baseline_zero", b=BASELINE) if row["baseline_zero"] else t.text("table.no_baseline", b=BASELINE)
        return Cell(notes=(f"– ({why})",), flags=frozenset({"no_baseline"}))
    spread = localize(f"{row['ratio_spread']:.2f}", t.lang)
    text = f"{format_ratio(row['ratio'], t.lang)} ± {spread}"
    if row["significant"] is False:
        return Cell(text, notes=(f"({t.text('table.not_significant')})",), value=row["ratio"],
                    flags=frozenset({"not_significant"}))
    return Cell(text, value=row["ratio"])


def metric_table(rows: pd.DataFrame, metric_name: str, ctx: ReportContext) -> Table:
    t = ctx.t
    m = metric(metric_name)
    unit = m.display_unit
    head = tuple(Cell(text, header=True) for text in (
        t.text("table.runtime"), f"{t.text('table.median')} ({unit})", f"IQR ({unit})",
        f"{t.text('table.min_max')} ({unit})", t.text("table.runs"), t.text("table.outliers"),
        t.text("table.vs", b=BASELINE)))
    body = []
    for _, r in rows.iterrows():
        f = functools.partial(m.format, unit=False, lang=t.lang)
        body.append(Row((
            Cell(r["runtime"]), Cell(f(r["median"]), value=r["median"], unit=m.unit,
                                     flags=figure_flags(ctx.data, r["runtime"], r["n"], r["relative_iqr"])),
            Cell(f(r["iqr"]), value=r["iqr"], unit=m.unit),
            Cell(f"{f(r['min'])} – {f(r['max'])}", unit=m.unit),
            Cell(str(r["n"]), value=r["n"]), Cell(str(r["outliers"]), value=r["outliers"]), ratio_cell(r, ctx))))
    return Table("figures", head, tuple(body))


def headline(rows: pd.DataFrame, metric_name: str, ctx: ReportContext) -> str:
    """One sentence a class can read aloud: each runtime's median, and its ratio."""
    m = metric(metric_name)
    parts = []
    for _, r in rows.iterrows():
        part = f"{r['runtime']} {m.format(r['median'], lang=ctx.t.lang)}"
        if not r["is_baseline"] and not math.isnan(r["ratio"]):
            part += f" ({format_ratio(r['ratio'], ctx.t.lang)} {BASELINE})"
        parts.append(part)
    return ctx.t.text("scenario.headline", label=ctx.t(m.label), parts="; ".join(parts))
