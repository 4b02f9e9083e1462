"""The HTML report: one self-contained file that opens offline in a classroom.

plotly.js is embedded once at the top, then every chart is a div that uses
it. ``build_page`` gathers the report as data (bench.report.view), ``render_html``
renders it through the templates (bench.report.render) and returns the page as a
string; writing it is the caller's job (``bench.report.write_report``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from bench import metadata as md
from bench.report.answers import answers, families_present
from bench.report.checks import collect_warnings, grouped_warnings
from bench.report.context import ReportContext
from bench.report.i18n import Catalogue
from bench.report.literature import REFERENCES
from bench.report.overview import overview_table
from bench.report.sections import section
from bench.report.sources import SessionSet
from bench.report.render import render_page
from bench.report.view import Cell, LiteratureItem, Page, Paragraph, Row, Section, Table, TableBlock, WarningGroup
from bench.report.vm import vm_section
from bench.results import SessionData
from runtimes import BASELINE


def _runtimes_section(ctx: ReportContext) -> Section:
    t, rows = ctx.t, []
    for name in ctx.order:
        info = ctx.data.runtimes.get(name)
        if info is None:
            continue
        versions = "; ".join(f"{t.value(tool)}: {t.value(info.notes.get(tool, v))}"
                             for tool, v in info.versions.items()) or "–"
        rows.append(Row((Cell(name), Cell(t(info.summary)), Cell(t(info.launch)), Cell(versions))))
    head = tuple(Cell(t.text(code), header=True)
                 for code in ("table.runtime", "runtimes.what", "runtimes.how", "runtimes.tools"))
    return Section("runtimes", t.text("runtimes.heading"), (TableBlock(Table("meta", head, tuple(rows))),))


def _host_section(data: SessionData, label: str, t: Catalogue) -> Section:
    meta = data.info.metadata
    rows = tuple(Row((Cell(t(md.label(k)) if k in md.METADATA else md.label(k)),
                      Cell(t.message(message) if (message := md.stored_message(k, v)) is not None
                           else t.value(md.format_value(k, v, t.lang))))) for k, v in meta.items())
    table = TableBlock(Table("meta", (), rows))
    if not label:
        return Section("host", t.text("host.heading"), (table,))
    return Section(f"host-{label}", f"{t.text('host.heading')}: {label}", (table,))


def _subtitles(ctx: ReportContext, sides: SessionSet, generated_at: str) -> tuple[str, ...]:
    t = ctx.t
    lines = []
    for side in sides.sides:
        info, meta = side.data.info, side.data.info.metadata
        who = f"{side.label}: " if len(sides.sides) > 1 else ""
        lines.append(f'{who}{t.text("page.session")} {info.id} · {t.text("page.started")} {info.started_at} · '
                     f'{meta.get("hostname", "?")}, {meta.get("cpu_model", "?")}, {t.text("page.kernel")} '
                     f'{meta.get("kernel", "?")}, cgroup {meta.get("cgroup_version", "?")}'
                     + (f', init {meta["init"]}' if "init" in meta else "")  # sessions before it was recorded
                     + f' · {t.text("page.generated")} {generated_at}')
    return tuple(lines)


def _warnings(ctx: ReportContext, sides: SessionSet) -> list[str]:
    t = ctx.t
    if len(sides.sides) == 1:
        return collect_warnings(ctx.data, ctx.summary, t)
    out = [t.text("warnings.other_hosts", what="; ".join(diffs)) for diffs in [sides.host_differences()] if diffs]
    for side in sides.sides:
        side_ctx_summary = ctx.summary[ctx.summary["session"] == side.label]  # a column, not the label's suffix
        out += [f"{side.label}: {w}" for w in collect_warnings(side.data, side_ctx_summary, t)]
    return out


def _collapsed(scenario: Section) -> Section:
    """A scenario's question and note on show; its charts, tables, setup figures and literature one click away."""
    shown = 0
    for block in scenario.blocks:
        if not (isinstance(block, Paragraph) and block.css in ("sub", "note")):
            break
        shown += 1
    return dataclasses.replace(scenario, shown=shown)


def _warning_groups(ctx: ReportContext, sides: SessionSet) -> tuple[WarningGroup, ...]:
    """One line per kind of caveat; side by side, each side's items carry its label."""
    t = ctx.t
    if len(sides.sides) == 1:
        return tuple(grouped_warnings(ctx.data, ctx.summary, t))
    merged: dict[str, WarningGroup] = {}
    if diffs := sides.host_differences():
        merged["other"] = WarningGroup("other", t.text("warnings.kind_other"),
                                       (t.text("warnings.other_hosts", what="; ".join(diffs)),))
    for side in sides.sides:
        for g in grouped_warnings(side.data, ctx.summary[ctx.summary["session"] == side.label], t):
            items = tuple(f"{side.label}: {w}" for w in g.items)
            old = merged.get(g.kind)
            merged[g.kind] = dataclasses.replace(old, items=old.items + items) if old else dataclasses.replace(g, items=items)
    return tuple(merged.values())


def _literature(t: Catalogue) -> tuple[LiteratureItem, ...]:
    return tuple(LiteratureItem(t(r.label), f"{t(r.citation)}, {t(r.where)}") for r in REFERENCES)


def build_page(data: SessionData | Sequence[SessionData], generated_at: str, t: Catalogue) -> Page:
    """The whole report as data: one session, or several side by side."""
    sides = SessionSet.of([data] if isinstance(data, SessionData) else list(data))
    merged, summary, order = sides.side_by_side()
    ctx = ReportContext(data=merged, summary=summary, order=order, t=t)
    sections = [_collapsed(section(s, ctx)) for s in merged.scenarios]
    vm = vm_section(merged, summary, t)
    if vm is not None:
        sections.append(dataclasses.replace(vm, shown=0))
    sections.append(dataclasses.replace(_runtimes_section(ctx), shown=0))
    sections += [dataclasses.replace(_host_section(side.data, side.label if len(sides.sides) > 1 else "", t), shown=0)
                 for side in sides.sides]
    return Page(
        lang=t.lang, title=", ".join(side.data.info.id for side in sides.sides),
        subtitles=_subtitles(ctx, sides, generated_at),
        intro=t.html("page.intro", runtimes=", ".join(ctx.order), b=BASELINE),
        overview=overview_table(ctx), warnings=tuple(_warnings(ctx, sides)), sections=tuple(sections),
        literature=_literature(t), command="; ".join(side.data.info.command for side in sides.sides),
        answers=answers(ctx), families=families_present(ctx), warning_groups=_warning_groups(ctx, sides))


def render_html(data: SessionData | Sequence[SessionData], generated_at: str, lang: str = "en") -> str:
    """The whole report page for one session, or several side by side, as a string."""
    t = Catalogue(lang)
    return render_page(build_page(data, generated_at, t), t)
