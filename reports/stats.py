"""Two-sample tests that decide whether a change is real, behind a small registry.

Latency samples are skewed and heavy-tailed, so the tests here are rank-based
and assume no distribution. Mann-Whitney U is the default: exact (the null
distribution of U counted with Gaussian binomial coefficients) for small
samples without ties, the normal approximation with tie and continuity
correction otherwise, the same choices as common statistics packages, so the
p-values can be checked against textbook tables.

Another statistic plugs in by adding a function with the ``TwoSampleTest``
signature to ``STATISTICS``; the gate names it in ``gate.toml``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Exact counting costs O(n1 * n1 * n2); beyond this product the normal
# approximation is within a hair of the exact value anyway.
EXACT_MAX_PRODUCT = 2500


@dataclass(frozen=True)
class TestResult:
    """Outcome of a two-sided two-sample test.

    ``statistic`` is the test's own statistic (U of the first sample for
    Mann-Whitney); ``method`` says how the p-value was obtained.
    """

    __test__ = False  # not a pytest test class, despite the name

    name: str
    statistic: float
    p_value: float
    method: str
    n_x: int
    n_y: int


TwoSampleTest = Callable[[Sequence[float], Sequence[float]], TestResult]


def rank_with_ties(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Return 1-based ranks (ties get their mean rank) and the sizes of the tie groups."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    tie_sizes: list[int] = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mean_rank = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = mean_rank
        if j > i:
            tie_sizes.append(j - i + 1)
        i = j + 1
    return ranks, tie_sizes


def u_distribution(n_x: int, n_y: int) -> list[int]:
    """Number of rank arrangements giving each U = 0 .. n_x*n_y (no ties).

    These are the coefficients of the Gaussian binomial [n_x+n_y choose n_x]_q
    = prod_{i=1..n_x} (1 - q^(n_y+i)) / (1 - q^i), built one factor at a time;
    every partial product is itself a polynomial with integer coefficients.
    """
    size = n_x * n_y + 1
    poly = [0] * size
    poly[0] = 1
    for i in range(1, n_x + 1):
        shift = n_y + i
        for k in range(size - 1, shift - 1, -1):
            poly[k] -= poly[k - shift]
        for k in range(i, size):
            poly[k] += poly[k - i]
    return poly


def _exact_two_sided_p(u: float, n_x: int, n_y: int) -> float:
    counts = u_distribution(n_x, n_y)
    total = sum(counts)
    u_low = int(min(u, n_x * n_y - u))
    tail = sum(counts[: u_low + 1])
    return min(1.0, 2.0 * tail / total)


def mann_whitney_u(x: Sequence[float], y: Sequence[float], method: str = "auto") -> TestResult:
    """Two-sided Mann-Whitney U test of ``x`` against ``y``.

    ``statistic`` is U of ``x`` (the number of pairs where x beats y, ties
    counting one half). ``method`` is ``"auto"`` (default: exact when there
    are no ties and n_x * n_y <= EXACT_MAX_PRODUCT), ``"exact"`` or
    ``"normal"``. Raises ValueError when either sample is empty, or when
    ``"exact"`` is asked for tied values.
    """
    if method not in ("auto", "exact", "normal"):
        raise ValueError(f"method {method!r}: use auto, exact or normal")
    n_x, n_y = len(x), len(y)
    if n_x == 0 or n_y == 0:
        raise ValueError("Mann-Whitney U needs at least one value on each side")
    ranks, tie_sizes = rank_with_ties(list(x) + list(y))
    u_x = sum(ranks[:n_x]) - n_x * (n_x + 1) / 2
    if method == "exact" and tie_sizes:
        raise ValueError("the exact Mann-Whitney distribution assumes no ties")
    exact = method == "exact" or (
        method == "auto" and not tie_sizes and n_x * n_y <= EXACT_MAX_PRODUCT
    )
    if exact:
        return TestResult("mann-whitney", u_x, _exact_two_sided_p(u_x, n_x, n_y), "exact", n_x, n_y)
    n = n_x + n_y
    mean_u = n_x * n_y / 2
    tie_term = sum(t**3 - t for t in tie_sizes) / (n * (n - 1))
    variance = n_x * n_y / 12 * ((n + 1) - tie_term)
    if variance <= 0:
        # Every value is the same: nothing distinguishes the samples.
        return TestResult("mann-whitney", u_x, 1.0, "normal, all values tied", n_x, n_y)
    z = max(0.0, abs(u_x - mean_u) - 0.5) / math.sqrt(variance)
    p_value = min(1.0, math.erfc(z / math.sqrt(2)))
    return TestResult("mann-whitney", u_x, p_value, "normal approximation, tie-corrected", n_x, n_y)


def min_attainable_p(n_x: int, n_y: int) -> float:
    """Smallest two-sided Mann-Whitney p-value possible with these sample sizes.

    With 3 against 3 it is 0.1: such a test can never reject at alpha 0.05,
    so callers use it to decide whether repeats alone can carry a test.
    """
    if n_x == 0 or n_y == 0:
        return 1.0
    return min(1.0, 2.0 / math.comb(n_x + n_y, n_x))


def hodges_lehmann_shift(x: Sequence[float], y: Sequence[float]) -> float:
    """Median of all pairwise differences y_j - x_i: a robust estimate of the shift x -> y."""
    diffs = sorted(b - a for a in x for b in y)
    if not diffs:
        raise ValueError("Hodges-Lehmann needs at least one value on each side")
    mid = len(diffs) // 2
    return diffs[mid] if len(diffs) % 2 else (diffs[mid - 1] + diffs[mid]) / 2


STATISTICS: dict[str, TwoSampleTest] = {"mann-whitney": mann_whitney_u}


def get_statistic(name: str) -> TwoSampleTest:
    """Look a test up by name, naming the known ones when it is not there."""
    try:
        return STATISTICS[name]
    except KeyError:
        raise KeyError(f"unknown statistic {name!r}: choose one of {sorted(STATISTICS)}") from None
