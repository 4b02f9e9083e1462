"""The HTML report: one self-contained file that opens offline in a classroom.

plotly.js is embedded once at the top, then every chart is a div that uses
it. ``render_html`` returns the page as a string; writing it is the caller's
job (``bench.report.write_report``).
"""

from __future__ import annotations

import functools
import html
import math

import pandas as pd
import plotly.offline

from bench import metadata as md
from bench.metrics import metric
from bench.report.charts import metric_figure
from bench.report.checks import collect_warnings
from bench.report.summary import runtime_order, summary_table
from bench.report.vm import vm_section
from bench.results import ScenarioInfo, SessionData
from bench.runner import SETUP_ITERATION
from runtimes import BASELINE

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;padding:1.5em;color:#222}
h1{margin-bottom:.2em} h2{margin-top:2em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
.sub{color:#555;margin-top:0} .note{background:#f3f7fb;border-left:4px solid #0072B2;padding:.6em 1em}
.warn{background:#fff6e5;border-left:4px solid #E69F00;padding:.6em 1em} .warn li{margin:.2em 0}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.92em} th,td{padding:.3em .7em;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left} th{background:#f4f4f4} .meta td{text-align:left}
.muted{color:#888} code{background:#f4f4f4;padding:0 .2em}
"""


def _e(text: object) -> str:
    return html.escape(str(text))




def _ratio_cell(row: pd.Series) -> str:
    if row["runtime"] == BASELINE:
        return "1× (baseline)"
    if math.isnan(row["ratio"]):
        why = f"{BASELINE} is 0" if row["baseline_zero"] else f"no {BASELINE} figure"
        return f'<span class="muted">– ({why})</span>'
    text = f"{row['ratio']:.2f}× ± {row['ratio_spread']:.2f}"
    if row["significant"] is False:
        text += ' <span class="muted">(not significant)</span>'
    return text


def _metric_table(rows: pd.DataFrame, metric_name: str) -> str:
    m = metric(metric_name)
    unit = _e(m.display_unit)
    head = (f"<tr><th>runtime</th><th>median ({unit})</th><th>IQR ({unit})</th><th>min – max ({unit})</th>"
            f"<th>runs</th><th>outliers</th><th>vs {BASELINE}</th></tr>")
    body = []
    for _, r in rows.iterrows():
        f = functools.partial(m.format, unit=False)
        body.append(
            f"<tr><td>{_e(r['runtime'])}</td><td>{f(r['median'])}</td><td>{f(r['iqr'])}</td>"
            f"<td>{f(r['min'])} – {f(r['max'])}</td><td>{r['n']}</td><td>{r['outliers']}</td>"
            f"<td>{_ratio_cell(r)}</td></tr>")
    return f'<table class="figures">{head}{"".join(body)}</table>'


def headline(rows: pd.DataFrame, metric_name: str) -> str:
    """One sentence a class can read aloud: each runtime's median, and its ratio."""
    m = metric(metric_name)
    parts = []
    for _, r in rows.iterrows():
        part = f"{r['runtime']} {m.format(r['median'])}"
        if r["runtime"] != BASELINE and not math.isnan(r["ratio"]):
            part += f" ({r['ratio']:.2f}× {BASELINE})"
        parts.append(part)
    return f"Median {m.label}: " + "; ".join(parts) + "."


def _capped(scenario: ScenarioInfo, data: SessionData) -> str:
    """Which runtimes ran fewer measured runs than the scenario asks, and why."""
    ran = set(data.runs[data.runs["scenario"] == scenario.name]["runtime"])
    capped = {name: n for name, n in scenario.capped.items() if name in ran}
    if not capped:
        return ""
    which = ", ".join(f"{_e(name)} ran {n}" for name, n in capped.items())
    return (f"; {which} only: each of its runs takes seconds (a whole VM boots), so the runtime caps its runs to "
            "keep the suite within minutes, and its figures rest on fewer runs")


def _section(scenario: ScenarioInfo, data: SessionData, summary: pd.DataFrame, order: list[str]) -> str:
    out = [f'<section id="{_e(scenario.name)}"><h2>{_e(scenario.name)}</h2>',
           f'<p class="sub">{_e(scenario.description)} — workload: <code>probe {_e(" ".join([scenario.mode, *scenario.args]))}</code>, '
           f'{scenario.repetitions} runs after {scenario.warmup} warm-up(s) per runtime{_capped(scenario, data)}.</p>']
    if scenario.note:
        out.append(f'<p class="note">{_e(scenario.note)}</p>')
    skipped = [s for s in data.skips if s.scenario == scenario.name]
    if skipped:
        out.append("<p class=\"muted\">Not run here: " + "; ".join(f"{_e(s.runtime)} ({_e(s.reason)})" for s in skipped) + "</p>")
    drawn = 0
    for metric_name in scenario.metrics:
        rows = summary[(summary["scenario"] == scenario.name) & (summary["metric"] == metric_name)]
        if rows.empty:
            out.append(f'<p class="muted">No {_e(metric(metric_name).label)} figures: every run failed or none ran.</p>')
            continue
        rows = rows.set_index("runtime", drop=False).loc[[r for r in order if r in set(rows["runtime"])]]
        fig = metric_figure(data.samples[data.samples["scenario"] == scenario.name], metric_name, order)
        out.append(fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{scenario.name}-{metric_name}",
                               config={"displaylogo": False, "responsive": True}))
        out.append(f"<p>{_e(headline(rows, metric_name))}</p>")
        out.append(_metric_table(rows, metric_name))
        drawn += 1
    setup = _setup_figures(scenario, data)
    out += [setup] if setup else []
    out.append("</section>")
    return "\n".join(out)


def _setup_figures(scenario: ScenarioInfo, data: SessionData) -> str:
    """Figures a runtime measured once while it was set up (e.g. an OpenVZ-style CT's start)."""
    rows = data.samples[(data.samples["scenario"] == scenario.name) & (data.samples["iteration"] == SETUP_ITERATION)]
    if rows.empty:
        return ""
    cells = "".join(f"<tr><td>{_e(r.runtime)}</td><td>{_e(metric(r.metric).label)}</td>"
                    f"<td>{_e(metric(r.metric).format(r.value))}</td></tr>" for r in rows.itertuples())
    return ('<p>Measured once per scenario, while the runtime was being set up (one sample, so no spread):</p>'
            f'<table class="setup"><tr><th>runtime</th><th>figure</th><th>value</th></tr>{cells}</table>')


def _runtimes_section(data: SessionData, order: list[str]) -> str:
    rows = []
    for name in order:
        info = data.runtimes.get(name)
        if info is None:
            continue
        versions = "; ".join(f"{tool}: {v}" for tool, v in info.versions.items()) or "–"
        rows.append(f"<tr><td>{_e(name)}</td><td>{_e(info.summary)}</td><td>{_e(info.launch)}</td><td>{_e(versions)}</td></tr>")
    return ('<section id="runtimes"><h2>Runtimes</h2><table class="meta"><tr><th>runtime</th><th>what it is</th>'
            "<th>how an instance starts</th><th>tools</th></tr>" + "".join(rows) + "</table></section>")


def _host_section(data: SessionData) -> str:
    meta = data.info.metadata
    rows = [f"<tr><td>{_e(md.label(k))}</td><td>{_e(md.format_value(k, v))}</td></tr>" for k, v in meta.items()]
    return '<section id="host"><h2>Host</h2><table class="meta">' + "".join(rows) + "</table></section>"


def render_html(data: SessionData, generated_at: str) -> str:
    """The whole report page for one session, as a string."""
    summary = summary_table(data)
    order = runtime_order(data)
    warnings = collect_warnings(data, summary)
    meta = data.info.metadata
    parts = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>isobench — {_e(data.info.id)}</title><style>{_CSS}</style>",
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script></head><body>',
        "<h1>isobench: what isolation costs</h1>",
        f'<p class="sub">Session {_e(data.info.id)} · started {_e(data.info.started_at)} · '
        f'{_e(meta.get("hostname", "?"))}, {_e(meta.get("cpu_model", "?"))}, kernel {_e(meta.get("kernel", "?"))}, '
        f'cgroup {_e(meta.get("cgroup_version", "?"))} · report generated {_e(generated_at)}</p>',
        f'<p>The same workload ran under each runtime: {", ".join(_e(r) for r in order)}. '
        f"Every figure is the median of repeated runs after warm-up; ratios are to <b>{BASELINE}</b> (a plain process) "
        "measured in this same session. In charts, the box spans the middle half of the runs, the line is the median, "
        "and each dot is one run.</p>",
    ]
    if warnings:
        parts.append('<div class="warn"><b>Read these first</b><ul>'
                     + "".join(f"<li>{_e(w)}</li>" for w in warnings) + "</ul></div>")
    parts += [_section(s, data, summary, order) for s in data.scenarios]
    vm = vm_section(data, summary)
    if vm:
        parts.append(vm)
    parts.append(_runtimes_section(data, order))
    parts.append(_host_section(data))
    parts.append(f'<p class="muted">Command: <code>{_e(data.info.command)}</code></p></body></html>')
    return "\n".join(parts)
