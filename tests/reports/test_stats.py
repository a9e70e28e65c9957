"""Mann-Whitney U against textbook and reference values."""

from __future__ import annotations

import math

import pytest

from reports.stats import (
    STATISTICS,
    get_statistic,
    hodges_lehmann_shift,
    mann_whitney_u,
    min_attainable_p,
    rank_with_ties,
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
