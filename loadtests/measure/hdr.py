"""HDR histograms of integer microseconds: create, record in bulk, merge, summarise.

DESIGN rule 1: 1 µs .. 60 s, 3 significant digits. ``hdrh``'s ``record_value``
is pure Python (about 0.9 µs a value), so the receive path only appends
latencies to an ``array`` and ``record_many`` adds them in bulk with the same
bucket arithmetic inlined (a few times faster; a test checks it against
``record_value``). Histograms travel between processes as hdrh's base64 V2
encoding, which also goes into the results file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 60_000_000
SIGNIFICANT_DIGITS = 3
PERCENTILES = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p99_9": 99.9}


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


def record_many(histogram: HdrHistogram, values_us: Iterable[int]) -> int:
    """Record every value (clamped into 0..60 s); return how many were recorded.

    Equivalent to ``record_value`` per value: the counts index is computed as
    hdrh does (unit magnitude 0 because the lowest value is 1).
    """
    counts = histogram.counts
    mask = histogram.sub_bucket_mask
    half_mag = histogram.sub_bucket_half_count_magnitude
    half = histogram.sub_bucket_half_count
    shift = half_mag + 1
    highest = histogram.highest_trackable_value
    tally = Counter(values_us)
    total = 0
    low = histogram.min_value
    high = histogram.max_value
    for value, count in tally.items():
        if value < 0:
            value = 0
        elif value > highest:
            value = highest
        bucket = (value | mask).bit_length() - shift
        index = ((bucket + 1) << half_mag) + (value >> bucket) - half
        counts[index] += count
        total += count
        if value < low:
            low = value
        if value > high:
            high = value
    if total:
        histogram.total_count += total
        histogram.min_value = low
        histogram.max_value = high
    return total


def encode(histogram: HdrHistogram) -> str:
    encoded: bytes = histogram.encode()
    return encoded.decode("ascii")


def decode(encoded: str) -> HdrHistogram:
    """A histogram from hdrh's base64 encoding (as stored in results files)."""
    return HdrHistogram.decode(encoded.encode("ascii"))


def add_encoded(histogram: HdrHistogram, encoded: str) -> None:
    if encoded:
        histogram.add(decode(encoded))


def summary(histogram: HdrHistogram) -> dict[str, Any]:
    """The results-schema summary: count, min, percentiles, max, mean (µs) and ``hdr``."""
    count = histogram.get_total_count()
    doc: dict[str, Any] = {"count": count}
    if count:
        doc["min"] = histogram.get_min_value()
        doc.update({k: histogram.get_value_at_percentile(p) for k, p in PERCENTILES.items()})
        doc["max"] = histogram.get_max_value()
        doc["mean"] = round(histogram.get_mean_value(), 1)
    else:
        doc.update({"min": 0, **{k: 0 for k in PERCENTILES}, "max": 0, "mean": 0.0})
    doc["hdr"] = encode(histogram)
    return doc
