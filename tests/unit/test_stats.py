"""bench.stats: summaries, ratios and the rank test, checked against values worked out by hand."""

from __future__ import annotations

import itertools
import math

import pytest

from bench.stats import Ratio, is_significant, mann_whitney_p, ratio, summarize


# -- summarize -----------------------------------------------------------------

def test_summarize_even_count_with_one_high_outlier():
    # Sorted: 1 2 3 4 5 | 6 7 8 9 100 (n = 10, even, given unsorted on purpose).
    # median = (5 + 6) / 2 = 5.5
    # Q1 = median of the lower half 1..5 = 3, Q3 = median of 6 7 8 9 100 = 8, IQR = 5
    # Tukey fences: 3 - 1.5*5 = -4.5 and 8 + 1.5*5 = 15.5
    # whiskers: lowest sample >= -4.5 is 1, highest sample <= 15.5 is 9; 100 is the one outlier.
    # mean = 145 / 10 = 14.5; sample variance = (sum x^2 - n mean^2) / (n - 1), sum x^2 = 285 + 10000.
    s = summarize([7, 100, 3, 1, 9, 5, 2, 8, 4, 6])
    assert s.n == 10
    assert s.median == 5.5
    assert (s.q1, s.q3, s.iqr) == (3.0, 8.0, 5.0)
    assert (s.min, s.max) == (1.0, 100.0)
    assert s.mean == pytest.approx(14.5)
    assert s.stddev == pytest.approx(math.sqrt((10285 - 10 * 14.5**2) / 9))
    assert (s.low_whisker, s.high_whisker) == (1.0, 9.0)
    assert s.outliers == 1


def test_summarize_odd_count_with_outliers_on_both_sides():
    # Sorted, 1-based: x1..x9 = -20 10 11 12 13 14 15 16 50 (n = 9 = 4k + 1, k = 2).
    # Odd n uses Wikipedia's quartile method 3 (as pytest-benchmark does):
    #   Q1 = 0.25*x2 + 0.75*x3 = 0.25*10 + 0.75*11 = 10.75
    #   Q3 = 0.75*x7 + 0.25*x8 = 0.75*15 + 0.25*16 = 15.25,  IQR = 4.5
    # fences: 10.75 - 6.75 = 4.0 and 15.25 + 6.75 = 22.0 → whiskers 10 and 16; -20 and 50 are outliers.
    s = summarize([13, -20, 16, 10, 50, 12, 15, 11, 14])
    assert s.median == 13.0
    assert s.q1 == pytest.approx(10.75)
    assert s.q3 == pytest.approx(15.25)
    assert s.iqr == pytest.approx(4.5)
    assert (s.low_whisker, s.high_whisker) == (10.0, 16.0)
    assert s.outliers == 2


def test_summarize_sample_exactly_on_the_fence_is_not_an_outlier():
    # Q1 = 3, Q3 = median(6 7 8 9 15.5) = 8, IQR = 5: the upper fence is 8 + 7.5 = 15.5 exactly.
    s = summarize([1, 2, 3, 4, 5, 6, 7, 8, 9, 15.5])
    assert s.high_whisker == 15.5
    assert s.outliers == 0


def test_summarize_single_sample_has_no_spread():
    s = summarize([0.25])
    assert (s.n, s.median, s.q1, s.q3, s.iqr) == (1, 0.25, 0.25, 0.25, 0.0)
    assert (s.low_whisker, s.high_whisker, s.outliers, s.stddev) == (0.25, 0.25, 0, 0)
    assert not s.is_noisy


def test_summarize_rejects_no_samples():
    with pytest.raises(ValueError, match="at least one sample"):
        summarize([])


def test_relative_iqr_and_noise_flag():
    wide = summarize([7, 100, 3, 1, 9, 5, 2, 8, 4, 6])  # IQR 5 over median 5.5
    assert wide.relative_iqr == pytest.approx(5 / 5.5)
    assert wide.is_noisy
    tight = summarize([100, 101, 102, 103])  # Q1 100.5, Q3 102.5: IQR 2 over median 101.5 ≈ 2 %
    assert tight.relative_iqr == pytest.approx(2 / 101.5)
    assert not tight.is_noisy
    zero = summarize([0, 0, 0])
    assert zero.relative_iqr == 0.0


# -- ratio ---------------------------------------------------------------------

def test_ratio_of_medians_with_relative_spreads_in_quadrature():
    # subject 1.8 1.9 2.1 2.2: median 2.0, Q1 1.85, Q3 2.15 → IQR 0.3, relative 0.15
    # baseline 0.8 0.9 1.1 1.2: median 1.0, Q1 0.85, Q3 1.15 → IQR 0.3, relative 0.30
    # value = 2.0 / 1.0; half-width = 2.0 * sqrt(0.15² + 0.30²) / 2 (IQR/2 is a half-width)
    r = ratio(summarize([1.8, 1.9, 2.1, 2.2]), summarize([0.8, 0.9, 1.1, 1.2]))
    assert r is not None
    assert r.value == pytest.approx(2.0)
    assert r.spread == pytest.approx(2.0 * math.sqrt(0.15**2 + 0.30**2) / 2)
    assert r.format() == "2.00× ± 0.34"


def test_ratio_without_spread_has_zero_spread():
    r = ratio(summarize([3.0, 3.0, 3.0]), summarize([1.5, 1.5, 1.5]))
    assert r == Ratio(value=2.0, spread=0.0)


def test_ratio_is_none_when_baseline_median_is_zero():
    assert ratio(summarize([1.0, 2.0, 3.0]), summarize([0.0, 0.0, 0.0])) is None


# -- mann_whitney_p ------------------------------------------------------------

def _exact_two_sided_p(a: list[float], b: list[float]) -> float:
    """Exact permutation p-value of U for samples without ties: every split of the pooled ranks."""
    pooled = sorted(a + b)
    rank = {v: i + 1 for i, v in enumerate(pooled)}
    n1, n2 = len(a), len(b)

    def u(side):
        return sum(rank[v] for v in side) - n1 * (n1 + 1) / 2

    observed = abs(u(a) - n1 * n2 / 2)
    splits = list(itertools.combinations(pooled, n1))
    extreme = sum(1 for side in splits if abs(u(side) - n1 * n2 / 2) >= observed)
    return extreme / len(splits)


def test_mann_whitney_fully_separated_small_samples():
    # a below b entirely: U = 0. Exactly 2 of the C(8,4) = 70 splits are that extreme → p = 2/70.
    # Normal approximation: mean 8, variance 4*4*9/12 = 12, z = (8 - 0.5)/sqrt(12).
    a, b = [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]
    p = mann_whitney_p(a, b)
    assert _exact_two_sided_p(a, b) == pytest.approx(2 / 70)
    assert p == pytest.approx(math.erfc(7.5 / math.sqrt(12) / math.sqrt(2)), rel=1e-12)
    assert p == pytest.approx(2 / 70, abs=0.005)


def test_mann_whitney_agrees_with_exact_enumeration_on_overlapping_samples():
    a = [1.1, 2.3, 3.2, 4.8, 6.0, 7.7, 8.5, 9.1]
    b = [3.9, 5.2, 6.6, 8.1, 9.4, 10.0, 11.3, 12.2]
    exact = _exact_two_sided_p(a, b)  # 12870 splits; 0.0650 for this data
    assert 0.05 < exact < 0.08
    assert mann_whitney_p(a, b) == pytest.approx(exact, abs=0.005)


def test_mann_whitney_clearly_different_samples_give_small_p():
    a = [1.0 + i * 0.01 for i in range(10)]
    b = [2.0 + i * 0.01 for i in range(10)]
    p = mann_whitney_p(a, b)
    assert p is not None and p < 0.001
    assert is_significant(a, b) is True


def test_mann_whitney_identical_samples_give_p_of_one():
    a = [0.9, 1.0, 1.1, 1.2, 1.3]
    assert mann_whitney_p(a, list(a)) == pytest.approx(1.0)
    assert is_significant(a, list(a)) is False


def test_mann_whitney_all_values_equal_gives_p_of_one():
    # Every value tied: the tie-corrected variance is 0, so nothing can differ.
    assert mann_whitney_p([2.0, 2.0, 2.0], [2.0, 2.0, 2.0, 2.0]) == 1.0


def test_mann_whitney_uses_midranks_and_tie_correction():
    # Pooled, sorted: 1a 2a 2a 2b 3a 3b 4b 5b.
    # Midranks: 1 → 1; the three 2s share ranks 2,3,4 → 3; the two 3s share 5,6 → 5.5; 4 → 7; 5 → 8.
    # Rank sum of a = 1 + 3 + 3 + 5.5 = 12.5, U = 12.5 - 4*5/2 = 2.5; mean U = 4*4/2 = 8.
    # Tie term sum(t³ - t) = (27 - 3) + (8 - 2) = 30; n = 8.
    # var = n1 n2 / 12 * ((n + 1) - 30 / (n (n - 1))) = 16/12 * (9 - 30/56)
    # z = (|2.5 - 8| - 0.5) / sqrt(var) = 5 / sqrt(var)   (0.5: continuity correction)
    var = 16 / 12 * (9 - 30 / 56)
    expected = math.erfc(5 / math.sqrt(var) / math.sqrt(2))
    assert mann_whitney_p([1, 2, 2, 3], [2, 3, 4, 5]) == pytest.approx(expected, rel=1e-12)
    # Without the tie correction the variance would be 12, and p different.
    assert expected != pytest.approx(math.erfc(5 / math.sqrt(12) / math.sqrt(2)), rel=1e-3)


def test_mann_whitney_is_symmetric():
    a, b = [1, 2, 2, 3], [2, 3, 4, 5]
    assert mann_whitney_p(a, b) == pytest.approx(mann_whitney_p(b, a), rel=1e-12)


@pytest.mark.parametrize(("a", "b"), [
    ([1.0, 2.0], [3.0, 4.0, 5.0]),
    ([1.0, 2.0, 3.0], [4.0, 5.0]),
    ([], []),
])
def test_mann_whitney_needs_three_samples_per_side(a, b):
    assert mann_whitney_p(a, b) is None
    assert is_significant(a, b) is None


def test_mann_whitney_accepts_exactly_three_per_side():
    p = mann_whitney_p([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert p is not None and 0 < p < 1
