"""The report's VM section: where a VM's start-up time goes, and what its guest sees.

Built from the figures a runtime reports about its own boot (``vm_boot_*``,
``vm_guest_*``, see ``bench.metrics``), whichever runtime reports them: the
section appears when one does, and says nothing otherwise. ``vm_section``
returns HTML; ``boot_figure`` returns the chart and neither writes nor prints.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from bench.metrics import metric
from bench.report.charts import PALETTE, number_layout
from bench.report.i18n import Catalogue
from bench.results import SessionData

# Consecutive phases of launch → READY, in order (bench.metrics has their labels).
BOOT_PHASES = ("vm_boot_prepare_s", "vm_boot_define_s", "vm_boot_qemu_s", "vm_boot_firmware_s",
               "vm_boot_kernel_s", "vm_boot_initramfs_s", "vm_boot_probe_s")


def _e(text: object) -> str:
    return html.escape(str(text))


def _boot_scenario(data: SessionData, summary: pd.DataFrame) -> str | None:
    """The scenario to show the boot of: the start-up one (mode ready) if it has phases, else any."""
    with_phases = set(summary[summary["metric"].isin(BOOT_PHASES)]["scenario"])
    ordered = sorted(data.scenarios, key=lambda s: (s.mode != "ready", s.order))
    return next((s.name for s in ordered if s.name in with_phases), None)


def _medians(summary: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """runtime × metric → median, for one scenario."""
    rows = summary[summary["scenario"] == scenario]
    return rows.pivot_table(index="runtime", columns="metric", values="median", aggfunc="first")


def boot_figure(medians: pd.DataFrame, t: Catalogue | None = None) -> go.Figure:
    """One horizontal bar per VM runtime, stacked by boot phase (ms)."""
    t = t or Catalogue()
    fig = go.Figure()
    for i, phase in enumerate(p for p in BOOT_PHASES if p in medians.columns):
        m = metric(phase)
        fig.add_trace(go.Bar(
            y=list(medians.index), x=[m.display(v) for v in medians[phase]], orientation="h",
            name=t(m.label).removeprefix("VM: "), marker={"color": PALETTE[i % len(PALETTE)]},
            hovertemplate=f"{_e(t(m.label))}: %{{x:.0f}} ms<extra>%{{y}}</extra>"))
    fig.update_layout(barmode="stack", template="plotly_white", height=190 + 40 * len(medians.index),
                      title={"text": t("launch → READY, phase by phase (ms, medians)"), "font": {"size": 18}}, font={"size": 15},
                      xaxis={"title": "ms", "rangemode": "tozero"},
                      legend={"orientation": "h", "traceorder": "normal", "y": -0.5, "yanchor": "top"},
                      margin={"l": 80, "r": 20, "t": 50, "b": 90}, **number_layout(t.lang))
    return fig


def _share(part: float, total: float) -> str:
    return f"{part / total:.0%}" if part >= total / 100 else "<1%"


def _phase_table(runtime: str, row: pd.Series, t: Catalogue) -> str:
    phases = [p for p in BOOT_PHASES if p in row and pd.notna(row[p])]
    total = sum(row[p] for p in phases)
    body = "".join(
        f"<tr><td>{_e(t(metric(p).label).removeprefix('VM: '))}</td><td style=\"text-align:left\">"
        f"{_e(t(metric(p).description))}</td><td>{metric(p).format(row[p], unit=False, lang=t.lang)}</td>"
        f"<td>{_share(row[p], total)}</td></tr>" for p in phases)
    ready = t(" (launch → READY median: {v})", v=metric('ready_s').format(row['ready_s'], lang=t.lang)) \
        if pd.notna(row.get("ready_s")) else ""
    return (f"<p><b>{_e(runtime)}</b>: " + t("the phases add up to {v}", v=metric('ready_s').format(total, lang=t.lang))
            + f"{ready}.</p>"
            f'<table class="phases"><tr><th>{t("phase")}</th><th style="text-align:left">{t("what happens")}</th>'
            f"<th>{t('median')} (ms)</th><th>{t('share')}</th></tr>"
            f"{body}</table>")


def _libvirt_share(runtime: str, row: pd.Series, t: Catalogue) -> str:
    """What the management layer itself adds, in one sentence."""
    own = row.get("vm_boot_define_s")
    start = row.get("vm_boot_qemu_s")
    if own is None or start is None or pd.isna(own) or pd.isna(start):
        return ""
    return "<p>" + t("{runtime}'s own work before QEMU runs takes {own}; QEMU starting while libvirt configures it "
                     "takes {start}. Everything after that — firmware, kernel, initramfs, probe — is the guest booting, "
                     "which a hand-started QEMU pays too.", runtime=_e(runtime),
                     own=metric('ready_s').format(own, lang=t.lang),
                     start=metric('ready_s').format(start, lang=t.lang)) + "</p>"


def _guest_memory(data: SessionData, summary: pd.DataFrame, t: Catalogue) -> str:
    rows = summary[summary["metric"].isin(["vm_guest_mem_total_bytes", "vm_guest_mem_available_bytes", "host_pss_bytes"])]
    held = [s.name for s in data.scenarios if s.mode in ("idle", "mem")]
    parts = []
    for scenario in held:
        medians = _medians(rows, scenario)
        for runtime, r in medians.iterrows():
            if pd.isna(r.get("vm_guest_mem_total_bytes")):
                continue
            host = t("; the host pays {v} for the whole VM (QEMU's PSS)",
                     v=metric('host_pss_bytes').format(r['host_pss_bytes'], lang=t.lang)) \
                if pd.notna(r.get("host_pss_bytes")) else ""
            parts.append("<p>" + t("In the {scenario} scenario, {runtime}'s guest sees {total}, of which {available} is "
                                   "still available while the probe holds still", scenario=_e(scenario), runtime=_e(runtime),
                                   total=metric('vm_guest_mem_total_bytes').format(
                                       r['vm_guest_mem_total_bytes'], lang=t.lang),
                                   available=metric('vm_guest_mem_available_bytes').format(
                                       r['vm_guest_mem_available_bytes'], lang=t.lang))
                         + f"{host}.</p>")
    return "".join(parts)


def _accelerators(data: SessionData, runtimes: list[str], t: Catalogue) -> str:
    parts = []
    for name in runtimes:
        versions = data.runtimes[name].versions if name in data.runtimes else {}
        if "accelerator" in versions:
            how = t("hardware virtualisation (KVM)") if versions["accelerator"] == "kvm" else t("software emulation (TCG)")
            parts.append("<p>" + t("{name} ran under {how}", name=_e(name), how=how)
                         + f": {_e(t.stored(versions.get('accelerator check', '')))}. "
                         + t("Disk") + f": {_e(t.value(versions.get('disk', '?')))}.</p>")
    return "".join(parts)


def vm_section(data: SessionData, summary: pd.DataFrame, t: Catalogue | None = None) -> str:
    """The whole section, or "" when no runtime reported a boot."""
    t = t or Catalogue()
    scenario = _boot_scenario(data, summary)
    if scenario is None:
        return ""
    medians = _medians(summary, scenario)
    medians = medians[medians.columns.intersection(["ready_s", *BOOT_PHASES])]
    medians = medians.dropna(how="all", subset=list(medians.columns.intersection(BOOT_PHASES)))
    if medians.empty:
        return ""
    fig = boot_figure(medians, t)
    out = [f'<section id="vm"><h2>{t("Inside the VM: where the start-up time goes")}</h2>',
           '<p class="sub">' + t("launch → READY in the {scenario} scenario, split into the phases a VM goes through "
                                 "(medians of each phase, so they add up to about the median total). Host-side moments "
                                 "come from the host's clock; the guest kernel's start comes from the guest's own clock, "
                                 "so that split is good to about 10 ms.", scenario=_e(scenario)) + "</p>",
           fig.to_html(full_html=False, include_plotlyjs=False, div_id="chart-vm-boot",
                       config={"displaylogo": False, "responsive": True})]
    for runtime, row in medians.iterrows():
        out += [_phase_table(runtime, row, t), _libvirt_share(runtime, row, t)]
    out += [_accelerators(data, list(medians.index), t), _guest_memory(data, summary, t), "</section>"]
    return "\n".join(out)
