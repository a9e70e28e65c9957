"""Binomial bounds: injected-drop loss the gate accepts, and intervals for measured rates.

``loss_bounds``: with ``--inject-drop-rate r`` the server drops each room
delivery independently with probability r, so of N expected deliveries the
lost count is Binomial(N, r). The gate accepts loss only inside the central
99.9 % of that distribution; anything else (15 000 lost where 30 were due)
is a real loss the fault does not explain.

``wilson_interval``: the 95 % interval of a rate (false positives, power)
measured over n gates; unlike the plain p ± 2 sd it stays inside 0..1 and
is sensible at 0 of n.
"""

from __future__ import annotations

import math


def _log_pmf(k: int, n: int, p: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )


def loss_bounds(expected: int, rate: float, coverage: float = 0.999) -> tuple[int, int]:
    """Smallest and largest lost count inside the central ``coverage`` of Binomial(expected, rate).

    Exact: the probabilities are summed from each end until the tail would
    exceed (1 - coverage) / 2. A rate of 0 allows only 0, of 1 only ``expected``.
    """
    if expected < 0 or not 0 <= rate <= 1 or not 0 < coverage < 1:
        raise ValueError(f"loss_bounds({expected}, {rate}, {coverage}): out of range")
    if rate == 0 or expected == 0:
        return 0, 0
    if rate == 1:
        return expected, expected
    tail = (1 - coverage) / 2
    mean = expected * rate
    spread = 12 * math.sqrt(expected * rate * (1 - rate)) + 12
    low_k, high_k = max(0, int(mean - spread)), min(expected, int(mean + spread) + 1)
    # Mass below low_k / above high_k is < 1e-30: beyond what a tail of 5e-4 can see.
    pmf = [math.exp(_log_pmf(k, expected, rate)) for k in range(low_k, high_k + 1)]
    below = 0.0
    lower = low_k
    for i, mass in enumerate(pmf):
        if below + mass > tail:
            lower = low_k + i
            break
        below += mass
    above = 0.0
    upper = high_k
    for i in range(len(pmf) - 1, -1, -1):
        if above + pmf[i] > tail:
            upper = low_k + i
            break
        above += pmf[i]
    return lower, upper


def wilson_interval(rate: float, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion ``rate`` observed over ``n`` trials.

    ``rate`` may be an average over resampled splits (not a whole count over
    n): the interval then describes n trials' worth of information. With
    n = 0 nothing is known: (0, 1).
    """
    if n <= 0:
        return 0.0, 1.0
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)
