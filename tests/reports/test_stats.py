"""Mann-Whitney U, Hodges-Lehmann shift and interval, Holm: against reference values."""

from __future__ import annotations

import math
import random

import pytest

from reports.stats import (
    STATISTICS,
    get_statistic,
    hodges_lehmann_shift,
    holm,
    mann_whitney_u,
    min_attainable_p,
    rank_with_ties,
    relative_shift,
    shift_interval,
    u_distribution,
)

MALES = [19, 22, 16, 29, 24]
FEMALES = [20, 11, 17, 12]


def test_exact_matches_reference_example() -> None:
    # The classic two-group example (n = 5 and 4): U = 17, exact two-sided p = 14/126.
    result = mann_whitney_u(MALES, FEMALES)
    assert result.method == "exact"
    assert result.statistic == 17
    assert result.p_value == pytest.approx(14 / 126)


def test_normal_approximation_matches_reference_example() -> None:
    # Continuity-corrected normal approximation of the same data: p = 0.111347.
    result = mann_whitney_u(MALES, FEMALES, method="normal")
    assert result.p_value == pytest.approx(0.11134688653314041, rel=1e-9)


def test_completely_separated_samples_give_the_smallest_p() -> None:
    # Table value: n1 = n2 = 5, U = 0, two-sided p = 2 / C(10, 5) = 0.00794.
    result = mann_whitney_u([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert result.statistic == 0
    assert result.p_value == pytest.approx(2 / 252)
    assert min_attainable_p(5, 5) == pytest.approx(2 / 252)


def test_three_against_three_can_never_reach_five_percent() -> None:
    assert min_attainable_p(3, 3) == pytest.approx(0.1)
    assert min_attainable_p(4, 4) < 0.05


def test_u_distribution_counts_every_arrangement() -> None:
    assert u_distribution(2, 2) == [1, 1, 2, 1, 1]
    assert u_distribution(3, 3) == [1, 1, 2, 3, 3, 3, 3, 2, 1, 1]
    assert sum(u_distribution(6, 7)) == math.comb(13, 6)


def test_ties_use_mean_ranks_and_the_tie_corrected_normal() -> None:
    ranks, ties = rank_with_ties([3, 1, 3, 2])
    assert ranks == [3.5, 1.0, 3.5, 2.0]
    assert ties == [2]
    # x = [1, 2, 2, 3, 3, 3], y = [3, 4, 4, 5]: R_x = 1 + 2 * 2.5 + 3 * 5.5 = 22.5, U = 1.5;
    # tie groups 2, 4, 2: sigma^2 = 24/12 * (11 - 72/90) = 20.4,
    # z = (|1.5 - 12| - 0.5) / sqrt(20.4), p = erfc(z / sqrt 2) = 0.0267.
    result = mann_whitney_u([1, 2, 2, 3, 3, 3], [3, 4, 4, 5])
    assert result.statistic == 1.5
    assert result.method.startswith("normal")
    assert result.p_value == pytest.approx(math.erfc(10 / math.sqrt(20.4) / math.sqrt(2)))


def test_identical_values_give_p_one() -> None:
    assert mann_whitney_u([5, 5, 5], [5, 5, 5]).p_value == 1.0


def test_symmetry_and_errors() -> None:
    forward, backward = mann_whitney_u(MALES, FEMALES), mann_whitney_u(FEMALES, MALES)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert forward.statistic + backward.statistic == len(MALES) * len(FEMALES)
    with pytest.raises(ValueError):
        mann_whitney_u([], [1.0])
    with pytest.raises(ValueError, match="ties"):
        mann_whitney_u([1, 1], [2, 3], method="exact")


def test_hodges_lehmann_shift() -> None:
    assert hodges_lehmann_shift([1, 2, 3], [11, 12, 13]) == 10
    assert hodges_lehmann_shift([0, 10], [1, 2]) == pytest.approx(-3.5)


def test_registry_names_the_known_statistics() -> None:
    assert get_statistic("mann-whitney") is STATISTICS["mann-whitney"]
    with pytest.raises(KeyError, match="mann-whitney"):
        get_statistic("t-test")


def test_shift_interval_of_separated_samples() -> None:
    # n = m = 5: P(U <= 2) = 4/252, so the 95 % interval runs from the 3rd smallest to
    # the 3rd largest of the 25 differences (coverage 1 - 8/252 = 96.8 %).
    shift = shift_interval([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], alpha=0.05)
    assert shift.estimate == 5
    assert (shift.low, shift.high) == (2, 8)
    assert shift.confidence == pytest.approx(1 - 8 / 252)


def test_too_few_samples_have_no_interval() -> None:
    # 2 against 2: even the most extreme arrangement has probability 2/6 > 0.05.
    shift = shift_interval([1, 2], [3, 4], alpha=0.05)
    assert shift.low is None and shift.high is None and shift.confidence == 0.0
    assert shift.estimate == 2


def test_the_interval_excludes_zero_exactly_when_the_test_rejects() -> None:
    rng = random.Random(1)
    for _ in range(400):
        n, m = rng.randint(3, 9), rng.randint(3, 9)
        x = [rng.random() for _ in range(n)]
        y = [rng.random() + rng.choice([0.0, 0.3, 0.8]) for _ in range(m)]
        shift = shift_interval(x, y, 0.05)
        excludes = shift.low is not None and (shift.low > 0 or shift.high < 0)  # type: ignore[operator]
        assert excludes == (mann_whitney_u(x, y).p_value <= 0.05), (x, y)


def test_interval_coverage_is_at_least_its_confidence() -> None:
    rng = random.Random(2)
    covered = 0
    for _ in range(2000):
        x = [rng.gauss(0, 1) for _ in range(6)]
        y = [rng.gauss(0, 1) + 0.7 for _ in range(6)]
        shift = shift_interval(x, y, 0.05)
        covered += shift.low <= 0.7 <= shift.high  # type: ignore[operator]
    # Exact coverage 1 - 2 * 3/924 ... here 95.9 %; 2000 draws: sd 0.45 %.
    assert covered / 2000 >= 0.945


def test_relative_shift_is_a_ratio_on_the_log_scale() -> None:
    shift = relative_shift([100, 101, 99, 102, 98, 100], [150, 151.5, 148.5, 153, 147, 150])
    assert shift.estimate == pytest.approx(50.0, abs=1e-9)
    assert shift.low is not None and shift.high is not None
    assert 45 < shift.low <= 50 <= shift.high < 55
    # Scale free: the same ratio from values 1000 times larger.
    big = relative_shift([v * 1000 for v in (1, 2, 3, 4, 5)], [v * 2000 for v in (1, 2, 3, 4, 5)])
    small = relative_shift([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert big.estimate == pytest.approx(small.estimate) == pytest.approx(100.0)
    # With a 0 the shift is relative to the baseline median instead.
    zero = relative_shift([0, 10, 20], [5, 15, 25])
    assert zero.estimate == pytest.approx(50.0)
    with pytest.raises(ValueError, match="median other than 0"):
        relative_shift([0, 0, 0], [1, 2, 3])


def test_holm_step_down() -> None:
    # m = 4 at 0.05: 0.01 < 0.0125 rejected; 0.03 >= 0.05/3 stops; the rest are kept.
    levels, rejected = holm([0.01, 0.04, 0.03, 0.5], 0.05)
    assert levels == pytest.approx([0.0125, 0.025, 0.05 / 3, 0.05])
    assert rejected == [True, False, False, False]
    levels, rejected = holm([0.001, 0.02, 0.04], 0.05)
    assert rejected == [True, True, True]
    assert holm([], 0.05) == ([], [])


def test_holm_holds_the_family_wise_rate_under_the_null() -> None:
    rng = random.Random(3)
    families = 4000
    any_rejected = sum(
        any(holm([rng.random() for _ in range(5)], 0.05)[1]) for _ in range(families)
    )
    # Independent uniform p-values: FWER of Holm = 1 - 0.99^5 = 4.9 % at most.
    assert any_rejected / families <= 0.06
