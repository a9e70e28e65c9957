"""HDR helpers: bulk recording equals hdrh's own, merging adds counts up."""

from __future__ import annotations

import random

from loadtests.measure import hdr


def test_record_many_matches_record_value() -> None:
    rng = random.Random(7)
    values = [
        rng.choice([0, 1, 2047, 2048, 2049, 4095, 4096, 59_999_999, rng.randint(0, 10**7)])
        for _ in range(5000)
    ] + [-5, 70_000_000]
    mine, theirs = hdr.new_histogram(), hdr.new_histogram()
    assert hdr.record_many(mine, values) == len(values)
    for v in values:
        theirs.record_value(min(max(v, 0), hdr.HIGHEST_US))
    assert list(mine.counts) == list(theirs.counts)
    assert (mine.get_total_count(), mine.get_min_value(), mine.get_max_value()) == (
        theirs.get_total_count(),
        theirs.get_min_value(),
        theirs.get_max_value(),
    )


def test_merge_of_encoded_histograms_adds_counts() -> None:
    parts = [[100, 200, 300], [150] * 10, [5_000_000]]
    merged = hdr.new_histogram()
    for values in parts:
        h = hdr.new_histogram()
        hdr.record_many(h, values)
        hdr.add_encoded(merged, hdr.encode(h))
    assert merged.get_total_count() == 14
    summary = hdr.summary(merged)
    assert summary["count"] == 14 and summary["min"] == 100 and summary["p50"] == 150
    assert hdr.decode(summary["hdr"]).get_total_count() == 14


def test_empty_summary_has_every_key() -> None:
    summary = hdr.summary(hdr.new_histogram())
    assert summary["count"] == 0 and summary["p99_9"] == 0 and summary["hdr"]
