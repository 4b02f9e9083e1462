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
from bench.report.context import ReportContext, escape as _e
from runtimes import BASELINE


def ratio_cell(row: pd.Series, ctx: ReportContext) -> str:
    t = ctx.t
    if row["is_baseline"]:
        return t("1× (baseline)")
    if math.isnan(row["ratio"]):
        why = t("{b} is 0", b=BASELINE) if row["baseline_zero"] else t("no {b} figure", b=BASELINE)
        return f'<span class="muted">– ({why})</span>'
    spread = localize(f"{row['ratio_spread']:.2f}", t.lang)
    text = f"{format_ratio(row['ratio'], t.lang)} ± {spread}"
    if row["significant"] is False:
        text += f' <span class="muted">({t("not significant")})</span>'
    return text


def metric_table(rows: pd.DataFrame, metric_name: str, ctx: ReportContext) -> str:
    t = ctx.t
    m = metric(metric_name)
    unit = _e(m.display_unit)
    head = (f"<tr><th>{t('runtime')}</th><th>{t('median')} ({unit})</th><th>IQR ({unit})</th>"
            f"<th>{t('min – max')} ({unit})</th><th>{t('runs')}</th><th>{t('outliers')}</th>"
            f"<th>{t('vs {b}', b=BASELINE)}</th></tr>")
    body = []
    for _, r in rows.iterrows():
        f = functools.partial(m.format, unit=False, lang=t.lang)
        body.append(
            f"<tr><td>{_e(r['runtime'])}</td><td>{f(r['median'])}</td><td>{f(r['iqr'])}</td>"
            f"<td>{f(r['min'])} – {f(r['max'])}</td><td>{r['n']}</td><td>{r['outliers']}</td>"
            f"<td>{ratio_cell(r, ctx)}</td></tr>")
    return f'<table class="figures">{head}{"".join(body)}</table>'


def headline(rows: pd.DataFrame, metric_name: str, ctx: ReportContext) -> str:
    """One sentence a class can read aloud: each runtime's median, and its ratio."""
    m = metric(metric_name)
    parts = []
    for _, r in rows.iterrows():
        part = f"{r['runtime']} {m.format(r['median'], lang=ctx.t.lang)}"
        if not r["is_baseline"] and not math.isnan(r["ratio"]):
            part += f" ({format_ratio(r['ratio'], ctx.t.lang)} {BASELINE})"
        parts.append(part)
    return ctx.t("Median {label}: {parts}.", label=ctx.t(m.label), parts="; ".join(parts))
