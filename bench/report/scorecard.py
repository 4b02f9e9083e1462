"""The isolation scorecard: one row per check, one column per runtime, each cell measured.

A check is stored as one sample per run named ``iso_<check>_blocked``: 1.0
when the attempt from inside was blocked (isolated), 0.0 when it succeeded
(not isolated). A cell is green when every run was blocked, red when none
was, amber when runs disagreed. Rows come in the groups of
``bench.metrics.ISOLATION_GROUPS``, one line each so that 38 checks and 16+
runtimes fit a 1400 px page: a cell is one glyph (its words in a tooltip and
the legend under the table), the runtimes' names are narrow upright headings
in the family order and colours of the whole report, and a click on a check
opens a full-width line below it with the attack it stands for and the
one-sentence explanation (all of them open when printed).
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from bench.metrics import ISOLATION_BY_METRIC, ISOLATION_GROUPS, metric
from bench.report.context import ReportContext
from bench.report.families import TEXT_OF, family_of
from bench.report.view import Cell, Row, Table

PREFIX, SUFFIX = "iso_", "_blocked"


def is_check(metric_name: str) -> bool:
    return metric_name.startswith(PREFIX) and metric_name.endswith(SUFFIX)


@dataclasses.dataclass(frozen=True)
class Score:
    """How many checks a runtime passed (every run blocked), of how many it ran."""

    passed: int
    total: int

    def format(self) -> str:
        return f"{self.passed}/{self.total}"


def blocked_shares(samples: pd.DataFrame) -> pd.DataFrame:
    """check metric × runtime → share of runs in which the attempt was blocked (0…1)."""
    if samples.empty or "metric" not in samples:  # e.g. a run killed before its first check finished
        return pd.DataFrame()
    rows = samples[samples["metric"].map(is_check)]
    return rows.pivot_table(index="metric", columns="runtime", values="value", aggfunc="mean", sort=False)


def scores(samples: pd.DataFrame) -> dict[str, Score]:
    shares = blocked_shares(samples)
    return {r: Score(int((shares[r] == 1.0).sum()), int(shares[r].notna().sum())) for r in shares.columns}


def _cell(share: float, runtime: str, ctx: ReportContext) -> Cell:
    """A one-glyph cell (the legend under the table reads them), its words in the tooltip: 16+ columns must fit."""
    t = ctx.t
    if pd.isna(share):
        return Cell("–", css="sc-none", flags=frozenset({"not_run"}), title=f'{runtime}: {t.text("scorecard.not_run")}')
    if share == 1.0:
        return Cell("✔", css="sc-pass", value=share, flags=frozenset({"passed"}),
                    title=f'{runtime}: {t.text("scorecard.isolated")}')
    if share == 0.0:
        return Cell("✘", css="sc-fail", value=share, flags=frozenset({"failed"}),
                    title=f'{runtime}: {t.text("scorecard.not_isolated")}')
    return Cell(f"~{share:.0%}", css="sc-mixed", value=share,
                flags=frozenset({"mixed"}), title=f'{runtime}: {t.text("scorecard.mixed", p=share)}')


def _group_rank(metric_name: str) -> int:
    """Where a check's group comes; a check this version does not know (an older session's) comes last."""
    known = ISOLATION_BY_METRIC.get(metric_name)
    return ISOLATION_GROUPS.index(known.group) if known else len(ISOLATION_GROUPS)


def _row_title(metric_name: str, ctx: ReportContext) -> Cell:
    """What is tried; then the attack it stands for, which opens (<details>) on the one-sentence explanation."""
    t, m = ctx.t, metric(metric_name)
    known = ISOLATION_BY_METRIC.get(metric_name)
    if known is None:
        return Cell(t(m.label), notes=(t(m.description),) if m.description else (), stacked=True)
    return Cell(t(known.label), why=(t(known.stands_for), t(known.teaches)), css="sc-check")


def scorecard_table(samples: pd.DataFrame, order: list[str], ctx: ReportContext, checks: tuple[str, ...] = ()) -> Table | None:
    """The coloured table, rows in the order of ``checks`` (the scenario's), or None when no check was recorded."""
    shares = blocked_shares(samples)
    if shares.empty:
        return None
    rank = {name: i for i, name in enumerate(checks)}
    shares = shares.loc[sorted(shares.index, key=lambda name: (_group_rank(name), rank.get(name, len(rank)), name))]
    runtimes = [r for r in order if r in shares.columns]
    t = ctx.t
    head = (Cell(t.text("scorecard.check"), header=True),
            *(Cell(r, header=True, rotated=True, colour=family_of(r).colour, title=t.text(TEXT_OF[family_of(r).code]))
              for r in runtimes))
    body, group = [], None
    for check in shares.index:
        known = ISOLATION_BY_METRIC.get(check)
        if known and known.group != group:
            group = known.group
            body.append(Row((Cell(t(group), header=True, colspan=len(runtimes) + 1),), css="sc-group"))
        body.append(Row((_row_title(check, ctx), *(_cell(shares.at[check, r], r, ctx) for r in runtimes))))
    score = scores(samples)
    foot = Row((Cell(t.text("scorecard.score"), header=True),
                *(Cell(score[r].format(), header=True, value=score[r].passed) for r in runtimes)))
    return Table("scorecard", head, tuple(body), foot)
