"""The speed index: arithmetic on known times, and a real (short) probe's shape."""

from __future__ import annotations

import os

import pytest

from loadtests.measure import speed


def test_index_is_reference_over_median() -> None:
    probe = speed.Speed((0.040, 0.060, 0.050), reference_s=0.030)
    assert probe.median_s == pytest.approx(0.050)
    assert probe.index == pytest.approx(0.6)  # slower than the reference
    assert probe.index_low == pytest.approx(0.5)  # the slowest repeat
    assert probe.index_high == pytest.approx(0.75)  # the fastest repeat
    assert probe.spread == pytest.approx(0.4)  # (0.060 - 0.040) / 0.050
    doc = probe.to_schema("before", [1])
    assert doc["index"] == 0.6 and doc["repeats"] == 3 and doc["cpus"] == [1]
    assert doc["when"] == "before" and doc["reference_s"] == 0.030


def test_faster_machine_has_index_above_one() -> None:
    assert speed.Speed((0.015,) * 3, reference_s=0.030).index == pytest.approx(2.0)


def test_combined_takes_the_median_and_the_widest_range() -> None:
    probes = [
        speed.Speed(t, reference_s=0.03).to_schema(w)
        for t, w in (((0.03, 0.03, 0.06), "before"), ((0.015, 0.03, 0.03), "after"))
    ]
    both = speed.combined(probes)
    assert both is not None
    assert both["index"] == 1.0 and both["index_low"] == 0.5 and both["index_high"] == 2.0
    assert [p["when"] for p in both["probes"]] == ["before", "after"]
    assert speed.combined([]) is None


def test_normalised_divides_by_the_index() -> None:
    assert speed.normalised(5000.0, {"index": 0.5}) == pytest.approx(10000.0)
    assert speed.normalised(5000.0, None) is None
    assert speed.normalised(None, {"index": 0.5}) is None
    text = speed.describe({"index": 0.45, "index_low": 0.43, "index_high": 0.47})
    assert text == "your machine: 0.45× the reference (0.43-0.47)"


def test_a_probe_times_every_repeat_and_restores_affinity() -> None:
    before = os.sched_getaffinity(0)
    cpu = min(before)
    probe = speed.probe(repeats=3, cpus=[cpu])
    assert len(probe.times_s) == 3 and all(t > 0 for t in probe.times_s)
    assert os.sched_getaffinity(0) == before
    with pytest.raises(ValueError):
        speed.probe(repeats=0)


def test_the_workload_does_fixed_work() -> None:
    assert speed._dict_and_list() == speed.ROUNDS * speed.MEMBERS
    assert speed._loopback() == speed.FRAMES * speed.FRAME_BYTES
    assert speed._json_encode() > speed.MESSAGES * 60
