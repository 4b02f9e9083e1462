"""The report's first screen: one row per runtime, the session's answers at a glance.

Start-up is launch → READY; memory is the host's PSS for one idle instance;
I/O is the geometric mean, over the I/O figures, of each one's speed relative
to native (higher-is-better figures as runtime/native, latencies as
native/runtime), so 1× is native and 0.5× is half its speed; isolation is how
many scorecard checks every run blocked.
"""

from __future__ import annotations

import math

from bench.metrics import format_ratio, metric
from bench.report.checks import figure_flags
from bench.report.context import ReportContext, chart_of
from bench.report.scorecard import scores
from bench.report.view import Cell, Paragraph, Row, Section, Table, TableBlock


def medians_of(ctx: ReportContext, chart: str, metric_name: str) -> dict[str, float]:
    s = ctx.summary
    names = [sc.name for sc in ctx.data.scenarios if chart_of(sc) == chart]
    rows = s[s["scenario"].isin(names[:1]) & (s["metric"] == metric_name)]
    return dict(zip(rows["runtime"], rows["median"]))


def flags_of(ctx: ReportContext, chart: str, metric_name: str) -> dict[str, frozenset[str]]:
    """runtime → the caveats its figure carries (high spread, emulated VM), marked as in the figures tables."""
    s = ctx.summary
    names = [sc.name for sc in ctx.data.scenarios if chart_of(sc) == chart]
    rows = s[s["scenario"].isin(names[:1]) & (s["metric"] == metric_name)]
    return {r.runtime: figure_flags(ctx.data, r.runtime, r.n, r.relative_iqr) for r in rows.itertuples()}


def io_speed(ctx: ReportContext) -> dict[str, float]:
    """runtime → geometric mean of its I/O speed relative to native (1 = native)."""
    s = ctx.summary
    names = {sc.name for sc in ctx.data.scenarios if chart_of(sc) == "io"}
    rows = s[s["scenario"].isin(names) & s["ratio"].notna() & (s["ratio"] > 0)]
    out = {}
    for runtime, group in rows.groupby("runtime", sort=False):
        logs = [math.log(r.ratio if metric(r.metric).better == "higher" else 1 / r.ratio) for r in group.itertuples()]
        out[runtime] = math.exp(sum(logs) / len(logs))
    return out


def overview_table(ctx: ReportContext) -> Section:
    """The first screen's section: its table (medians, I/O speed, isolation score) and how to read it."""
    t = ctx.t
    ready = medians_of(ctx, "startup", "ready_s")
    memory = medians_of(ctx, "memory", "host_pss_bytes")
    io = io_speed(ctx)
    iso = scores(ctx.data.samples)
    ready_flags, memory_flags = flags_of(ctx, "startup", "ready_s"), flags_of(ctx, "memory", "host_pss_bytes")
    dash = Cell(notes=("–",), flags=frozenset({"not_measured"}))
    rows = []
    for r in ctx.order:
        rows.append(Row((
            Cell(r),
            Cell(metric("ready_s").format(ready[r], lang=t.lang), value=ready[r], unit="s", flags=ready_flags[r])
            if r in ready else dash,
            Cell(metric("host_pss_bytes").format(memory[r], lang=t.lang), value=memory[r], unit="bytes",
                 flags=memory_flags[r]) if r in memory else dash,
            Cell(format_ratio(io[r], t.lang), value=io[r], unit="×") if r in io else dash,
            Cell(iso[r].format(), value=iso[r].passed) if r in iso else dash)))
    head = tuple(Cell(t.text(code), header=True) for code in (
        "overview.runtime", "overview.startup", "overview.memory", "overview.io", "overview.isolation"))
    return Section("overview", t.text("overview.heading"), (
        TableBlock(Table("overview", head, tuple(rows))),
        Paragraph(t.text("overview.note"), css="sub")), template="overview")
