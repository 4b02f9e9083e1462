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
from bench.report.context import ReportContext, chart_of, escape as _e
from bench.report.scorecard import scores


def _median(ctx: ReportContext, chart: str, metric_name: str) -> dict[str, float]:
    s = ctx.summary
    names = [sc.name for sc in ctx.data.scenarios if chart_of(sc) == chart]
    rows = s[s["scenario"].isin(names[:1]) & (s["metric"] == metric_name)]
    return dict(zip(rows["runtime"], rows["median"]))


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


def overview_table(ctx: ReportContext) -> str:
    t = ctx.t
    ready = _median(ctx, "startup", "ready_s")
    memory = _median(ctx, "memory", "host_pss_bytes")
    io = io_speed(ctx)
    iso = scores(ctx.data.samples)
    dash = '<span class="muted">–</span>'
    rows = []
    for r in ctx.order:
        cells = [
            metric("ready_s").format(ready[r], lang=t.lang) if r in ready else dash,
            metric("host_pss_bytes").format(memory[r], lang=t.lang) if r in memory else dash,
            format_ratio(io[r], t.lang) if r in io else dash,
            iso[r].format() if r in iso else dash,
        ]
        rows.append(f"<tr><td>{_e(r)}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = (f"<tr><th>{t('runtime')}</th><th>{t('start-up (launch → READY)')}</th>"
            f"<th>{t('memory per instance (host PSS)')}</th><th>{t('I/O speed vs native')}</th>"
            f"<th>{t('isolation checks passed')}</th></tr>")
    return (f'<section id="overview"><h2>{t("The session at a glance")}</h2>'
            f'<table class="overview">{head}{"".join(rows)}</table>'
            f'<p class="sub">{t("Medians of this session. I/O: the geometric mean over the I/O figures of each one’s speed relative to native (1× = native, 0.5× = half its speed). Isolation: checks blocked in every run, of those run. – : not measured in this session.")}</p>'
            "</section>")
