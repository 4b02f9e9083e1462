"""One report section per scenario, drawn with the chart its question needs, built as data (bench.report.view).

Every section: the question and how it was asked, the scenario's note, an
explanation written for students of what the chart shows and why, the chart,
a table (units, median, IQR, ratio to native), and the published figures
that sit beside it.
"""

from __future__ import annotations

import functools

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from bench.metrics import format_ratio, metric
from bench.report import charts
from bench.report.context import ReportContext, chart_of
from bench.report.literature import number_of, references_for
from bench.report.scorecard import scorecard_table
from bench.report.sources import baseline_of
from bench.report.tables import headline, metric_table
from bench.errors import BenchError
from bench.results import DAEMON_PREFIX, SETUP, ScenarioInfo
from bench.scenario import Scenario, load_all
from bench.report.view import (Block, Cell, Chart, Heading, Paragraph, Reference, References, Row, Section, Table,
                               TableBlock)
from runtimes import BASELINE


def _chart(fig: go.Figure, div_id: str) -> Chart:
    return Chart(div_id, fig.to_dict())


def _capped(scenario: ScenarioInfo, ctx: ReportContext) -> str:
    """Which runtimes ran fewer measured runs than the scenario asks, and why."""
    ran = set(ctx.data.runs[ctx.data.runs["scenario"] == scenario.name]["runtime"])
    capped = {name: n for name, n in scenario.capped.items() if name in ran}
    if not capped:
        return ""
    which = ", ".join(ctx.t.text("scenario.capped_one", name=name, n=n) for name, n in capped.items())
    return ctx.t.text("scenario.capped", which=which)


def _references(metric_names: list[str], ctx: ReportContext) -> list[Block]:
    refs = [r for name in metric_names for r in references_for(name)]
    if not refs:
        return []
    t = ctx.t
    return [References(t.text("refs.heading"), tuple(
        Reference(number_of(r), t(r.label), t(r.claim),
                  f"{t(r.citation)}, {t(r.where)}. {t.text('refs.checked')} {t(r.checked)}.") for r in refs))]


def _per_metric(scenario: ScenarioInfo, ctx: ReportContext, draw) -> list[Block]:
    """For each figure of the scenario: ``draw(rows, name)``'s chart, the headline and the table."""
    out: list[Block] = []
    for name in scenario.metrics:
        rows = ctx.rows(scenario.name, name)
        if rows.empty:
            out.append(Paragraph(ctx.t.text("scenario.no_figures", label=ctx.t(metric(name).label)), css="muted"))
            continue
        fig = draw(rows, name)
        if fig is not None:
            out.append(_chart(fig, f"chart-{scenario.name}-{name}"))
        out += [Paragraph(headline(rows, name, ctx)), TableBlock(metric_table(rows, name, ctx))]
    return out


def _body(scenario: ScenarioInfo, ctx: ReportContext) -> list[Block]:
    kind, t, order = chart_of(scenario), ctx.t, ctx.order
    samples = ctx.samples(scenario.name)
    if kind == "memory":
        rows = ctx.summary[ctx.summary["scenario"] == scenario.name]
        refs = [r for name in scenario.metrics for r in references_for(name)]
        fig = charts.memory_figure(rows, order, t, refs) if not rows.empty else None
        head: list[Block] = [_chart(fig, f"chart-{scenario.name}")] if fig is not None else []
        return head + _per_metric(scenario, ctx, lambda rows, name: None)
    if kind == "io":
        rows = ctx.summary[ctx.summary["scenario"] == scenario.name]
        refs = [r for name in scenario.metrics for r in references_for(name)]
        head = [_chart(charts.io_figure(rows, scenario.metrics, order, t, refs), f"chart-{scenario.name}")] \
            if not rows.empty else []
        return head + _per_metric(scenario, ctx, lambda rows, name: None)
    if kind == "cpu":
        return _per_metric(scenario, ctx, lambda rows, name: charts.cpu_figure(rows, name, order, t, references_for(name)))
    if kind == "scorecard":
        table = scorecard_table(samples, order, ctx, scenario.metrics)
        return [TableBlock(table), Paragraph(t.text("scorecard.legend"), css="muted")] if table \
            else [Paragraph(t.text("scorecard.none"), css="muted")]
    if kind == "density":
        return _density(scenario, ctx)
    return _per_metric(scenario, ctx, lambda rows, name: charts.metric_figure(samples, name, order, t, references_for(name)))


@functools.cache
def _current_files() -> dict[str, Scenario]:
    try:
        return {s.name: s for s in load_all()}
    except BenchError:
        return {}


def _texts(scenario: ScenarioInfo) -> tuple[str, str]:
    """Spanish description and note: stored with the session, else from today's file if its English is the same.

    Sessions recorded before scenarios carried Spanish get it this way, but never
    for a text that has changed since.
    """
    if scenario.description_es:
        return scenario.description_es, scenario.note_es
    now = _current_files().get(scenario.name)
    if now and (now.description, now.note) == (scenario.description, scenario.note):
        return now.description_es, now.note_es
    return "", ""


def section(scenario: ScenarioInfo, ctx: ReportContext) -> Section:
    """One scenario's section: how it was asked, what it shows, its charts and tables, the literature."""
    t, data = ctx.t, ctx.data
    description_es, note_es = _texts(scenario) if t.lang == "es" else ("", "")
    workload = " ".join([scenario.mode, *scenario.args])
    blocks: list[Block] = [Paragraph(
        Markup("{} — {}{}.").format(t.pick(scenario.description, description_es),
                                     t.html("scenario.workload", w=workload, n=scenario.repetitions, k=scenario.warmup),
                                     _capped(scenario, ctx)), css="sub")]
    note = t.pick(scenario.note, note_es)
    if note:
        blocks.append(Paragraph(note, css="note"))
    blocks.append(Paragraph(t.text(f"{chart_of(scenario)}.explain"), css="explain",
                            lead=f'{t.text("scenario.explain_heading")}:'))
    skipped = [s for s in data.skips if s.scenario == scenario.name]
    if skipped:
        blocks.append(Paragraph(f'{t.text("scenario.not_run")} '
                                + "; ".join(f"{s.runtime} ({t.stored(s.reason_message or s.reason)})" for s in skipped),
                                css="muted"))
    blocks += _body(scenario, ctx)
    if chart_of(scenario) == "memory":
        blocks += _daemon_costs(scenario, ctx)
    blocks += _references(list(scenario.metrics), ctx)
    blocks += _setup_figures(scenario, ctx)
    return Section(scenario.name, scenario.name, tuple(blocks))


def _setup_figures(scenario: ScenarioInfo, ctx: ReportContext) -> list[Block]:
    """Figures a runtime measured once while it was set up (e.g. an OpenVZ-style CT's start)."""
    s = ctx.data.samples
    rows = s[(s["scenario"] == scenario.name) & (s["kind"] == SETUP)
             & ~s["metric"].str.startswith(DAEMON_PREFIX)]  # shown apart, by _daemon_costs
    if rows.empty:
        return []
    t = ctx.t
    body = tuple(Row((Cell(r.runtime), Cell(t(metric(r.metric).label)),
                      Cell(metric(r.metric).format(r.value, lang=t.lang), value=r.value, unit=metric(r.metric).unit)))
                 for r in rows.itertuples())
    head = tuple(Cell(t.text(code), header=True) for code in ("table.runtime", "table.figure", "table.value"))
    return [Paragraph(t.text("scenario.setup_intro")), TableBlock(Table("setup", head, body))]


def _daemon_costs(scenario: ScenarioInfo, ctx: ReportContext) -> list[Block]:
    """What the daemons a runtime relies on cost while idle (``Runtime.daemons``), and which runtimes need none."""
    s = ctx.samples(scenario.name)
    rows = s[(s["kind"] == SETUP) & s["metric"].str.startswith(DAEMON_PREFIX)]
    ran = [name for name in ctx.order if name in set(s["runtime"])]
    if rows.empty or not ran:
        return []  # no runtime with a daemon ran here (or an older store): nothing to set beside
    t, pss = ctx.t, metric("host_pss_bytes")
    body = []
    for name in ran:
        mine = rows[rows["runtime"] == name]
        if mine.empty:
            body.append(Row((Cell(name), Cell(t.text("daemons.none"), css="muted"), Cell("—"))))
        for r in mine.itertuples():
            daemon = r.metric[len(DAEMON_PREFIX):-len("_pss_bytes")]
            body.append(Row((Cell(name), Cell(daemon), Cell(pss.format(r.value, lang=t.lang), value=r.value, unit="bytes"))))
        if len(mine) > 1:
            total = mine["value"].sum()
            body.append(Row((Cell(name), Cell(t.text("daemons.all")),
                             Cell(pss.format(total, lang=t.lang), value=total, unit="bytes")), css="total"))
    head = tuple(Cell(t.text(code), header=True) for code in ("table.runtime", "daemons.daemon", "daemons.memory"))
    return [Heading(t.text("daemons.heading")), Paragraph(t.text("daemons.explain"), css="explain"),
            TableBlock(Table("daemons", head, tuple(body)))]


# -- density -------------------------------------------------------------------------

def density_points(samples: pd.DataFrame) -> pd.DataFrame:
    """runtime × N × metric → median, q1, q3 of every density figure, N taken from each run's own count."""
    figures = samples[samples["metric"].str.startswith("density_") & samples["instances"].notna()]
    if figures.empty:
        return pd.DataFrame(columns=["runtime", "instances", "metric", "median", "q1", "q3"])
    grouped = figures.groupby(["runtime", "instances", "metric"], sort=False)["value"]
    out = grouped.median().rename("median").to_frame()
    out["q1"], out["q3"] = grouped.quantile(0.25), grouped.quantile(0.75)
    return out.reset_index()


def _density(scenario: ScenarioInfo, ctx: ReportContext) -> list[Block]:
    points = density_points(ctx.samples(scenario.name))
    t = ctx.t
    if points.empty:
        return [Paragraph(t.text("density.none"), css="muted")]
    out: list[Block] = [_chart(charts.density_figure(points, ctx.order, t), f"chart-{scenario.name}")]
    present = set(points["metric"])
    for name in [m for m in scenario.metrics if m in present] + sorted(present - set(scenario.metrics)):
        m = metric(name)
        noisy = f"; {t.text('density.noisy_view')}" if name.startswith("density_mem_") else ""
        out += [Paragraph(f"({m.display_unit}; {t.text('density.table_note')}{noisy})", lead=t(m.label)),
                TableBlock(_density_table(points[points["metric"] == name], name, ctx))]
    return out


def _density_table(part: pd.DataFrame, name: str, ctx: ReportContext) -> Table:
    """runtime × N: the median, its IQR and its ratio to native's at the same N."""
    t, m = ctx.t, metric(name)
    cells = {(r.runtime, r.instances): r for r in part.itertuples()}
    ns = sorted({n for _, n in cells})
    base = baseline_of(ctx.data.samples)  # side by side: each session's own native

    def cell(runtime: str, n: float) -> Cell:
        r = cells.get((runtime, n))
        if r is None:
            return Cell("–")
        if m.unit == "bytes" and r.median < 0:  # MemAvailable fell less than the host's own drift: noise, not a cost
            return Cell(t.text("memory.below_noise"), css="muted", value=r.median, unit=m.unit,
                        flags=frozenset({"below_noise"}))
        notes = [f"IQR {m.format(r.q3 - r.q1, unit=False, lang=t.lang)}"]
        native = cells.get((base.get(runtime, ""), n))
        if base.get(runtime) != runtime and native is not None and native.median:
            notes.append(format_ratio(r.median / native.median, t.lang))
        return Cell(m.format(r.median, lang=t.lang), notes=tuple(notes), stacked=True, value=r.median, unit=m.unit)

    head = (Cell(t.text("table.runtime"), header=True), *(Cell(f"N = {int(n)}", header=True) for n in ns))
    body = tuple(Row((Cell(r), *(cell(r, n) for n in ns))) for r in ctx.order if any((r, n) in cells for n in ns))
    return Table("figures density", head, body)
