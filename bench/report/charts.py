"""Chart builders, one per kind of question: each returns a plotly Figure and neither writes nor prints.

- start-up (and any figure without a kind of its own): a bar per runtime at the
  median, error bars from Q1 to Q3, every run drawn over it as a dot; a log axis
  when the medians span more than a hundredfold (containers in ms, a VM in s);
- memory: stacked bars, what the workload itself uses and what the isolation adds;
- density: instances against host memory and against time until all are ready;
- I/O: grouped bars of each figure's ratio to native;
- CPU: a bar per runtime with its ratio to native written on it.

Published reference figures (``bench.report.literature``) are drawn in grey,
dotted or hatched and labelled "ref. [n]", never in a runtime's colour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bench.metrics import SEPARATORS, TIMES, format_ratio, metric
from bench.report.families import family_of
from bench.report.i18n import Catalogue
from bench.report.literature import Reference, number_of

# One colour per runtime, stable across charts; colour-blind-safe: Okabe–Ito, then Paul Tol's "muted"
# for sessions with more runtimes than eight (the OCI peers).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
           "#882255", "#44AA99", "#999933", "#332288", "#AA4499", "#117733")
REFERENCE_COLOUR = "#6b6b6b"
FONT = {"size": 15}  # read from the back of a classroom
LOG_AXIS_SPAN = 100  # medians further apart than this: a linear axis would flatten all but the largest


def colour_of(runtime: str, order: list[str]) -> str:
    """The runtime's family colour (bench.report.families): the same family, the same colour, on every chart."""
    return family_of(runtime).colour if runtime in order else "#777777"


def number_layout(lang: str) -> dict[str, str]:
    """Layout that makes plotly write axis ticks and hover figures in ``lang`` ('0,39'); English is its default."""
    return {} if lang == "en" else {"separators": SEPARATORS[lang]}


def _layout(fig: go.Figure, title: str, t: Catalogue, height: int = 400, **extra: object) -> go.Figure:
    fig.update_layout(title={"text": title, "font": {"size": 18}}, font=FONT, template="plotly_white",
                      height=height, margin={"l": 70, "r": 30, "t": 60, "b": 50}, **number_layout(t.lang), **extra)
    return fig


def _direction(metric_name: str, t: Catalogue) -> str:
    return t.text("chart.lower_better") if metric(metric_name).better == "lower" else t.text("chart.higher_better")


def _present(samples: pd.DataFrame, order: list[str]) -> list[str]:
    return [r for r in order if (samples["runtime"] == r).any()]


def needs_log_axis(medians: Sequence[float]) -> bool:
    """True when positive medians span more than LOG_AXIS_SPAN (e.g. containers in ms, a VM in s)."""
    positive = [v for v in medians if v > 0]
    return len(positive) == len(medians) > 1 and max(positive) / min(positive) > LOG_AXIS_SPAN


def _reference_line(fig: go.Figure, ref: Reference, y: float, t: Catalogue, span: tuple[float, float], log: bool) -> None:
    """A grey dotted line at the published figure; off the data's scale, a note instead of a squashed chart."""
    text = f"ref. [{number_of(ref)}] {t(ref.label)}"
    low, high = span
    if log or low / REFERENCE_REACH <= y <= high * REFERENCE_REACH:
        fig.add_hline(y=y, line={"color": REFERENCE_COLOUR, "dash": "dot", "width": 2})
        # An annotation on a log axis is placed in log10 units (layout.annotations[].y); a shape is not.
        fig.add_annotation(text=text, xref="paper", x=0, xanchor="left", y=math.log10(y) if log else y,
                           yanchor="bottom", showarrow=False, font={"size": 13, "color": REFERENCE_COLOUR},
                           bgcolor="rgba(255,255,255,0.8)")
        return
    where = t.text("chart.above_scale") if y > high else t.text("chart.below_scale")
    count = sum(1 for a in fig.layout.annotations if str(a.text).startswith("ref."))
    fig.add_annotation(text=f"{text} — {where}", xref="paper", yref="paper", x=1, y=1.0 - 0.07 * count,
                       xanchor="right", yanchor="top", showarrow=False,
                       font={"size": 13, "color": REFERENCE_COLOUR}, bgcolor="rgba(255,255,255,0.85)",
                       bordercolor=REFERENCE_COLOUR, borderwidth=1)


REFERENCE_REACH = 3  # a reference line further than this from the data would flatten the measured bars


def metric_figure(samples: pd.DataFrame, metric_name: str, order: list[str], t: Catalogue | None = None,
                  refs: Sequence[Reference] = ()) -> go.Figure:
    """Start-up chart: median bars with Q1–Q3 error bars, every run as a dot, in display units."""
    t = t or Catalogue()
    m = metric(metric_name)
    rows = samples[samples["metric"] == metric_name]
    runtimes = _present(rows, order)
    values = {r: rows[rows["runtime"] == r]["value"].map(m.display) for r in runtimes}
    medians = [values[r].median() for r in runtimes]
    q1 = [values[r].quantile(0.25) for r in runtimes]
    q3 = [values[r].quantile(0.75) for r in runtimes]
    fig = go.Figure(go.Bar(
        x=runtimes, y=medians, marker={"color": [colour_of(r, order) for r in runtimes], "opacity": 0.45},
        error_y={"type": "data", "symmetric": False, "array": [b - a for a, b in zip(medians, q3)],
                 "arrayminus": [a - b for a, b in zip(medians, q1)], "thickness": 2, "width": 10},
        hovertemplate=f"{t.text('chart.median')} %{{y:.4g}} {m.display_unit}<extra>%{{x}}</extra>", showlegend=False))
    for r in runtimes:
        fig.add_trace(go.Box(
            x=[r] * len(values[r]), y=list(values[r]), name=r, boxpoints="all", jitter=0.5, pointpos=0,
            fillcolor="rgba(0,0,0,0)", line={"width": 0}, hoveron="points", showlegend=False,
            marker={"color": colour_of(r, order), "size": 6, "opacity": 0.8},
            hovertemplate=f"%{{y:.4g}} {m.display_unit}<extra>{r}</extra>"))
    log = needs_log_axis(medians)
    span = (min(q1, default=0.0), max(q3, default=0.0))
    for ref in refs:
        if ref.kind == "absolute":
            _reference_line(fig, ref, m.display(ref.value), t, span, log)
    title = f"{t(m.label)} ({m.display_unit}) — {_direction(metric_name, t)}"
    title += t.text("chart.log_scale") if log else ""
    axis = {"title": m.display_unit, "type": "log"} if log else {"title": m.display_unit, "rangemode": "tozero"}
    return _layout(fig, title, t, yaxis=axis, boxmode="overlay", showlegend=False)


# Stacked from the bottom: the workload, then what isolation adds (runtime processes, a guest kernel, which
# add up to host PSS), then the page cache charged to the instance, host memory that no PSS counts.
MEMORY_PARTS = (("workload_rss_bytes", "#56B4E9"), ("overhead_runtime_bytes", "#D55E00"),
                ("overhead_guest_bytes", "#CC79A7"), ("overhead_page_cache_bytes", "#F0E442"))
MEMORY_PARTS_OLD = (("workload_rss_bytes", "#56B4E9"), ("overhead_bytes", "#D55E00"))  # stores before the split


def memory_figure(summary: pd.DataFrame, order: list[str], t: Catalogue,
                  refs: Sequence[Reference] = ()) -> go.Figure:
    """Stacked medians per runtime, one horizontal bar each: the workload's own memory, then what isolation adds (MiB).

    Horizontal, so a dozen runtimes stay readable, each with its total written beside its bar.
    """
    med = summary.pivot_table(index="runtime", columns="metric", values="median", aggfunc="first")
    runtimes = [r for r in order if r in med.index]
    mib = metric("overhead_bytes").display
    fig = go.Figure()
    split = {name for name, _ in MEMORY_PARTS[1:3]} <= set(med.columns)
    for name, colour in MEMORY_PARTS if split else MEMORY_PARTS_OLD:
        if name not in med.columns:
            continue
        fig.add_trace(go.Bar(
            y=runtimes, x=[mib(med.at[r, name]) if pd.notna(med.at[r, name]) else 0 for r in runtimes],
            orientation="h", name=t(metric(name).label), marker={"color": colour},
            hovertemplate=f"{t(metric(name).label)}: %{{x:.4g}} MiB<extra>%{{y}}</extra>"))
    if "host_pss_bytes" in med.columns:  # the total beside each bar: small bars stay readable beside a VM's
        ends = [sum(tr.x[i] for tr in fig.data) for i in range(len(runtimes))]
        fig.add_trace(go.Scatter(
            y=runtimes, x=ends, mode="text", showlegend=False, hoverinfo="skip", textposition="middle right",
            text=[f"  PSS {metric('host_pss_bytes').format(med.at[r, 'host_pss_bytes'], lang=t.lang)}"
                  if pd.notna(med.at[r, "host_pss_bytes"]) else "" for r in runtimes], textfont={"size": 14}))
    for ref in refs:
        label = f"ref. [{number_of(ref)}]"
        fig.add_trace(go.Bar(
            y=[label], x=[mib(ref.value)], orientation="h", name=f"{label} ({t.text('chart.published')})",
            marker={"color": "rgba(0,0,0,0)", "line": {"color": REFERENCE_COLOUR, "width": 2},
                    "pattern": {"shape": "/", "fgcolor": REFERENCE_COLOUR}},
            text=[f"  {t(ref.label)}"], textposition="outside", textfont={"color": REFERENCE_COLOUR},
            hovertemplate=f"{t(ref.label)}<extra>{t.text('chart.published')}</extra>"))
    rows = len(runtimes) + len(refs)
    widest = max([tr.x[i] for tr in fig.data if isinstance(tr, go.Scatter) for i in range(len(tr.x))] or [1])
    return _layout(fig, t.text("chart.memory_title"), t,
                   height=170 + 34 * rows,
                   barmode="stack", xaxis={"title": "MiB", "rangemode": "tozero", "range": [0, widest * 1.3]},
                   yaxis={"autorange": "reversed"}, legend={"orientation": "h", "y": -0.12, "x": 0})


def density_figure(points: pd.DataFrame, order: list[str], t: Catalogue) -> go.Figure:
    """Two panels against the number of instances N: host memory used, and time until all N are ready.

    ``points`` has columns runtime, instances, metric, median, q1, q3 (stored units).
    """
    # What one more instance costs: summed PSS ÷ N; older sessions without PSS fall back to the MemAvailable drop.
    memory = "density_pss_bytes" if (points["metric"] == "density_pss_bytes").any() else "density_mem_used_bytes"
    panels = [(name, metric(name)) for name in (memory, "density_ready_s") if (points["metric"] == name).any()]
    per_instance = points[points["metric"] == "density_pss_bytes"].copy()
    for column in ("median", "q1", "q3"):
        per_instance[column] = per_instance[column] / per_instance["instances"]
    points = pd.concat([points[points["metric"] != "density_pss_bytes"], per_instance])

    def title(name: str, m) -> str:
        if name == "density_pss_bytes":
            return f"{t.text('density.pss_title')} ({m.display_unit})"
        return f"{t(m.label)} ({m.display_unit})"
    fig = make_subplots(rows=1, cols=max(len(panels), 1), horizontal_spacing=0.12,
                        subplot_titles=[title(name, m) for name, m in panels])
    for col, (name, m) in enumerate(panels, start=1):
        rows = points[points["metric"] == name]
        for r in _present(rows, order):
            line = rows[rows["runtime"] == r].sort_values("instances")
            fig.add_trace(go.Scatter(
                x=line["instances"], y=line["median"].map(m.display), name=r, legendgroup=r, showlegend=col == 1,
                mode="lines+markers", line={"color": colour_of(r, order), "width": 3}, marker={"size": 9},
                error_y={"type": "data", "symmetric": False, "array": (line["q3"] - line["median"]).map(m.display),
                         "arrayminus": (line["median"] - line["q1"]).map(m.display)},
                hovertemplate=f"N=%{{x}}: %{{y:.4g}} {m.display_unit}<extra>{r}</extra>"), row=1, col=col)
        fig.update_xaxes(title_text=t.text("chart.instances_axis"), row=1, col=col)
        fig.update_yaxes(title_text=m.display_unit, rangemode="tozero", row=1, col=col)
    _layout(fig, t.text("chart.density_title"), t, height=460,
            legend={"orientation": "h", "y": -0.22, "x": 0})
    fig.update_layout(margin={"t": 100})  # room for the panel titles under the chart's own
    return fig


def io_figure(summary: pd.DataFrame, metrics: Sequence[str], order: list[str], t: Catalogue,
              refs: Sequence[Reference] = ()) -> go.Figure:
    """Grouped bars: each I/O figure's median as a ratio to native's (1 = the same as native)."""
    arrow = {"higher": "↑", "lower": "↓"}
    labels = {name: f"{t(metric(name).label).replace(' (', '<br>(')}<br>{arrow[metric(name).better]} "
                    f"{_direction(name, t)}" for name in metrics}
    fig = go.Figure()
    for r in _present(summary, order):
        rows = summary[summary["runtime"] == r].set_index("metric")
        shown = [name for name in metrics if name in rows.index and not math.isnan(rows.at[name, "ratio"])]
        fig.add_trace(go.Bar(
            x=[labels[n] for n in shown], y=[rows.at[n, "ratio"] for n in shown], name=r,
            marker={"color": colour_of(r, order)},
            error_y={"type": "data", "array": [rows.at[n, "ratio_spread"] for n in shown], "thickness": 1.5},
            text=[format_ratio(rows.at[n, "ratio"], t.lang) for n in shown], textposition="outside",
            hovertemplate="%{y:.2f}" + TIMES[t.lang] + " native<extra>" + r + "</extra>"))
    for ref in refs:
        if ref.kind == "ratio" and ref.metric in labels:
            fig.add_trace(go.Scatter(
                x=[labels[ref.metric]], y=[ref.value], mode="markers+text",
                name=f"ref. [{number_of(ref)}] ({t.text('chart.published')})",
                marker={"symbol": "star-diamond", "size": 18, "color": REFERENCE_COLOUR}, text=[f"ref. [{number_of(ref)}]"],
                textposition="middle right",
                hovertemplate=f"{t(ref.label)}<extra>{t.text('chart.published')}</extra>"))
    fig.add_hline(y=1, line={"color": "#222", "width": 1})
    return _layout(fig, t.text("chart.io_title"), t, height=500,
                   barmode="group", yaxis={"title": t.text("chart.ratio_axis"), "rangemode": "tozero"},
                   xaxis={"tickangle": 0}, legend={"orientation": "h", "y": -0.3, "x": 0})


def cpu_figure(rows: pd.DataFrame, metric_name: str, order: list[str], t: Catalogue,
               refs: Sequence[Reference] = ()) -> go.Figure:
    """A bar per runtime at the median (Q1–Q3 error bars), its ratio to native written on it."""
    m = metric(metric_name)
    runtimes = [r for r in order if r in rows.index]
    med = [m.display(rows.at[r, "median"]) for r in runtimes]
    text = [t.text("chart.baseline") if rows.at[r, "is_baseline"] else
            ("–" if math.isnan(rows.at[r, "ratio"]) else format_ratio(rows.at[r, "ratio"], t.lang)) for r in runtimes]
    fig = go.Figure(go.Bar(
        x=runtimes, y=med, text=text, textposition="outside", marker={"color": [colour_of(r, order) for r in runtimes]},
        error_y={"type": "data", "symmetric": False,
                 "array": [m.display(rows.at[r, "q3"]) - v for r, v in zip(runtimes, med)],
                 "arrayminus": [v - m.display(rows.at[r, "q1"]) for r, v in zip(runtimes, med)]},
        hovertemplate=f"%{{y:.4g}} {m.display_unit}<extra>%{{x}}</extra>"))
    log = needs_log_axis(med)
    baseline = rows[rows["is_baseline"]]
    if not baseline.empty:
        native = m.display(baseline["median"].iloc[0])
        for ref in refs:
            if ref.kind == "ratio":
                _reference_line(fig, ref, native * ref.value, t, (min(med), max(med)), log)
    title = f"{t(m.label)} ({m.display_unit}) — {_direction(metric_name, t)}"
    title += t.text("chart.log_scale") if log else ""
    axis = {"title": m.display_unit, "type": "log"} if log else {"title": m.display_unit, "rangemode": "tozero"}
    return _layout(fig, title, t, yaxis=axis, showlegend=False)
