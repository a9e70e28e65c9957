"""Decode, merge and read encoded HDR histograms (integer microseconds).

Repeats of one configuration are pooled by adding their histograms: the
merged histogram's percentiles are those of all deliveries together, which
averaging per-repeat percentiles would not give.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram

from loadtests.measure import hdr

# Percentile-distribution x axis: 1/(1-p) from p50 to p99.99, the usual HDR plot.
PERCENTILE_TICKS = (50.0, 90.0, 99.0, 99.9, 99.99)


def merge(encoded_blobs: Iterable[str]) -> HdrHistogram:
    """Add every histogram into a fresh one with the measurement core's range (empty skipped)."""
    merged = hdr.new_histogram()
    for blob in encoded_blobs:
        hdr.add_encoded(merged, blob)
    return merged


@dataclass(frozen=True)
class LatencyFigures:
    """Percentiles of one (merged) histogram, in microseconds; None when it is empty."""

    count: int
    p50_us: int | None
    p90_us: int | None
    p99_us: int | None
    p99_9_us: int | None
    max_us: int | None
    mean_us: float | None


def figures(hist: HdrHistogram) -> LatencyFigures:
    if hist.get_total_count() == 0:
        return LatencyFigures(0, None, None, None, None, None, None)
    return LatencyFigures(
        count=hist.get_total_count(),
        p50_us=hist.get_value_at_percentile(50),
        p90_us=hist.get_value_at_percentile(90),
        p99_us=hist.get_value_at_percentile(99),
        p99_9_us=hist.get_value_at_percentile(99.9),
        max_us=hist.get_max_value(),
        mean_us=float(hist.get_mean_value()),
    )


def percentile_curve(hist: HdrHistogram, points: int = 80) -> list[tuple[float, int]]:
    """(1/(1-p), value_us) pairs spaced evenly on a log axis from p50 to p99.99."""
    if hist.get_total_count() == 0:
        return []
    lo, hi = 2.0, 10_000.0
    curve = []
    for i in range(points):
        inverse_tail = lo * (hi / lo) ** (i / (points - 1))
        percentile = 100.0 * (1.0 - 1.0 / inverse_tail)
        curve.append((inverse_tail, hist.get_value_at_percentile(percentile)))
    return curve


def cdf(hist: HdrHistogram, max_points: int = 300) -> list[tuple[int, float]]:
    """(value_us, fraction of deliveries at or below it) at each recorded bucket."""
    total = hist.get_total_count()
    if total == 0:
        return []
    points: list[tuple[int, float]] = []
    running = 0
    for item in hist.get_recorded_iterator():
        running += item.count_at_value_iterated_to
        points.append((hist.get_highest_equivalent_value(item.value_iterated_to), running / total))
    return thin(points, max_points)


def thin(points: Sequence[tuple[int, float]], max_points: int) -> list[tuple[int, float]]:
    """Keep at most ``max_points`` evenly spaced points, always the first and last."""
    if len(points) <= max_points:
        return list(points)
    step = (len(points) - 1) / (max_points - 1)
    return [points[round(i * step)] for i in range(max_points)]
