"""Chart builders: each returns a plotly Figure and neither writes nor prints.

A metric's chart is a box plot per runtime with every raw sample drawn beside
it: the box spans Q1–Q3, the line is the median and the whiskers reach the
last sample within 1.5 IQR (Tukey), so outliers stand out as lone points.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from bench.metrics import metric

# One colour per runtime, stable across charts; colour-blind-safe (Okabe–Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def colour_of(runtime: str, order: list[str]) -> str:
    return PALETTE[order.index(runtime) % len(PALETTE)] if runtime in order else "#777777"


def metric_figure(samples: pd.DataFrame, metric_name: str, order: list[str]) -> go.Figure:
    """Box plot with all points of one metric, one box per runtime, in display units."""
    m = metric(metric_name)
    fig = go.Figure()
    rows = samples[samples["metric"] == metric_name]
    for runtime in order:
        values = rows[rows["runtime"] == runtime]["value"]
        if values.empty:
            continue
        fig.add_trace(go.Box(
            y=[m.display(v) for v in values], name=runtime, boxpoints="all", jitter=0.4, pointpos=-1.6,
            marker={"color": colour_of(runtime, order), "size": 5, "opacity": 0.6},
            line={"color": colour_of(runtime, order)}, boxmean=False, quartilemethod="linear",
            hovertemplate=f"%{{y:.4g}} {m.display_unit}<extra>{runtime}</extra>",
        ))
    arrow = "lower is better" if m.better == "lower" else "higher is better"
    log = _needs_log_axis(rows, order)
    fig.update_layout(
        title={"text": f"{m.label} ({m.display_unit}) — {arrow}" + (", log scale" if log else ""), "font": {"size": 15}},
        yaxis={"title": m.display_unit, "type": "log"} if log else
              {"title": m.display_unit, "rangemode": "tozero", "zeroline": True},
        showlegend=False, template="plotly_white", height=360,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    return fig


LOG_AXIS_SPAN = 100  # medians further apart than this: a linear axis would flatten all but the largest


def _needs_log_axis(rows: pd.DataFrame, order: list[str]) -> bool:
    """True when the runtimes' medians span more than LOG_AXIS_SPAN (e.g. containers in ms, a VM in s)."""
    medians = [rows[rows["runtime"] == r]["value"].median() for r in order if (rows["runtime"] == r).any()]
    positive = [v for v in medians if v > 0]
    return len(positive) == len(medians) > 1 and max(positive) / min(positive) > LOG_AXIS_SPAN
