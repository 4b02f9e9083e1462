"""The isolation scorecard: one row per check, one column per runtime, each cell measured.

A check is stored as one sample per run named ``iso_<check>_blocked``: 1.0
when the attempt from inside was blocked (isolated), 0.0 when it succeeded
(not isolated). A cell is green when every run was blocked, red when none
was, amber when runs disagreed. Rows come in the groups of
``bench.metrics.ISOLATION_GROUPS``; each names the attack or CVE it stands
for, and a click on that name shows the one-sentence explanation.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from bench.metrics import ISOLATION_BY_METRIC, ISOLATION_GROUPS, metric
from bench.report.context import ReportContext, escape as _e

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


def _cell(share: float, ctx: ReportContext) -> str:
    t = ctx.t
    if pd.isna(share):
        return f'<td class="sc-none">{t("not run")}</td>'
    if share == 1.0:
        return f'<td class="sc-pass">✔ {t("isolated")}</td>'
    if share == 0.0:
        return f'<td class="sc-fail">✘ {t("not isolated")}</td>'
    return f'<td class="sc-mixed">~ {t("blocked in {p:.0%} of runs", p=share)}</td>'


def _group_rank(metric_name: str) -> int:
    """Where a check's group comes; a check this version does not know (an older session's) comes last."""
    known = ISOLATION_BY_METRIC.get(metric_name)
    return ISOLATION_GROUPS.index(known.group) if known else len(ISOLATION_GROUPS)


def _row_title(metric_name: str, ctx: ReportContext) -> str:
    """What is tried; then the attack it stands for, which opens (<details>) on the one-sentence explanation."""
    t, m = ctx.t, metric(metric_name)
    known = ISOLATION_BY_METRIC.get(metric_name)
    if known is None:
        return _e(t(m.label)) + (f'<br><span class="muted">{_e(t(m.description))}</span>' if m.description else "")
    return (f'{_e(t(known.label))} <details class="sc-why"><summary>{_e(t(known.stands_for))}</summary>'
            f"{_e(t(known.teaches))}</details>")


def scorecard_table(samples: pd.DataFrame, order: list[str], ctx: ReportContext, checks: tuple[str, ...] = ()) -> str:
    """The coloured table, rows in the order of ``checks`` (the scenario's), or "" when no check was recorded."""
    shares = blocked_shares(samples)
    if shares.empty:
        return ""
    rank = {name: i for i, name in enumerate(checks)}
    shares = shares.loc[sorted(shares.index, key=lambda name: (_group_rank(name), rank.get(name, len(rank)), name))]
    runtimes = [r for r in order if r in shares.columns]
    t = ctx.t
    head = f"<tr><th>{t('check')}</th>" + "".join(f"<th>{_e(r)}</th>" for r in runtimes) + "</tr>"
    body, group = [], None
    for check in shares.index:
        known = ISOLATION_BY_METRIC.get(check)
        if known and known.group != group:
            group = known.group
            body.append(f'<tr class="sc-group"><th colspan="{len(runtimes) + 1}">{_e(t(group))}</th></tr>')
        body.append(f"<tr><td>{_row_title(check, ctx)}</td>"
                    + "".join(_cell(shares.at[check, r], ctx) for r in runtimes) + "</tr>")
    score = scores(samples)
    foot = (f"<tr><th>{t('score')}</th>" + "".join(f"<th>{score[r].format()}</th>" for r in runtimes) + "</tr>")
    return f'<table class="scorecard">{head}{"".join(body)}{foot}</table>'
