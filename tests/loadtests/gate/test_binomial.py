"""Binomial bounds of injected loss and Wilson intervals of measured rates."""

from __future__ import annotations

import math

import pytest

from loadtests.gate.binomial import loss_bounds, wilson_interval


def _cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def test_loss_bounds_are_the_exact_central_quantiles() -> None:
    n, p, tail = 2000, 0.02, 0.0005
    low, high = loss_bounds(n, p, 0.999)
    # low: the smallest k with P(X <= k) > tail; high: the largest k with P(X >= k) > tail.
    assert _cdf(low, n, p) > tail >= _cdf(low - 1, n, p)
    assert 1 - _cdf(high - 1, n, p) > tail >= 1 - _cdf(high, n, p)


def test_wilson_interval_reference_values() -> None:
    # Wilson 95 % for 0 of 20: (0, 0.161); for 10 of 20: (0.299, 0.701).
    low, high = wilson_interval(0.0, 20)
    assert low == 0.0 and high == pytest.approx(0.1611, abs=1e-4)
    low, high = wilson_interval(0.5, 20)
    assert (low, high) == (pytest.approx(0.2993, abs=1e-4), pytest.approx(0.7007, abs=1e-4))
    assert wilson_interval(0.3, 0) == (0.0, 1.0)
