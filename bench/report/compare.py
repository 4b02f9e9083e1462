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
from bench.report.i18n import Catalogue
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

    def verdict(self, t: Catalogue | None = None) -> str:
        """'no significant change', '1.23× worse', '1.10× better' or 'too few runs to tell' (in ``t``'s language)."""
        t = t or Catalogue()
        if self.p_value is None:
            return t.text("compare.too_few")
        if not self.significant or math.isnan(self.ratio) or self.ratio == 1:
            return t.text("compare.no_change")
        worse = (self.ratio > 1) == (metric(self.metric).better == "lower")
        factor = self.ratio if self.ratio >= 1 else 1 / self.ratio
        return t.text("compare.worse" if worse else "compare.better", factor=format_ratio(factor, t.lang))


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


HEADER_CODES = ("compare.scenario", "compare.figure", "compare.runtime", "compare.a", "compare.b", "compare.ratio",
                "compare.p", "compare.change")


def header(t: Catalogue | None = None) -> tuple[str, ...]:
    """The terminal table's column titles, in ``t``'s language."""
    t = t or Catalogue()
    return tuple(t.text(code) for code in HEADER_CODES)


HEADER = header()  # English, as `bench compare` prints it


def change_rows(changes: list[Change], t: Catalogue | None = None) -> list[tuple[str, ...]]:
    """One row per change, in display units, for a terminal table."""
    t = t or Catalogue()
    rows = []
    for c in changes:
        m = metric(c.metric)
        runtime = c.runtime if c.instances is None else f"{c.runtime} (N={c.instances})"
        p = "–" if c.p_value is None else f"{c.p_value:.3f}"
        ratio = "–" if math.isnan(c.ratio) else format_ratio(c.ratio, t.lang)
        a, b = m.format(c.median_a, lang=t.lang), m.format(c.median_b, lang=t.lang)
        rows.append((c.scenario, t(m.label), runtime, a, b, ratio, p, c.verdict(t)))
    return rows


def comparison_notes(a: SessionData, b: SessionData, changes: list[Change], t: Catalogue | None = None) -> list[str]:
    """What a reader must know before trusting the table: other hosts, nothing in common, the count of changes."""
    t = t or Catalogue()
    notes = [t.text("compare.other_hosts", what=d) for d in md.differences(a.info.metadata, b.info.metadata)]
    workloads_b = {s.name: (s.mode, s.args) for s in b.scenarios}
    notes += [t.text("compare.workload_differs", scenario=s.name, a=" ".join([s.mode, *s.args]),
                     b=" ".join([workloads_b[s.name][0], *workloads_b[s.name][1]]))
              for s in a.scenarios if s.name in workloads_b and workloads_b[s.name] != (s.mode, s.args)]
    if a.info.quick != b.info.quick:
        notes.append(t.text("compare.quick_differs"))
    if not changes:
        notes.append(t.text("compare.nothing_in_common", a=a.info.id, b=b.info.id))
    else:
        beyond = sum(1 for c in changes if c.significant)
        notes.append(t.text("compare.beyond_noise", beyond=beyond, total=len(changes), alpha=ALPHA))
    return notes
