"""The report's VM section: where a VM's start-up time goes, and what its guest sees.

Built from the figures a runtime reports about its own boot (``vm_boot_*``,
``vm_guest_*``, see ``bench.metrics``), whichever runtime reports them: the
section appears when one does, and says nothing otherwise. ``vm_section``
returns the section as data (bench.report.view); ``boot_figure`` returns the chart and neither writes nor prints.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from bench.metrics import metric
from bench.report.charts import PALETTE, number_layout
from bench.report.i18n import Catalogue
from bench.report.view import Block, Cell, Chart, Paragraph, Row, Section, Table, TableBlock
from bench.results import SessionData
from runtimes.kernel.messages import Message

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
                      title={"text": t.text("vm.chart_title"), "font": {"size": 18}}, font={"size": 15},
                      xaxis={"title": "ms", "rangemode": "tozero"},
                      legend={"orientation": "h", "traceorder": "normal", "y": -0.5, "yanchor": "top"},
                      margin={"l": 80, "r": 20, "t": 50, "b": 90}, **number_layout(t.lang))
    return fig


def _share(part: float, total: float) -> str:
    return f"{part / total:.0%}" if part >= total / 100 else "<1%"


def _phase_table(runtime: str, row: pd.Series, t: Catalogue) -> list[Block]:
    phases = [p for p in BOOT_PHASES if p in row and pd.notna(row[p])]
    total = sum(row[p] for p in phases)
    body = tuple(Row((Cell(t(metric(p).label).removeprefix("VM: ")), Cell(t(metric(p).description), left=True),
                      Cell(metric(p).format(row[p], unit=False, lang=t.lang), value=row[p], unit="s"),
                      Cell(_share(row[p], total), value=row[p] / total if total else None)))
                 for p in phases)
    ready = t.text("vm.ready_median", v=metric("ready_s").format(row["ready_s"], lang=t.lang)) \
        if pd.notna(row.get("ready_s")) else ""
    head = (Cell(t.text("vm.phase"), header=True), Cell(t.text("vm.what_happens"), header=True, left=True),
            Cell(f"{t.text('vm.median_ms')} (ms)", header=True), Cell(t.text("vm.share"), header=True))
    return [Paragraph(t.text("vm.phases_add_up", v=metric("ready_s").format(total, lang=t.lang)) + f"{ready}.",
                      lead=f"{runtime}:"),
            TableBlock(Table("phases", head, body))]


# Phases from launch until the guest kernel's clock starts: where a management layer can add time.
BEFORE_KERNEL = ("vm_boot_prepare_s", "vm_boot_define_s", "vm_boot_qemu_s", "vm_boot_firmware_s")
PLAIN_QEMU = "qemu"  # the peer that boots the same guest by hand (runtimes.peers.qemu): libvirt's yardstick


def _before_kernel(row: pd.Series) -> float | None:
    """Launch → guest kernel start, as the sum of that row's medians; None unless firmware is known."""
    if pd.isna(row.get("vm_boot_firmware_s")):
        return None
    return float(sum(row[p] for p in BEFORE_KERNEL if p in row and pd.notna(row[p])))


def _libvirt_share(runtime: str, row: pd.Series, t: Catalogue, plain: pd.Series | None = None) -> list[Block]:
    """What the management layer itself adds: its own phases, and its gap to plain QEMU before the guest kernel."""
    own = row.get("vm_boot_define_s")
    start = row.get("vm_boot_qemu_s")
    if own is None or start is None or pd.isna(own) or pd.isna(start):
        return []
    fmt = metric("ready_s")
    blocks: list[Block] = [Paragraph(t.text("vm.libvirt_share", runtime=runtime, own=fmt.format(own, lang=t.lang),
                                            start=fmt.format(start, lang=t.lang)))]
    ours, theirs = _before_kernel(row), _before_kernel(plain) if plain is not None else None
    if ours is not None and theirs is not None and ours > theirs:  # a run where libvirt was not behind has no gap to explain
        blocks.append(Paragraph(t.text("vm.libvirt_gap", runtime=runtime, plain=PLAIN_QEMU,
                                       gap=fmt.format(ours - theirs, lang=t.lang), ours=fmt.format(ours, lang=t.lang),
                                       theirs=fmt.format(theirs, lang=t.lang))))
    return blocks


def _guest_memory(data: SessionData, summary: pd.DataFrame, t: Catalogue) -> list[Block]:
    rows = summary[summary["metric"].isin(["vm_guest_mem_total_bytes", "vm_guest_mem_available_bytes", "host_pss_bytes"])]
    held = [s.name for s in data.scenarios if s.mode in ("idle", "mem")]
    parts: list[Block] = []
    for scenario in held:
        medians = _medians(rows, scenario)
        for runtime, r in medians.iterrows():
            if pd.isna(r.get("vm_guest_mem_total_bytes")):
                continue
            host = t.text("vm.host_pays", v=metric("host_pss_bytes").format(r["host_pss_bytes"], lang=t.lang)) \
                if pd.notna(r.get("host_pss_bytes")) else ""
            parts.append(Paragraph(t.text(
                "vm.guest_memory", scenario=scenario, runtime=runtime,
                total=metric("vm_guest_mem_total_bytes").format(r["vm_guest_mem_total_bytes"], lang=t.lang),
                available=metric("vm_guest_mem_available_bytes").format(r["vm_guest_mem_available_bytes"], lang=t.lang))
                + f"{host}."))
    return parts


def _accelerators(data: SessionData, runtimes: list[str], t: Catalogue) -> list[Block]:
    parts: list[Block] = []
    for name in runtimes:
        info = data.runtimes.get(name)
        versions: dict[str, Message | str] = {**info.versions, **info.notes} if info else {}
        if "accelerator" in versions:
            how = t.text("vm.kvm") if versions["accelerator"] == "kvm" else t.text("vm.tcg")
            parts.append(Paragraph(t.text("vm.ran_under", name=name, how=how)
                                   + f": {t.stored(versions.get('accelerator check', ''))}. "
                                   + t.text("vm.disk") + f": {t.value(versions.get('disk') or '?')}."))
    return parts


def vm_section(data: SessionData, summary: pd.DataFrame, t: Catalogue | None = None) -> Section | None:
    """The whole section, or None when no runtime reported a boot."""
    t = t or Catalogue()
    scenario = _boot_scenario(data, summary)
    if scenario is None:
        return None
    medians = _medians(summary, scenario)
    medians = medians[medians.columns.intersection(["ready_s", *BOOT_PHASES])]
    medians = medians.dropna(how="all", subset=list(medians.columns.intersection(BOOT_PHASES)))
    if medians.empty:
        return None
    blocks: list[Block] = [Paragraph(t.text("vm.intro", scenario=scenario), css="sub"),
                           Chart("chart-vm-boot", boot_figure(medians, t).to_dict())]
    for runtime, row in medians.iterrows():
        plain = medians.loc[PLAIN_QEMU] if PLAIN_QEMU in medians.index and runtime != PLAIN_QEMU else None
        blocks += _phase_table(runtime, row, t) + _libvirt_share(runtime, row, t, plain)
    blocks += _accelerators(data, list(medians.index), t) + _guest_memory(data, summary, t)
    return Section("vm", t.text("vm.heading"), tuple(blocks))
