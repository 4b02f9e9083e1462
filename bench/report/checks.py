"""Warnings a report shows before any figure: advice, never errors.

Each warning says what is wrong with the figures and what would fix it
(more repetitions, a quieter host, installing a runtime), in the manner of
pyperf's ``check`` and hyperfine's warnings.
"""

from __future__ import annotations

import pandas as pd

from bench.metrics import metric
from bench.results import SessionData
from bench.report.summary import failures
from bench.stats import HIGH_SPREAD

MIN_REPETITIONS = 5


def collect_warnings(data: SessionData, summary: pd.DataFrame) -> list[str]:
    """Every caveat of a session, as plain sentences, most important first."""
    out: list[str] = []
    meta = data.info.metadata
    if data.info.status != "finished":
        out.append(f"This session did not finish (status: {data.info.status}); it shows the runs completed before it stopped.")
    if data.info.quick:
        out.append("Quick mode: few repetitions and small workloads. Good for a check, not for conclusions; run without --quick.")
    if meta.get("in_vm") == "yes":
        out.append("This host is itself a virtual machine: every figure includes its hypervisor's overhead and noise.")
    for name, info in data.runtimes.items():
        if info.versions.get("accelerator") == "tcg":
            out.append(f"{name}: the VM ran under software emulation (TCG), not hardware virtualisation (KVM): QEMU "
                       "translated every guest instruction, so its start-up and I/O figures are many times slower than "
                       "a real VM's, and its CPU figure shows how well QEMU translates this one loop, not what a VM "
                       "costs. Fix: run on a host where KVM works (bare metal, or a VM with nested virtualisation).")
    governor = meta.get("cpu_governor", "n/a")
    if governor not in ("performance", "n/a"):
        out.append(f"CPU frequency governor is '{governor}': timings may vary with clock changes; set it to 'performance'.")
    for skip in data.skips:
        fix = f" Fix: {skip.fix}" if skip.fix else ""
        out.append(f"{skip.runtime} did not run in {skip.scenario}: {skip.reason}.{fix}")
    for row in failures(data).itertuples():
        out.append(f"{row.runtime} failed {row.count} run(s) of {row.scenario}: {row.reason}")
    out += _statistics_warnings(data, summary)
    return out


def _statistics_warnings(data: SessionData, summary: pd.DataFrame) -> list[str]:
    """Too few runs, or too much spread: one line per scenario, naming what is affected.

    With --quick, few runs are the point, and the quick-mode warning already says so.
    """
    out = []
    for scenario in data.scenarios:
        rows = summary[(summary["scenario"] == scenario.name) & summary["metric"].isin(scenario.metrics)]
        few = sorted({(r.runtime, r.n) for r in rows.itertuples() if r.n < MIN_REPETITIONS})
        if few and not data.info.quick:
            which = ", ".join(f"{runtime} ({n})" for runtime, n in few)
            out.append(f"{scenario.name}: few runs for {which}; use --repetitions {MIN_REPETITIONS * 2} or more.")
        noisy = [f"{r.runtime} · {metric(r.metric).label} ({r.relative_iqr:.0%})"
                 for r in rows.itertuples() if r.n >= MIN_REPETITIONS and r.relative_iqr > HIGH_SPREAD]
        if noisy:
            out.append(f"{scenario.name}: high spread (IQR as a share of the median) for {'; '.join(noisy)}; "
                       "close other programs or add repetitions.")
    return out
