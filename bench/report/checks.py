"""Warnings a report shows before any figure: advice, never errors.

Each warning says what is wrong with the figures and what would fix it
(more repetitions, a quieter host, installing a runtime), in the manner of
pyperf's ``check`` and hyperfine's warnings. Host noise (a CPU frequency that
may change, other load, a hypervisor stealing time) comes from the metadata
the session recorded (``bench.metadata``, ``bench.noise``).
"""

from __future__ import annotations

import pandas as pd

from bench.metrics import localize, metric
from bench.report.context import chart_of
from bench.report.i18n import Catalogue
from bench.results import SessionData
from bench.report.summary import failures
from bench.report.view import WarningGroup
from bench.stats import HIGH_SPREAD
from runtimes.kernel.messages import Message

MIN_REPETITIONS = 5
LOAD_PER_CPU = 0.5         # no sample of other load: a load average above half a CPU each says runs competed
OTHER_LOAD_PERCENT = 10.0  # CPUs busy with other programs before the first run (bench.noise)
STEAL_PERCENT = 2.0  # a hypervisor taking more than this share of CPU time from this host


def is_high_spread(n: int, relative_iqr: float) -> bool:
    """A figure the high-spread warning names: enough runs to judge, and an IQR above HIGH_SPREAD of the median."""
    return n >= MIN_REPETITIONS and relative_iqr > HIGH_SPREAD


def emulated_runtimes(data: SessionData) -> set[str]:
    """Runtimes whose VM ran under TCG (no KVM): each of their figures is marked, as the warning says."""
    return {name for name, info in data.runtimes.items() if info.versions.get("accelerator") == "tcg"}


def figure_flags(data: SessionData, runtime: str, n: int, relative_iqr: float) -> frozenset[str]:
    """The caveats a figure carries where it is shown (a mark linked to its warning line, bench.report.view.Cell)."""
    flags = {"high_spread"} if is_high_spread(n, relative_iqr) else set()
    if runtime in emulated_runtimes(data):
        flags.add("vm_emulated")
    return frozenset(flags)


def collect_warnings(data: SessionData, summary: pd.DataFrame, t: Catalogue | None = None) -> list[str]:
    """Every caveat of a session, as plain sentences, most important first."""
    return [text for _, text in collect_kinds(data, summary, t)]


KINDS = {"vm_emulated": "warnings.kind_vm_emulated", "in_vm": "warnings.kind_in_vm",
         "busy_host": "warnings.kind_busy_host", "skipped": "warnings.kind_skipped",
         "high_spread": "warnings.kind_high_spread", "other": "warnings.kind_other"}  # kind → its line's text


def grouped_warnings(data: SessionData, summary: pd.DataFrame, t: Catalogue) -> list[WarningGroup]:
    """One line per kind of caveat, its items behind a click; high spread item by item, one per figure."""
    by_kind: dict[str, list[str]] = {}
    for kind, text in collect_kinds(data, summary, t, spread_items=True):
        by_kind.setdefault(kind, []).append(text)
    return [WarningGroup(k, t.text(code), tuple(by_kind[k])) for k, code in KINDS.items() if k in by_kind]


def collect_kinds(data: SessionData, summary: pd.DataFrame, t: Catalogue | None = None,
                  spread_items: bool = False) -> list[tuple[str, str]]:
    """Every caveat as (kind, sentence); with ``spread_items`` each high-spread figure is an item of its own."""
    t = t or Catalogue()
    out: list[tuple[str, str]] = []
    meta = data.info.metadata
    if data.info.status != "finished":
        out.append(("other", t.text("warnings.unfinished",
                     status=data.info.status)))
    if data.info.quick:
        out.append(("other", t.text("warnings.quick")))
    if meta.get("in_vm") == "yes":
        out.append(("in_vm", t.text("warnings.in_vm")))
    for name, info in data.runtimes.items():
        if info.versions.get("accelerator") == "tcg":
            out.append(("vm_emulated", t.text("warnings.tcg",
                         name=name)))
    out += [("busy_host", w) for w in host_noise_warnings(meta, t)]
    # one line per runtime and reason, however many scenarios; a reason is a Message, or text in older sessions
    skipped: dict[tuple[str, Message | str, Message | str], list[str]] = {}
    for skip in data.skips:
        skipped.setdefault((skip.runtime, skip.reason_message or skip.reason, skip.fix_message or skip.fix),
                           []).append(skip.scenario)
    for (runtime, reason, fix), scenarios in skipped.items():
        fix_text = t.text("warnings.fix", fix=t.value(fix)) if fix else ""  # a fix is mostly a command
        out.append(("skipped", t.text("warnings.skipped", runtime=runtime, scenario=", ".join(scenarios),
                     reason=t.stored(reason)) + fix_text))
    for row in failures(data).itertuples():
        out.append(("skipped", t.text("warnings.failed", runtime=row.runtime, count=row.count,
                     scenario=row.scenario, reason=t.stored(Message.from_json(row.message) or row.reason))))
    out += _statistics_warnings(data, summary, t, spread_items)
    return out


def _number(meta: dict[str, str], *keys: str) -> float | None:
    """The first of ``keys`` present as a number ("0.42", "0.42 0.30 0.21", "3.1 %")."""
    for key in keys:
        text = str(meta.get(key, "")).replace("%", " ").split()
        try:
            return float(text[0]) if text else None
        except ValueError:
            continue
    return None


def host_noise_warnings(meta: dict[str, str], t: Catalogue) -> list[str]:
    """Clock changes, other load, stolen CPU time: each with the fix."""
    out = []
    governor = meta.get("cpu_governor", "n/a")
    if governor not in ("performance", "n/a"):
        out.append(t.text("warnings.governor", governor=governor))
    cpus = _number(meta, "cpu_count") or 1.0
    other = _number(meta, "other_load_percent")
    load = _number(meta, "load_avg_1m")
    if (other is not None and other > OTHER_LOAD_PERCENT) or (other is None and load is not None
                                                              and load > LOAD_PER_CPU * cpus):
        busy = t.text("warnings.other_load_busy", p=other) \
            if other is not None else ""
        out.append(t.text("warnings.other_load", load=localize(meta.get("load_avg_1m", "?"), t.lang), cpus=cpus, busy=busy))
    steal = _number(meta, "cpu_steal_percent")
    if steal is not None and steal > STEAL_PERCENT:
        out.append(t.text("warnings.steal",
                     steal=steal))
    return out


def _statistics_warnings(data: SessionData, summary: pd.DataFrame, t: Catalogue,
                         spread_items: bool = False) -> list[tuple[str, str]]:
    """Too few runs, or too much spread: one line per scenario, naming what is affected.

    With --quick, few runs are the point, and the quick-mode warning already says so.
    """
    out = []
    for scenario in data.scenarios:
        if chart_of(scenario) in ("density", "scorecard"):
            continue  # figures across different N, or yes/no answers: no one spread to judge
        rows = summary[(summary["scenario"] == scenario.name) & summary["metric"].isin(scenario.metrics)]
        few = sorted({(r.runtime, r.n) for r in rows.itertuples() if r.n < MIN_REPETITIONS})
        if few and not data.info.quick:
            which = ", ".join(f"{runtime} ({n})" for runtime, n in few)
            out.append(("other", t.text("warnings.few_runs",
                         scenario=scenario.name, which=which, n=MIN_REPETITIONS * 2)))
        noisy = [f"{r.runtime} · {t(metric(r.metric).label)} ({r.relative_iqr:.0%})"
                 for r in rows.itertuples() if is_high_spread(r.n, r.relative_iqr)]
        if noisy and spread_items:
            out += [("high_spread", f"{scenario.name}: {figure}") for figure in noisy]
        elif noisy:
            out.append(("high_spread", t.text("warnings.high_spread", scenario=scenario.name, which="; ".join(noisy))))
    return out
