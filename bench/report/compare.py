"""Two sessions compared figure by figure: the change, and whether it is beyond the noise.

Like pyperf's ``compare_to``: for each scenario, figure and runtime present
in both, the ratio of medians (B / A) and a Mann–Whitney U test
(``bench.stats``); a change whose p-value is not below 0.05 is reported as
"no significant change", whatever its ratio. Density runs are compared at
each number of instances N separately.
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from bench import metadata as md
from bench.metrics import format_ratio, metric
from bench.results import SessionData
from bench.stats import mann_whitney_p

ALPHA = 0.05


@dataclasses.dataclass(frozen=True)
class Change:
    """One figure of one runtime in session A and in session B."""

    scenario: str
    metric: str
    runtime: str
    instances: int | None     # N for density runs, else None
    n_a: int
    n_b: int
    median_a: float           # stored units
    median_b: float
    p_value: float | None     # None: too few runs on one side to test

    @property
    def ratio(self) -> float:
        return self.median_b / self.median_a if self.median_a else math.nan

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    def verdict(self) -> str:
        """'no significant change', '1.23× worse', '1.10× better' or 'too few runs to tell'."""
        if self.p_value is None:
            return "too few runs to tell"
        if not self.significant or math.isnan(self.ratio) or self.ratio == 1:
            return "no significant change"
        worse = (self.ratio > 1) == (metric(self.metric).better == "lower")
        factor = self.ratio if self.ratio >= 1 else 1 / self.ratio
        return f"{format_ratio(factor)} {'worse' if worse else 'better'}"


def _groups(data: SessionData) -> dict[tuple[str, str, str, int | None], list[float]]:
    """(scenario, metric, runtime, N) → measured values, N from each run's instance count where there is one."""
    merged = data.samples.copy()
    merged["instances"] = pd.to_numeric(merged["instances"]).fillna(-1).astype(int)  # -1: not a density run
    out: dict[tuple[str, str, str, int | None], list[float]] = {}
    for (scenario, name, runtime, n), group in merged.groupby(["scenario", "metric", "runtime", "instances"], sort=False):
        out[(scenario, name, runtime, None if n < 0 else int(n))] = group["value"].tolist()
    return out


def compare_sessions(a: SessionData, b: SessionData) -> list[Change]:
    """Every figure present in both sessions, in A's order."""
    ga, gb = _groups(a), _groups(b)
    changes = []
    for key, values_a in ga.items():
        values_b = gb.get(key)
        if not values_b:
            continue
        scenario, name, runtime, n = key
        changes.append(Change(scenario, name, runtime, n, len(values_a), len(values_b),
                              float(pd.Series(values_a).median()), float(pd.Series(values_b).median()),
                              mann_whitney_p(values_a, values_b)))
    return changes


HEADER = ("scenario", "figure", "runtime", "A", "B", "B / A", "p", "change")


def change_rows(changes: list[Change]) -> list[tuple[str, ...]]:
    """One row per change, in display units, for a terminal table."""
    rows = []
    for c in changes:
        m = metric(c.metric)
        runtime = c.runtime if c.instances is None else f"{c.runtime} (N={c.instances})"
        p = "–" if c.p_value is None else f"{c.p_value:.3f}"
        ratio = "–" if math.isnan(c.ratio) else format_ratio(c.ratio)
        rows.append((c.scenario, m.label, runtime, m.format(c.median_a), m.format(c.median_b), ratio, p, c.verdict()))
    return rows


def comparison_notes(a: SessionData, b: SessionData, changes: list[Change]) -> list[str]:
    """What a reader must know before trusting the table: other hosts, nothing in common, the count of changes."""
    notes = [f"the sessions ran on different hosts: {d}" for d in md.differences(a.info.metadata, b.info.metadata)]
    workloads_b = {s.name: (s.mode, s.args) for s in b.scenarios}
    notes += [f"{s.name}: the workload differs (A: probe {' '.join([s.mode, *s.args])}; B: probe "
              f"{' '.join([workloads_b[s.name][0], *workloads_b[s.name][1]])}), so its figures measure different work"
              for s in a.scenarios if s.name in workloads_b and workloads_b[s.name] != (s.mode, s.args)]
    if a.info.quick != b.info.quick:
        notes.append("one session ran with --quick and the other did not: fewer, smaller runs on one side")
    if not changes:
        notes.append(f"sessions {a.info.id} and {b.info.id} have no figure in common (same scenario, figure and runtime)")
    else:
        beyond = sum(1 for c in changes if c.significant)
        notes.append(f"{beyond} of {len(changes)} figures changed beyond the noise (Mann–Whitney U test, p < {ALPHA})")
    return notes
