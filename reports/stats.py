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
    return _median_sorted(diffs)


def _median_sorted(values: Sequence[float]) -> float:
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _lower_tail_count(n_x: int, n_y: int, alpha: float) -> int:
    """Largest c with 2 * P(U <= c - 1) <= alpha under the null, or 0 when none.

    The pairwise differences from the c-th smallest to the c-th largest are
    then a confidence interval of at least 1 - alpha for the shift (Moses);
    exact counts of U for small samples, the normal approximation beyond.
    """
    total_pairs = n_x * n_y
    if total_pairs <= EXACT_MAX_PRODUCT:
        counts = u_distribution(n_x, n_y)
        total = sum(counts)
        cumulative = 0
        c = 0
        for u, count in enumerate(counts):
            cumulative += count
            if 2 * cumulative / total > alpha:
                break
            c = u + 1
        return c
    z = _normal_quantile(1 - alpha / 2)
    sd = math.sqrt(n_x * n_y * (n_x + n_y + 1) / 12)
    return max(0, math.floor(total_pairs / 2 - z * sd))


def _normal_quantile(q: float) -> float:
    """Inverse of the standard normal CDF by bisection on erfc (plenty for a CI bound)."""
    low, high = -40.0, 40.0
    for _ in range(200):
        mid = (low + high) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < q:
            low = mid
        else:
            high = mid
    return (low + high) / 2


@dataclass(frozen=True)
class Shift:
    """A Hodges-Lehmann shift of ``y`` against ``x`` with its distribution-free CI.

    ``low``/``high`` are None when no interval of that confidence exists for
    samples this small (every arrangement is likelier than alpha allows).
    The interval and the Mann-Whitney test are two views of one computation:
    0 lies outside [low, high] exactly when the exact two-sided test gives
    p <= alpha (no ties), so the estimate, its interval and its test always agree.
    """

    estimate: float
    low: float | None
    high: float | None
    confidence: float  # the achieved coverage (exact counts are discrete)


def shift_interval(x: Sequence[float], y: Sequence[float], alpha: float = 0.05) -> Shift:
    """Hodges-Lehmann shift y - x and its (1 - alpha) Moses confidence interval."""
    diffs = sorted(b - a for a in x for b in y)
    if not diffs:
        raise ValueError("a shift needs at least one value on each side")
    c = _lower_tail_count(len(x), len(y), alpha)
    if c == 0:
        return Shift(_median_sorted(diffs), None, None, 0.0)
    if len(x) * len(y) <= EXACT_MAX_PRODUCT:
        counts = u_distribution(len(x), len(y))
        coverage = 1 - 2 * sum(counts[:c]) / sum(counts)
    else:
        coverage = 1 - alpha
    return Shift(_median_sorted(diffs), diffs[c - 1], diffs[len(diffs) - c], coverage)


def relative_shift(x: Sequence[float], y: Sequence[float], alpha: float = 0.05) -> Shift:
    """The shift of ``y`` against ``x`` in percent, with its (1 - alpha) interval.

    Positive values: the Hodges-Lehmann shift of the logarithms, as a ratio
    (exp(shift) - 1, so +100 % is twice as large and the scale does not matter).
    Values at or below 0 (a CPU share of 0): the plain shift over the median of
    ``x``. Ranks do not change under the logarithm, so the Mann-Whitney test of
    the raw values is the test of this estimate.
    """
    if all(v > 0 for v in x) and all(v > 0 for v in y):
        logs = shift_interval([math.log(v) for v in x], [math.log(v) for v in y], alpha)

        def pct(v: float | None) -> float | None:
            return None if v is None else math.expm1(v) * 100

        return Shift(pct(logs.estimate) or 0.0, pct(logs.low), pct(logs.high), logs.confidence)
    raw = shift_interval(x, y, alpha)
    scale = abs(_median_sorted(sorted(x)))
    if scale == 0:
        raise ValueError("a relative shift needs a baseline median other than 0")

    def rel(v: float | None) -> float | None:
        return None if v is None else v / scale * 100

    return Shift(raw.estimate / scale * 100, rel(raw.low), rel(raw.high), raw.confidence)


def holm(p_values: Sequence[float], alpha: float) -> tuple[list[float], list[bool]]:
    """Holm-Bonferroni: each p-value's level and whether it is rejected, in input order.

    Sorted ascending, the k-th smallest (k from 0) of m is compared with
    alpha / (m - k); the first that is not below its level stops the
    procedure, and it and every later one are not rejected. This holds the
    family-wise error rate at ``alpha`` under any dependence between the tests.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    levels = [0.0] * m
    rejected = [False] * m
    going = True
    for rank, i in enumerate(order):
        levels[i] = alpha / (m - rank)
        going = going and p_values[i] < levels[i]
        rejected[i] = going
    return levels, rejected


STATISTICS: dict[str, TwoSampleTest] = {"mann-whitney": mann_whitney_u}


def get_statistic(name: str) -> TwoSampleTest:
    """Look a test up by name, naming the known ones when it is not there."""
    try:
        return STATISTICS[name]
    except KeyError:
        raise KeyError(f"unknown statistic {name!r}: choose one of {sorted(STATISTICS)}") from None
