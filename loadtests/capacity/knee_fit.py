"""Where the knee lies, from every window of repeated searches, and what one search can say.

A search decides each load on one to three windows, and one window's fan-out p99
scatters widely around the trend (issue 22: 25-38 % on 2 cores). Pooling the
windows of ``--repeat N`` searches of one configuration, ``fit`` draws the trend
``ln p99 = a + b ln load`` through the windows between half and twice the knee
(least squares, iterated as the knee moves) and reads:

- the pooled knee: the load where the trend meets the SLO's p99 limit, with its
  standard error ``(s / b) sqrt(1/n + (x0 - mean x)^2 / Sxx)`` in ``ln load`` (``s``
  the residual sd of ``ln p99``, ``x0`` the knee's ``ln load``), taking the windows as
  independent (windows of one search are not quite: read it as approximate);
- the windows one search would need near its knee to place it within ±5 % at
  two standard errors: ``(2 s / b / ln 1.05)^2``.

Windows measured again because the machine was noisy are left out, like the
search leaves them out, and so are generator-limited ones: their p99 is the
generator's as much as the node's.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from loadtests.model.capacity import ConfigEntry

ITERATIONS = 5
MIN_WINDOWS = 4
TARGET = 0.05  # ±5 %: the goal for one search
MAX_LN_LOAD = 50.0  # e^50 deliveries/s: beyond it the trend is flat, not a knee


@dataclass(frozen=True)
class KneeFit:
    windows: int  # windows between half and twice the knee
    slope: float  # d ln p99 / d ln load
    residual_sd: float  # one window's scatter around the trend, in ln p99
    knee: float  # load where the trend meets the limit
    knee_se: float  # standard error of the pooled knee in ln load (0.05: about 5 %)
    windows_for_target: int  # windows near the knee one search needs for ±5 % (2 se)


def fit(windows: Iterable[tuple[float, float]], limit: float) -> KneeFit | None:
    """The trend through ``(load, p99)`` windows near where p99 crosses ``limit`` (same
    unit as p99); None when no window broke the limit or no rising trend is found."""
    pts = [(load, p99) for load, p99 in windows if load > 0 and p99 > 0]
    if limit <= 0:
        return None
    above = [load for load, p99 in pts if p99 > limit]
    if not above:
        return None
    knee = statistics.median(above)
    near: list[tuple[float, float]] = []
    a = b = 0.0
    for _ in range(ITERATIONS):
        near = [(math.log(x), math.log(y)) for x, y in pts if knee / 2 <= x <= knee * 2]
        if len(near) < MIN_WINDOWS or len({x for x, _ in near}) < 2:
            return None
        b, a = statistics.linear_regression([x for x, _ in near], [y for _, y in near])
        x0 = (math.log(limit) - a) / b if b > 0 else math.inf
        if not abs(x0) < MAX_LN_LOAD:  # a falling or flat trend never meets the limit
            return None
        knee = math.exp(x0)
    s = statistics.stdev(y - (a + b * x) for x, y in near)
    mean_x = statistics.fmean(x for x, _ in near)
    sxx = sum((x - mean_x) ** 2 for x, _ in near)
    return KneeFit(
        windows=len(near),
        slope=b,
        residual_sd=s,
        knee=knee,
        knee_se=s / b * math.sqrt(1 / len(near) + (x0 - mean_x) ** 2 / sxx),
        windows_for_target=math.ceil((2 * s / b / math.log(1 + TARGET)) ** 2),
    )


def windows_of(searches: Iterable[ConfigEntry]) -> list[tuple[float, float]]:
    """``(offered load, fan-out p99 µs)`` of every window the searches decided on."""
    return [
        (step["load"], float(step["p99_us"]))
        for entry in searches
        for step in entry["steps"]
        if step["p99_us"] is not None
        and step.get("role") != "noisy"
        and step["outcome"] != "generator-limited"
    ]


def line(name: str, result: KneeFit | None, unit: str) -> str:
    if result is None:
        return f"  {name:<14} pooled knee: no rising trend through the limit in these windows"
    return (
        f"  {name:<14} pooled knee {result.knee:,.0f} {unit} (±{100 * result.knee_se:.1f} %, "
        f"{result.windows} windows: slope {result.slope:.2f}, scatter {result.residual_sd:.2f}); "
        f"one search within ±{100 * TARGET:.0f} % needs about {result.windows_for_target} "
        "windows near its knee"
    )
