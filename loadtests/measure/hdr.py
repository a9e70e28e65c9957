"""HDR histograms of integer microseconds: create, record in bulk, merge, summarise.

Measurement rule 1 (docs/measurement.md): 1 µs .. 60 s, 3 significant digits.
``hdrh``'s ``record_value``
is pure Python (about 0.9 µs a value), so the receive path only appends
latencies to an ``array`` and ``record_many`` adds them in bulk with the same
bucket arithmetic inlined (a few times faster; a test checks it against
``record_value``). Histograms travel between processes as hdrh's base64 V2
encoding, which also goes into the results file.

Nothing is clamped silently (measurement rule 8): a value below 0 is recorded
as 0 and one above 60 s as 60 s, so every receipt still counts once, and each
such value is counted in an ``OutOfRange`` the results report beside the
histogram. A histogram cannot hold negatives, so latencies that may still be
corrected (across hosts) travel as a ``signed`` pair and are shifted and
recorded at the master (``record_shifted``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from hdrh.histogram import HdrHistogram

from loadtests.model.results import LatencySummary

LOWEST_US = 1
HIGHEST_US = 60_000_000
SIGNIFICANT_DIGITS = 3
PERCENTILES = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p99_9": 99.9}


@dataclass
class OutOfRange:
    """Values recorded at an edge of the range instead of their own: counted, never hidden."""

    negative: int = 0  # below 0 µs, recorded as 0
    over: int = 0  # above HIGHEST_US, recorded as HIGHEST_US

    def add(self, other: OutOfRange) -> None:
        self.negative += other.negative
        self.over += other.over

    def to_list(self) -> list[int]:
        return [self.negative, self.over]

    @classmethod
    def from_list(cls, raw: list[int] | None) -> OutOfRange:
        return cls(*raw) if raw else cls()


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


def record_many(
    histogram: HdrHistogram, values_us: Iterable[int], out_of_range: OutOfRange | None = None
) -> int:
    """Record every value (clamped into 0..60 s); return how many were recorded.

    Equivalent to ``record_value`` per value: the counts index is computed as
    hdrh does (unit magnitude 0 because the lowest value is 1). Clamped values
    are counted into ``out_of_range`` when one is given.
    """
    return _record_tally(histogram, Counter(values_us), out_of_range)


def _record_tally(
    histogram: HdrHistogram, tally: Counter[int], out_of_range: OutOfRange | None
) -> int:
    counts = histogram.counts
    mask = histogram.sub_bucket_mask
    half_mag = histogram.sub_bucket_half_count_magnitude
    half = histogram.sub_bucket_half_count
    shift = half_mag + 1
    highest = histogram.highest_trackable_value
    total = 0
    low = histogram.min_value
    high = histogram.max_value
    negative = over = 0
    for value, count in tally.items():
        if value < 0:
            value = 0
            negative += count
        elif value > highest:
            value = highest
            over += count
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
    if out_of_range is not None:
        out_of_range.negative += negative
        out_of_range.over += over
    return total


def signed(values_us: Iterable[int]) -> tuple[str, str]:
    """Encode values that may be negative as (values >= 0, minus the values < 0)."""
    positive, negative = new_histogram(), new_histogram()
    ups: list[int] = []
    downs: list[int] = []
    for value in values_us:
        if value >= 0:
            ups.append(value)
        else:
            downs.append(-value)
    record_many(positive, ups)
    record_many(negative, downs)
    return (encode(positive) if ups else "", encode(negative) if downs else "")


SignedPair = tuple[HdrHistogram, HdrHistogram]  # (values >= 0, minus the values < 0)


def decode_signed(encoded: tuple[str, str] | list[str]) -> SignedPair:
    positive, negative = new_histogram(), new_histogram()
    add_encoded(positive, encoded[0])
    add_encoded(negative, encoded[1])
    return positive, negative


def record_shifted(
    target: HdrHistogram,
    pair: SignedPair,
    shift_us: int,
    out_of_range: OutOfRange,
) -> int:
    """Record a signed pair's values minus ``shift_us`` into ``target``; return the count.

    Each bucket's values are taken as its midpoint (within the histogram's
    precision, 0.1 %), shifted, and recorded again; the result is clamped and
    counted like ``record_many``.
    """
    shifted: Counter[int] = Counter()
    for index, source in enumerate(pair):
        if not source.get_total_count():
            continue
        sign = 1 if index == 0 else -1
        for item in source.get_recorded_iterator():
            high = item.value_iterated_to
            low = source.get_lowest_equivalent_value(high)
            shifted[sign * ((low + high) // 2) - shift_us] += item.count_added_in_this_iter_step
    return _record_tally(target, shifted, out_of_range)


def encode(histogram: HdrHistogram) -> str:
    encoded: bytes = histogram.encode()
    return encoded.decode("ascii")


def decode(encoded: str) -> HdrHistogram:
    """A histogram from hdrh's base64 encoding (as stored in results files)."""
    return HdrHistogram.decode(encoded.encode("ascii"))


def add_encoded(histogram: HdrHistogram, encoded: str) -> None:
    if encoded:
        decoded = decode(encoded)
        histogram.add(decoded)
        release(decoded)


def release(histogram: HdrHistogram) -> None:
    """Free a histogram no longer used as soon as it is dropped.

    hdrh's histogram and its encoder refer to each other, so a dropped one (136 KiB
    dense) waits for the cyclic garbage collector, and one that lived long enough to
    be in its oldest generation waits for a full collection: the master's RSS grew
    with compacted seconds as if they were still dense until this broke the cycle.
    """
    histogram.encoder.histogram = None


def summary(histogram: HdrHistogram) -> LatencySummary:
    """The results-schema summary: count, min, percentiles, max, mean (µs) and ``hdr``."""
    count = histogram.get_total_count()
    at = {k: histogram.get_value_at_percentile(p) if count else 0 for k, p in PERCENTILES.items()}
    return {
        "count": count,
        "min": histogram.get_min_value() if count else 0,
        "p50": at["p50"],
        "p90": at["p90"],
        "p99": at["p99"],
        "p99_9": at["p99_9"],
        "max": histogram.get_max_value() if count else 0,
        "mean": round(histogram.get_mean_value(), 1) if count else 0.0,
        "hdr": encode(histogram),
    }
