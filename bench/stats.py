"""Statistics over raw samples: pure functions, no I/O.

Summaries come from pytest-benchmark's ``Stats`` (median, quartiles, Tukey
fences, outlier counts), so figures here mean what they mean there. On top of
it: the ratio to the baseline with its spread carried through, and a rank test
that says whether two sets of samples really differ.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from pytest_benchmark.stats import Stats

HIGH_SPREAD = 0.10  # IQR above 10 % of the median: the figure is too noisy to trust alone


@dataclasses.dataclass(frozen=True)
class Summary:
    """Summary of one metric's samples; every field is in the metric's unit."""

    n: int
    median: float
    q1: float
    q3: float
    iqr: float
    min: float
    max: float
    mean: float
    stddev: float
    low_whisker: float   # lowest sample within 1.5 IQR below Q1 (Tukey)
    high_whisker: float  # highest sample within 1.5 IQR above Q3
    outliers: int        # samples beyond the Tukey fences

    @property
    def relative_iqr(self) -> float:
        """IQR as a fraction of the median; 0 when the median is 0."""
        return self.iqr / abs(self.median) if self.median else 0.0

    @property
    def is_noisy(self) -> bool:
        return self.n > 1 and self.relative_iqr > HIGH_SPREAD


def summarize(values: Sequence[float]) -> Summary:
    """Summarise samples with pytest-benchmark's statistics; needs at least one."""
    if not values:
        raise ValueError("summarize() needs at least one sample")
    stats = Stats()
    for v in values:
        stats.update(float(v))
    # Tukey's fences, computed here from pytest-benchmark's quartiles: some of
    # its releases return the first sample beyond the high fence as hd15iqr.
    low_fence, high_fence = stats.q1 - 1.5 * stats.iqr, stats.q3 + 1.5 * stats.iqr
    inside = [v for v in stats.sorted_data if low_fence <= v <= high_fence]
    low, high = inside[0], inside[-1]
    return Summary(
        n=stats.rounds, median=stats.median, q1=stats.q1, q3=stats.q3, iqr=stats.iqr,
        min=stats.min, max=stats.max, mean=stats.mean, stddev=stats.stddev,
        low_whisker=low, high_whisker=high,
        outliers=sum(1 for v in stats.data if v < low or v > high),
    )


@dataclasses.dataclass(frozen=True)
class Ratio:
    """``value / baseline`` of medians, with a spread from both IQRs."""

    value: float
    spread: float  # half-width, in ratio units

    def format(self) -> str:
        return f"{self.value:.2f}× ± {self.spread:.2f}"


def ratio(subject: Summary, baseline: Summary) -> Ratio | None:
    """Ratio of medians; the relative spreads (IQR / median) add in quadrature.

    This is the usual first-order propagation of relative uncertainty for a
    quotient (as hyperfine's relative speed does with standard deviations),
    applied to the robust spread we report. None when the baseline median is 0.
    """
    if baseline.median == 0:
        return None
    value = subject.median / baseline.median
    rel = math.hypot(subject.relative_iqr, baseline.relative_iqr) / 2  # IQR/2: a half-width
    return Ratio(value=value, spread=abs(value) * rel)


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Two-sided p-value of the Mann–Whitney U test (normal approximation, tie-corrected).

    Rank-based, so it suits timing samples, which are rarely normal. Needs at
    least 3 samples per side; the approximation is fair from about 8.
    Reference: Mann & Whitney (1947); tie correction as in Conover,
    *Practical Nonparametric Statistics*, 3rd ed., §5.1.
    """
    n1, n2 = len(a), len(b)
    if n1 < 3 or n2 < 3:
        return None
    pooled = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks = [0.0] * len(pooled)
    tie_term, i = 0.0, 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        tie_term += t**3 - t
        i = j + 1
    rank_sum_a = sum(r for r, (_, side) in zip(ranks, pooled) if side == 0)
    u = rank_sum_a - n1 * (n1 + 1) / 2
    n = n1 + n2
    variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))
    if variance <= 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)  # 0.5: continuity correction
    return math.erfc(max(z, 0.0) / math.sqrt(2))


def is_significant(a: Sequence[float], b: Sequence[float], alpha: float = 0.05) -> bool | None:
    """Whether ``a`` and ``b`` differ at level ``alpha``; None with too few samples."""
    p = mann_whitney_p(a, b)
    return None if p is None else p < alpha
