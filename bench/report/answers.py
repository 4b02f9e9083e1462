"""The first screen: the lesson's four questions, each with one chart and one sentence from this session.

How long to start (launch → READY), what one more instance costs in host memory (its PSS, idle),
what storage costs (I/O speed relative to native, the geometric mean over the I/O figures), and
what each runtime keeps in (scorecard attempts blocked in every run). Every chart is a horizontal
bar per runtime, runtimes grouped by family (bench.report.families) in the same order and colours
on all four, so a row can be followed across them.

The sentences compare a family's representative: ``box`` for the application containers and
``libvirt`` for the VMs when they ran, else the family's fastest; a sentence that lacks one of
its runtimes falls back to naming the best and the worst.
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from bench.metrics import TIMES, localize, metric
from bench.report.charts import FONT, needs_log_axis, number_layout
from bench.report.context import ReportContext
from bench.report.families import FAMILIES, TEXT_OF, family_of
from bench.report.checks import emulated_runtimes
from bench.report.overview import flags_of, medians_of, io_speed
from bench.report.scorecard import scores
from bench.report.view import Answer, Chart
from runtimes import BASELINE

REPRESENTATIVE = {"app": "box", "vm": "libvirt"}
BAR_PX, CHART_MARGIN_PX = 20, 50   # 16 runtimes: a 370 px chart, two rows of two fit a 900 px screen


def readable(value: float, stored_unit: str, lang: str) -> str:
    """A figure in the unit its size reads best in: '5.9 s' not '5,885 ms', '1.2 GiB' not '1,229 MiB'.

    Each figure picks its own unit, so a sentence may say "9.2 ms … 2.0 s": a reader compares the
    numbers the sentence gives, and the ratio beside them, not digits across a column.
    """
    if stored_unit == "s":
        scaled = ((value, "s") if value >= 1 else (value * 1e3, "ms") if value >= 1e-3 else (value * 1e6, "µs"))
    elif stored_unit == "bytes":
        scaled = (value / 2**30, "GiB") if value >= 2**30 else (value / 2**20, "MiB")
    else:
        return format_number(value, lang)
    number, unit = scaled
    # Two figures a class can read aloud ("5.9 s", "22 ms", "231 MiB"): the ratio beside them carries the precision.
    return f"{localize(f'{number:.1f}' if number < 10 else f'{number:,.0f}', lang)} {unit}"


def times(ratio: float, lang: str) -> str:
    """A ratio for a sentence: '15×', '2.3×' (Spanish '2,3 ×')."""
    return localize(f"{ratio:.0f}" if ratio >= 10 else f"{ratio:.1f}", lang) + TIMES[lang]


def _pick(values: dict[str, float], family: str, best: Callable[..., str] = min) -> str | None:
    """The family's representative among the runtimes with a figure, else its best one."""
    mine = [r for r in values if family_of(r).code == family]
    if not mine:
        return None
    wanted = [r for r in mine if r.split(" · ")[0] == REPRESENTATIVE.get(family)]
    return wanted[0] if wanted else best(mine, key=values.get)


# A flagged figure's mark, as in the tables (templates/table.html.j2), so the warning line's "(marked ≈)" holds here too.
MARKS = {"high_spread": "≈", "vm_emulated": "⚠"}


def _marked(text: str, flags: frozenset[str]) -> str:
    return " ".join([text, *(MARKS[f] for f in sorted(flags) if f in MARKS)])


def _bar_chart(div_id: str, values: dict[str, float], ctx: ReportContext, shown: Callable[[float], float],
               label: Callable[[float], str], axis: str, log: bool = False,
               flags: dict[str, frozenset[str]] | None = None) -> Chart:
    runtimes = [r for r in ctx.order if r in values]
    x = [shown(values[r]) for r in runtimes]
    flags = flags or {}
    fig = go.Figure(go.Bar(
        y=runtimes, x=x, orientation="h", marker={"color": [family_of(r).colour for r in runtimes]},
        text=[_marked(label(values[r]), flags.get(r, frozenset())) for r in runtimes], textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{text}<extra></extra>", showlegend=False))
    fig.update_layout(font={**FONT, "size": 13}, template="plotly_white", height=BAR_PX * len(runtimes) + CHART_MARGIN_PX,
                      margin={"l": 80, "r": 70, "t": 10, "b": 35}, bargap=0.25, **number_layout(ctx.t.lang),
                      yaxis={"autorange": "reversed", "automargin": True},
                      xaxis={"title": {"text": axis, "standoff": 4}, **({"type": "log"} if log else {"rangemode": "tozero"})})
    return Chart(div_id, fig.to_dict())


def _startup(ctx: ReportContext) -> Answer | None:
    t, m = ctx.t, metric("ready_s")
    ready = medians_of(ctx, "startup", "ready_s")
    if not ready:
        return None
    fmt = lambda v: readable(v, m.unit, t.lang)  # noqa: E731
    proc, app, vm = ready.get(BASELINE), _pick(ready, "app"), _pick(ready, "vm")
    if proc and app and vm:
        text = t.text("answers.startup_takeaway", app=app, a=fmt(ready[app]), ax=times(ready[app] / proc, t.lang),
                      vm=vm, v=fmt(ready[vm]), vx=times(ready[vm] / ready[app], t.lang))
    else:
        fast, slow = min(ready, key=ready.get), max(ready, key=ready.get)
        text = t.text("answers.range", best=fast, b=fmt(ready[fast]), worst=slow, w=fmt(ready[slow]))
    log = needs_log_axis(list(ready.values()))
    chart = _bar_chart("answer-startup", ready, ctx, m.display, fmt,
                       f"{m.display_unit}{t.text('chart.log_scale') if log else ''}", log,
                       flags=flags_of(ctx, "startup", "ready_s"))
    return Answer("answer-startup", t.text("answers.startup_title"), text, chart)


def _memory(ctx: ReportContext) -> Answer | None:
    t, m = ctx.t, metric("host_pss_bytes")
    pss = medians_of(ctx, "memory", "host_pss_bytes")
    if not pss:
        return None
    fmt = lambda v: readable(v, m.unit, t.lang)  # noqa: E731
    app, vm = _pick(pss, "app"), _pick(pss, "vm")
    if app and vm:
        text = t.text("answers.memory_takeaway", app=app, a=fmt(pss[app]), vm=vm, v=fmt(pss[vm]),
                      vx=times(pss[vm] / pss[app], t.lang))
    else:
        low, high = min(pss, key=pss.get), max(pss, key=pss.get)
        text = t.text("answers.range", best=low, b=fmt(pss[low]), worst=high, w=fmt(pss[high]))
    chart = _bar_chart("answer-memory", pss, ctx, m.display, fmt, f"{m.display_unit} (PSS)",
                       flags=flags_of(ctx, "memory", "host_pss_bytes"))
    return Answer("answer-memory", t.text("answers.memory_title"), text, chart)


def _storage(ctx: ReportContext) -> Answer | None:
    t = ctx.t
    speed = io_speed(ctx)
    if not speed:
        return None
    fmt = lambda v: times(v, t.lang) if v >= 10 else localize(f"{v:.2f}", t.lang) + TIMES[t.lang]  # noqa: E731
    app, vm = _pick(speed, "app", max), _pick(speed, "vm", max)
    if app and vm:
        text = t.text("answers.storage_takeaway", app=app, a=fmt(speed[app]), vm=vm, v=fmt(speed[vm]))
    else:
        best, worst = max(speed, key=speed.get), min(speed, key=speed.get)
        text = t.text("answers.range", best=best, b=fmt(speed[best]), worst=worst, w=fmt(speed[worst]))
    # A mean of several figures: only the emulated VM's caveat applies to it as a whole.
    emulated = {r: frozenset({"vm_emulated"}) for r in emulated_runtimes(ctx.data)}
    chart = _bar_chart("answer-storage", speed, ctx, float, fmt, t.text("answers.storage_axis"), flags=emulated)
    return Answer("answer-storage", t.text("answers.storage_title"), text, chart)


def _isolation(ctx: ReportContext) -> Answer | None:
    t = ctx.t
    score = scores(ctx.data.samples)
    if not score:
        return None
    passed = {r: float(s.passed) for r, s in score.items()}
    total = max(s.total for s in score.values())
    by_family: dict[str, list[int]] = {}
    for r, s in score.items():
        by_family.setdefault(family_of(r).code, []).append(s.passed)
    parts = [t.text("answers.isolation_part", family=t.text(TEXT_OF[f.code]),
                    n=f"{min(by_family[f.code])}" if min(by_family[f.code]) == max(by_family[f.code])
                    else f"{min(by_family[f.code])}–{max(by_family[f.code])}")
             for f in FAMILIES if f.code in by_family]
    text = t.text("answers.isolation_takeaway", total=total, parts="; ".join(parts))
    chart = _bar_chart("answer-isolation", passed, ctx, float, lambda v: f"{v:.0f}/{total}",
                       t.text("answers.isolation_axis", total=total))
    return Answer("answer-isolation", t.text("answers.isolation_title"), text, chart)


def answers(ctx: ReportContext) -> tuple[Answer, ...]:
    """The four answers, each left out when this session measured nothing for it."""
    return tuple(a for a in (_startup(ctx), _memory(ctx), _storage(ctx), _isolation(ctx)) if a is not None)


def families_present(ctx: ReportContext) -> tuple[tuple[str, str], ...]:
    """(family name, colour) of every family with a runtime in the report: the legend shared by the charts."""
    codes = {family_of(r).code for r in ctx.order}
    return tuple((ctx.t.text(TEXT_OF[f.code]), f.colour) for f in FAMILIES if f.code in codes)
