"""One report section per scenario, drawn with the chart its question needs.

Every section: the question and how it was asked, the scenario's note, an
explanation written for students of what the chart shows and why, the chart,
a table (units, median, IQR, ratio to native), and the published figures
that sit beside it.
"""

from __future__ import annotations

import functools

import pandas as pd
import plotly.graph_objects as go

from bench.metrics import format_ratio, metric
from bench.report import charts
from bench.report.context import ReportContext, chart_of, escape as _e
from bench.report.literature import number_of, references_for
from bench.report.scorecard import scorecard_table
from bench.report.tables import headline, metric_table
from bench.errors import BenchError
from bench.results import ScenarioInfo
from bench.scenario import Scenario, load_all
from bench.runner import DAEMON_PREFIX, SETUP_ITERATION
from runtimes import BASELINE

EXPLANATIONS = {
    "startup": (
        "A plain process and chroot share the host's kernel: starting one is a fork and an exec. A container shares "
        "the kernel too, but first creates its namespaces, a cgroup and its mounts, which takes milliseconds. A "
        "virtual machine boots a guest kernel of its own, which takes seconds, and many times longer under emulation. "
        "Bars are medians, error bars span the middle half of the runs (Q1–Q3), each dot is one run."),
    "memory": (
        "Containers share the host's kernel and its page cache, so an idle one costs little more than its own "
        "processes. A virtual machine carries a guest kernel, the guest's own page cache and QEMU: memory the host "
        "pays even while the workload does nothing. Copy-on-write layers (OverlayFS) let many containers share one "
        "image's files on disk and in memory."),
    "density": (
        "How many instances fit on one host is what decides the cost of a service. Each line is one runtime: as N "
        "grows, the host memory used grows by each instance's cost, and the time until all N are ready grows with "
        "how much work each start needs. Containers share one kernel and one copy of the image's files; every "
        "virtual machine needs its own guest kernel and memory."),
    "io": (
        "native and chroot write to the host's file system directly. A container writes through OverlayFS, a "
        "copy-on-write layer: the first write to a file copies it up from the image. The OpenVZ-style container's "
        "disk is an image file mounted through a loop device; a VM's disk is a file behind a virtual disk that QEMU "
        "emulates, so every I/O crosses into QEMU and back. Bars are ratios to native: 1× is the same; for "
        "throughput below 1× is slower, for latencies above 1× is slower."),
    "cpu": (
        "Computation runs directly on the CPU in every container: namespaces and cgroups change what a process may "
        "see and use, not how its instructions run. A VM with hardware virtualisation (KVM) runs guest instructions "
        "on the CPU too. Only emulation (QEMU's TCG, used when KVM is not available) translates every guest "
        "instruction, which makes it many times slower."),
    "scorecard": (
        "Each cell is an attempt made from inside the instance, measured in every run. chroot changes only the root "
        "directory: the process still shares PIDs, network, hostname and devices with the host, and a root process "
        "can climb out of it (the classic chroot escape). Containers block these with namespaces, a reduced set of "
        "capabilities and seccomp; a virtual machine has a kernel of its own, so the host's processes, interfaces "
        "and devices are not even there to see."),
}


def _figure_html(fig: go.Figure, div_id: str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def _capped(scenario: ScenarioInfo, ctx: ReportContext) -> str:
    """Which runtimes ran fewer measured runs than the scenario asks, and why."""
    ran = set(ctx.data.runs[ctx.data.runs["scenario"] == scenario.name]["runtime"])
    capped = {name: n for name, n in scenario.capped.items() if name in ran}
    if not capped:
        return ""
    which = ", ".join(ctx.t("{name} ran {n}", name=_e(name), n=n) for name, n in capped.items())
    return ctx.t("; {which} only: each of its runs takes seconds (a whole VM boots), so the runtime caps its runs to "
                 "keep the suite within minutes, and its figures rest on fewer runs", which=which)


def _references(metric_names: list[str], ctx: ReportContext) -> str:
    refs = [r for name in metric_names for r in references_for(name)]
    if not refs:
        return ""
    t = ctx.t
    items = "".join(f'<li value="{number_of(r)}"><b>{_e(t(r.label))}</b>. {_e(t(r.claim))} '
                    f'<span class="cite">{_e(t(r.citation))}, {_e(t(r.where))}. {_e(t("Checked:"))} {_e(t(r.checked))}.</span></li>'
                    for r in refs)
    return (f'<div class="refs"><b>{t("What the literature measured — other hardware, not this host")}</b>'
            f"<ol>{items}</ol></div>")


def _per_metric(scenario: ScenarioInfo, ctx: ReportContext, draw) -> list[str]:
    """For each figure of the scenario: ``draw(rows, name)``'s chart, the headline and the table."""
    out = []
    for name in scenario.metrics:
        rows = ctx.rows(scenario.name, name)
        if rows.empty:
            out.append(f'<p class="muted">{ctx.t("No {label} figures: every run failed or none ran.", label=_e(ctx.t(metric(name).label)))}</p>')
            continue
        fig = draw(rows, name)
        if fig is not None:
            out.append(_figure_html(fig, f"chart-{scenario.name}-{name}"))
        out += [f"<p>{_e(headline(rows, name, ctx))}</p>", metric_table(rows, name, ctx)]
    return out


def _body(scenario: ScenarioInfo, ctx: ReportContext) -> list[str]:
    kind, t, order = chart_of(scenario), ctx.t, ctx.order
    samples = ctx.samples(scenario.name)
    if kind == "memory":
        rows = ctx.summary[ctx.summary["scenario"] == scenario.name]
        refs = [r for name in scenario.metrics for r in references_for(name)]
        fig = charts.memory_figure(rows, order, t, refs) if not rows.empty else None
        head = [_figure_html(fig, f"chart-{scenario.name}")] if fig is not None else []
        return head + _per_metric(scenario, ctx, lambda rows, name: None)
    if kind == "io":
        rows = ctx.summary[ctx.summary["scenario"] == scenario.name]
        refs = [r for name in scenario.metrics for r in references_for(name)]
        head = [_figure_html(charts.io_figure(rows, scenario.metrics, order, t, refs), f"chart-{scenario.name}")] \
            if not rows.empty else []
        return head + _per_metric(scenario, ctx, lambda rows, name: None)
    if kind == "cpu":
        return _per_metric(scenario, ctx, lambda rows, name: charts.cpu_figure(rows, name, order, t, references_for(name)))
    if kind == "scorecard":
        table = scorecard_table(samples, order, ctx, scenario.metrics)
        return [table or f'<p class="muted">{t("No isolation checks were recorded.")}</p>']
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


def section(scenario: ScenarioInfo, ctx: ReportContext) -> str:
    t, data = ctx.t, ctx.data
    description_es, note_es = _texts(scenario) if t.lang == "es" else ("", "")
    workload = _e(" ".join([scenario.mode, *scenario.args]))
    out = [f'<section id="{_e(scenario.name)}"><h2>{_e(scenario.name)}</h2>',
           f'<p class="sub">{_e(t.pick(scenario.description, description_es))} — '
           + t("workload: <code>probe {w}</code>, {n} runs after {k} warm-up(s) per runtime",
               w=workload, n=scenario.repetitions, k=scenario.warmup)
           + f"{_capped(scenario, ctx)}.</p>"]
    note = t.pick(scenario.note, note_es)
    if note:
        out.append(f'<p class="note">{_e(note)}</p>')
    out.append(f'<p class="explain"><b>{t("What this shows")}:</b> {_e(t(EXPLANATIONS[chart_of(scenario)]))}</p>')
    skipped = [s for s in data.skips if s.scenario == scenario.name]
    if skipped:
        out.append(f'<p class="muted">{t("Not run here:")} ' + "; ".join(f"{_e(s.runtime)} ({_e(t.stored(s.reason))})" for s in skipped) + "</p>")
    out += _body(scenario, ctx)
    if chart_of(scenario) == "memory":
        out.append(_daemon_costs(scenario, ctx))
    out.append(_references(list(scenario.metrics), ctx))
    out.append(_setup_figures(scenario, ctx))
    out.append("</section>")
    return "\n".join(part for part in out if part)


def _setup_figures(scenario: ScenarioInfo, ctx: ReportContext) -> str:
    """Figures a runtime measured once while it was set up (e.g. an OpenVZ-style CT's start)."""
    s = ctx.data.samples
    rows = s[(s["scenario"] == scenario.name) & (s["iteration"] == SETUP_ITERATION)
             & ~s["metric"].str.startswith(DAEMON_PREFIX)]  # shown apart, by _daemon_costs
    if rows.empty:
        return ""
    t = ctx.t
    cells = "".join(f"<tr><td>{_e(r.runtime)}</td><td>{_e(t(metric(r.metric).label))}</td>"
                    f"<td>{_e(metric(r.metric).format(r.value, lang=t.lang))}</td></tr>" for r in rows.itertuples())
    return (f'<p>{t("Measured once per scenario, while the runtime was being set up (one sample, so no spread):")}</p>'
            f'<table class="setup"><tr><th>{t("runtime")}</th><th>{t("figure")}</th><th>{t("value")}</th></tr>{cells}</table>')


DAEMONS_EXPLAINED = (
    "Docker is a client and a daemon: the docker command only sends a request to dockerd, which asks containerd, "
    "which starts a small shim per container, and the shim runs runc, which creates the container and exits. "
    "dockerd and containerd keep running whether any container runs or not, shared by all of them, so their "
    "memory is in no container's figure above: it is here, measured once while no container ran. box and podman "
    "have no daemon: the command you type sets the container up itself (podman keeps only a small conmon beside "
    "each container, counted in its figure). libvirt's VMs rely on a daemon too, libvirtd.")


def _daemon_costs(scenario: ScenarioInfo, ctx: ReportContext) -> str:
    """What the daemons a runtime relies on cost while idle (``Runtime.daemons``), and which runtimes need none."""
    s = ctx.samples(scenario.name)
    rows = s[(s["iteration"] == SETUP_ITERATION) & s["metric"].str.startswith(DAEMON_PREFIX)]
    ran = [name for name in ctx.order if name in set(s["runtime"])]
    if rows.empty or not ran:
        return ""  # no runtime with a daemon ran here (or an older store): nothing to set beside
    t, pss = ctx.t, metric("host_pss_bytes")
    cells = []
    for name in ran:
        mine = rows[rows["runtime"] == name]
        if mine.empty:
            cells.append(f'<tr><td>{_e(name)}</td><td class="muted">{t("none")}</td><td>—</td></tr>')
        for r in mine.itertuples():
            daemon = r.metric[len(DAEMON_PREFIX):-len("_pss_bytes")]
            cells.append(f"<tr><td>{_e(name)}</td><td>{_e(daemon)}</td><td>{_e(pss.format(r.value, lang=t.lang))}</td></tr>")
        if len(mine) > 1:
            cells.append(f'<tr class="total"><td>{_e(name)}</td><td>{t("all its daemons")}</td>'
                         f'<td>{_e(pss.format(mine["value"].sum(), lang=t.lang))}</td></tr>')
    return (f'<h3>{t("What the daemons cost")}</h3><p class="explain">{_e(t(DAEMONS_EXPLAINED))}</p>'
            f'<table class="daemons"><tr><th>{t("runtime")}</th><th>{t("daemon")}</th>'
            f'<th>{t("memory while idle (PSS)")}</th></tr>{"".join(cells)}</table>')


# -- density -------------------------------------------------------------------------

INSTANCE_COUNT = ("instances_count",)  # the metric that carries each run's N (bench.density)


def density_points(samples: pd.DataFrame) -> pd.DataFrame:
    """runtime × N × metric → median, q1, q3 of every density figure, N taken from each run's own count."""
    counts = samples[samples["metric"].isin(INSTANCE_COUNT)][["runtime", "iteration", "value"]]
    if counts.empty:
        return pd.DataFrame(columns=["runtime", "instances", "metric", "median", "q1", "q3"])
    counts = counts.rename(columns={"value": "instances"})
    figures = samples[samples["metric"].str.startswith("density_") & ~samples["metric"].isin(INSTANCE_COUNT)]
    merged = figures.merge(counts, on=["runtime", "iteration"])
    grouped = merged.groupby(["runtime", "instances", "metric"], sort=False)["value"]
    out = grouped.median().rename("median").to_frame()
    out["q1"], out["q3"] = grouped.quantile(0.25), grouped.quantile(0.75)
    return out.reset_index()


def _density(scenario: ScenarioInfo, ctx: ReportContext) -> list[str]:
    points = density_points(ctx.samples(scenario.name))
    t = ctx.t
    if points.empty:
        return [f'<p class="muted">{t("No density figures: no run recorded how many instances it started.")}</p>']
    out = [_figure_html(charts.density_figure(points, ctx.order, t), f"chart-{scenario.name}")]
    present = set(points["metric"])
    for name in [m for m in scenario.metrics if m in present] + sorted(present - set(scenario.metrics)):
        out.append(_density_table(points[points["metric"] == name], name, ctx))
    return out


def _density_table(part: pd.DataFrame, name: str, ctx: ReportContext) -> str:
    """runtime × N: the median, its IQR and its ratio to native's at the same N."""
    t, m = ctx.t, metric(name)
    cells = {(r.runtime, r.instances): r for r in part.itertuples()}
    ns = sorted({n for _, n in cells})
    native = {n: cells[(r, n)].median for (r, n) in cells if r == BASELINE}

    def cell(runtime: str, n: float) -> str:
        r = cells.get((runtime, n))
        if r is None:
            return "<td>–</td>"
        extra = [f"IQR {m.format(r.q3 - r.q1, unit=False, lang=t.lang)}"]
        if runtime != BASELINE and native.get(n):
            extra.append(format_ratio(r.median / native[n], t.lang))
        return f'<td>{m.format(r.median, lang=t.lang)}<br><span class="muted">{"<br>".join(extra)}</span></td>'

    head = f"<tr><th>{t('runtime')}</th>" + "".join(f"<th>N = {int(n)}</th>" for n in ns) + "</tr>"
    body = "".join(f"<tr><td>{_e(r)}</td>" + "".join(cell(r, n) for n in ns) + "</tr>"
                   for r in ctx.order if any((r, n) in cells for n in ns))
    return (f"<p><b>{_e(t(m.label))}</b> ({_e(m.display_unit)}; {t('median, IQR and ratio to native at the same N')})</p>"
            f'<table class="figures density">{head}{body}</table>')
