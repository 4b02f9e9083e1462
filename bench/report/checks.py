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
from bench.stats import HIGH_SPREAD

MIN_REPETITIONS = 5
LOAD_PER_CPU = 0.5         # no sample of other load: a load average above half a CPU each says runs competed
OTHER_LOAD_PERCENT = 10.0  # CPUs busy with other programs before the first run (bench.noise)
STEAL_PERCENT = 2.0  # a hypervisor taking more than this share of CPU time from this host


def collect_warnings(data: SessionData, summary: pd.DataFrame, t: Catalogue | None = None) -> list[str]:
    """Every caveat of a session, as plain sentences, most important first."""
    t = t or Catalogue()
    out: list[str] = []
    meta = data.info.metadata
    if data.info.status != "finished":
        out.append(t("This session did not finish (status: {status}); it shows the runs completed before it stopped.",
                     status=data.info.status))
    if data.info.quick:
        out.append(t("Quick mode: few repetitions and small workloads. Good for a check, not for conclusions; run without --quick."))
    if meta.get("in_vm") == "yes":
        out.append(t("This host is itself a virtual machine: every figure includes its hypervisor's overhead and noise."))
    for name, info in data.runtimes.items():
        if info.versions.get("accelerator") == "tcg":
            out.append(t("{name}: the VM ran under software emulation (TCG), not hardware virtualisation (KVM): QEMU "
                         "translated every guest instruction, so its start-up and I/O figures are many times slower than "
                         "a real VM's, and its CPU figure shows how well QEMU translates this one loop, not what a VM "
                         "costs. Fix: run on a host where KVM works (bare metal, or a VM with nested virtualisation).",
                         name=name))
    out += host_noise_warnings(meta, t)
    skipped: dict[tuple[str, str, str], list[str]] = {}  # one line per runtime and reason, however many scenarios
    for skip in data.skips:
        skipped.setdefault((skip.runtime, skip.reason, skip.fix), []).append(skip.scenario)
    for (runtime, reason, fix), scenarios in skipped.items():
        fix_text = t(" Fix: {fix}", fix=t.value(fix)) if fix else ""  # a fix is mostly a command
        out.append(t("{runtime} did not run in {scenario}: {reason}.", runtime=runtime, scenario=", ".join(scenarios),
                     reason=t.stored(reason)) + fix_text)
    for row in failures(data).itertuples():
        out.append(t("{runtime} failed {count} run(s) of {scenario}: {reason}", runtime=row.runtime, count=row.count,
                     scenario=row.scenario, reason=t.stored(row.reason)))
    out += _statistics_warnings(data, summary, t)
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
        out.append(t("CPU frequency governor is '{governor}': timings may vary with clock changes; set it to "
                     "'performance' (cpupower frequency-set -g performance).", governor=governor))
    cpus = _number(meta, "cpu_count") or 1.0
    other = _number(meta, "other_load_percent")
    load = _number(meta, "load_avg_1m")
    if (other is not None and other > OTHER_LOAD_PERCENT) or (other is None and load is not None
                                                              and load > LOAD_PER_CPU * cpus):
        busy = t(", {p:.0f} % of the CPUs busy with other work just before the first run", p=other) \
            if other is not None else ""
        out.append(t("Other work was running: the load average was {load} on {cpus:.0f} CPUs when the session "
                     "started{busy}, so runs competed for the CPU. Close other programs (and stop other benchmarks) "
                     "and run again.", load=localize(meta.get("load_avg_1m", "?"), t.lang), cpus=cpus, busy=busy))
    steal = _number(meta, "cpu_steal_percent")
    if steal is not None and steal > STEAL_PERCENT:
        out.append(t("The hypervisor under this host took {steal:.1f} % of its CPU time (steal time) during the "
                     "session: other guests on the same machine slowed the runs. Run on bare metal or a quieter host.",
                     steal=steal))
    return out


def _statistics_warnings(data: SessionData, summary: pd.DataFrame, t: Catalogue) -> list[str]:
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
            out.append(t("{scenario}: few runs for {which}; use --repetitions {n} or more.",
                         scenario=scenario.name, which=which, n=MIN_REPETITIONS * 2))
        noisy = [f"{r.runtime} · {t(metric(r.metric).label)} ({r.relative_iqr:.0%})"
                 for r in rows.itertuples() if r.n >= MIN_REPETITIONS and r.relative_iqr > HIGH_SPREAD]
        if noisy:
            out.append(t("{scenario}: high spread (IQR as a share of the median) for {which}; close other programs, "
                         "fix the CPU governor, or add repetitions.", scenario=scenario.name, which="; ".join(noisy)))
    return out
