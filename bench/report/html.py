"""The HTML report: one self-contained file that opens offline in a classroom.

plotly.js is embedded once at the top, then every chart is a div that uses
it. ``render_html`` returns the page as a string; writing it is the caller's
job (``bench.report.write_report``).
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.offline

from bench import metadata as md
from bench.report.checks import collect_warnings
from bench.report.context import ReportContext, escape as _e
from bench.report.i18n import Catalogue
from bench.report.literature import REFERENCES
from bench.report.overview import overview_table
from bench.report.sections import section
from bench.report.sources import SessionSet
from bench.report.vm import vm_section
from bench.results import SessionData
from runtimes import BASELINE

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;padding:1.5em;color:#222}
h1{margin-bottom:.2em} h2{margin-top:2em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
.sub{color:#555;margin-top:0} .note{background:#f3f7fb;border-left:4px solid #0072B2;padding:.6em 1em}
.warn{background:#fff6e5;border-left:4px solid #E69F00;padding:.6em 1em} .warn li{margin:.2em 0}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.92em} th,td{padding:.3em .7em;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left} th{background:#f4f4f4} .meta td{text-align:left}
.muted{color:#888} code{background:#f4f4f4;padding:0 .2em}
.explain{background:#f5faf5;border-left:4px solid #009E73;padding:.6em 1em}
.refs{border:1px dashed #6b6b6b;padding:.5em 1em;margin:1em 0;font-size:.92em;color:#333} .cite{color:#666}
table.overview{font-size:1.25em} table.overview td,table.overview th{padding:.45em 1em}
table.scorecard td,table.scorecard th{text-align:center} table.scorecard td:first-child,table.scorecard th:first-child{text-align:left}
.sc-pass{background:#d9f2e3;color:#05612f;font-weight:600} .sc-fail{background:#fbdcd6;color:#8f1d08;font-weight:600}
.sc-mixed{background:#fff0c8;color:#6b4d00} .sc-none{color:#999} table.density td{white-space:nowrap}
tr.sc-group th{text-align:left;background:#f4f4f4;font-weight:600;padding-top:.6em}
details.sc-why{display:inline;font-size:.85em;color:#666} details.sc-why summary{display:inline;cursor:pointer}
details.sc-why[open]{display:block;max-width:38em}
body{font-size:17px}
"""


def _runtimes_section(ctx: ReportContext) -> str:
    t, rows = ctx.t, []
    for name in ctx.order:
        info = ctx.data.runtimes.get(name)
        if info is None:
            continue
        versions = "; ".join(f"{t.value(tool)}: {t.value(v)}" for tool, v in info.versions.items()) or "–"
        rows.append(f"<tr><td>{_e(name)}</td><td>{_e(t(info.summary))}</td><td>{_e(t(info.launch))}</td><td>{_e(versions)}</td></tr>")
    return (f'<section id="runtimes"><h2>{t("Runtimes")}</h2><table class="meta"><tr><th>{t("runtime")}</th>'
            f"<th>{t('what it is')}</th><th>{t('how an instance starts')}</th><th>{t('tools')}</th></tr>"
            + "".join(rows) + "</table></section>")


def _host_section(data: SessionData, label: str, t: Catalogue) -> str:
    meta = data.info.metadata
    rows = [f"<tr><td>{_e(t(md.label(k)) if k in md.METADATA else md.label(k))}</td><td>{_e(t.value(md.format_value(k, v, t.lang)))}</td></tr>" for k, v in meta.items()]
    anchor, title = ("host", t("Host")) if not label else (f"host-{_e(label)}", f"{t('Host')}: {_e(label)}")
    return f'<section id="{anchor}"><h2>{title}</h2><table class="meta">' + "".join(rows) + "</table></section>"


def _header(ctx: ReportContext, sides: SessionSet, generated_at: str) -> list[str]:
    t = ctx.t
    lines = []
    for side in sides.sides:
        info, meta = side.data.info, side.data.info.metadata
        who = f"{_e(side.label)}: " if len(sides.sides) > 1 else ""
        lines.append(f'<p class="sub">{who}{t("Session")} {_e(info.id)} · {t("started")} {_e(info.started_at)} · '
                     f'{_e(meta.get("hostname", "?"))}, {_e(meta.get("cpu_model", "?"))}, {t("kernel")} '
                     f'{_e(meta.get("kernel", "?"))}, cgroup {_e(meta.get("cgroup_version", "?"))} · '
                     f'{t("report generated")} {_e(generated_at)}</p>')
    lines.append("<p>" + t("The same workload ran under each runtime: {runtimes}. Every figure is the median of repeated "
                           "runs after warm-up; ratios are to <b>{b}</b> (a plain process) measured in the same session. "
                           "Error bars and boxes span the middle half of the runs (Q1–Q3), and each dot is one run.",
                           runtimes=", ".join(_e(r) for r in ctx.order), b=BASELINE) + "</p>")
    return lines


def _warnings(ctx: ReportContext, sides: SessionSet) -> list[str]:
    t = ctx.t
    if len(sides.sides) == 1:
        return collect_warnings(ctx.data, ctx.summary, t)
    out = [t("These sessions ran on different hosts ({what}): compare their ratios to native, not their absolute "
             "figures.", what="; ".join(diffs)) for diffs in [sides.host_differences()] if diffs]
    for side in sides.sides:
        side_ctx_summary = ctx.summary[ctx.summary["runtime"].str.endswith(f" · {side.label}")]
        out += [f"{side.label}: {w}" for w in collect_warnings(side.data, side_ctx_summary, t)]
    return out


def _literature(ctx: ReportContext) -> str:
    t = ctx.t
    items = "".join(f'<li><b>{_e(t(r.label))}</b> — {_e(t(r.citation))}, {_e(t(r.where))}.</li>' for r in REFERENCES)
    return (f'<section id="literature"><h2>{t("References")}</h2><p class="sub">'
            + t("Published figures drawn beside this host's as grey dotted lines, stars or hatched bars marked "
                "ref. [n]. They were measured on other hardware, mostly with KVM, so expect the same order of "
                "magnitude and the same ranking, not the same numbers.")
            + f"</p><ol>{items}</ol></section>")


def render_html(data: SessionData | Sequence[SessionData], generated_at: str, lang: str = "en") -> str:
    """The whole report page for one session, or several side by side, as a string."""
    sides = SessionSet.of([data] if isinstance(data, SessionData) else list(data))
    merged, summary, order = sides.side_by_side()
    ctx = ReportContext(data=merged, summary=summary, order=order, t=Catalogue(lang))
    t = ctx.t
    title = ", ".join(side.data.info.id for side in sides.sides)
    parts = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>isobench — {_e(title)}</title><style>{_CSS}</style>",
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script></head><body>',
        f"<h1>{t('isobench: what isolation costs')}</h1>",
        *_header(ctx, sides, generated_at),
        overview_table(ctx),
    ]
    warnings = _warnings(ctx, sides)
    if warnings:
        parts.append(f'<div class="warn"><b>{t("Read these first")}</b><ul>'
                     + "".join(f"<li>{_e(w)}</li>" for w in warnings) + "</ul></div>")
    parts += [section(s, ctx) for s in merged.scenarios]
    vm = vm_section(merged, summary, t)
    if vm:
        parts.append(vm)
    parts.append(_runtimes_section(ctx))
    parts += [_host_section(side.data, side.label if len(sides.sides) > 1 else "", t) for side in sides.sides]
    parts.append(_literature(ctx))
    commands = "; ".join(side.data.info.command for side in sides.sides)
    parts.append(f'<p class="muted">{t("Command")}: <code>{_e(commands)}</code></p></body></html>')
    return "\n".join(parts)
