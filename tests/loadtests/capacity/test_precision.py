"""--repeat N: each configuration's median, range and relative spread; the summary's
bracket, normalised capacity and machine speed; an unconfirmed knee is no capacity."""

from __future__ import annotations

from typing import Any

import pytest

from loadtests.capacity import document
from loadtests.capacity.precision import precision, precision_lines


def _entry(name: str, verdict: str, rate: float | None, index: float = 0.5) -> dict[str, Any]:
    cap = (
        None
        if rate is None
        else {"deliveries_per_s": rate, "normalised_deliveries_per_s": rate / index}
    )
    return {"name": name, "verdict": verdict, "capacity": cap}


def test_median_range_and_spread_raw_and_normalised() -> None:
    doc = {
        "configs": [
            _entry("eventlet", "capacity", 6000.0),
            _entry("eventlet", "capacity", 5700.0),
            _entry("eventlet", "capacity", 6300.0),
            _entry("gevent", "capacity", 5000.0),
            _entry("gevent", "unconfirmed", None),
        ]
    }
    eventlet, gevent = precision(doc)
    assert eventlet["raw"] == {
        "median": 6000.0,
        "low": 5700.0,
        "high": 6300.0,
        "relative_spread": pytest.approx(0.1),
    }
    assert eventlet["normalised"]["median"] == 12000.0
    assert (gevent["counted"], gevent["searches"], gevent["other_verdicts"]) == (
        1,
        2,
        ["unconfirmed"],
    )
    lines = precision_lines(doc)
    assert "eventlet       raw 6,000 (5,700-6,300, spread 10.0 %)" in lines[1]
    assert "normalised 12,000 (11,400-12,600, spread 10.0 %)" in lines[1]
    assert "[1 of 2 searches at a confirmed capacity; others: unconfirmed]" in lines[2]


def test_no_precision_lines_for_single_searches() -> None:
    assert precision_lines({"configs": [_entry("eventlet", "capacity", 6000.0)]}) == []


def test_summary_says_unconfirmed_and_shows_the_machine() -> None:
    confirmed = {
        "name": "eventlet",
        "verdict": "capacity",
        "capacity": {
            "deliveries_per_s": 6000.0,
            "messages_per_s": 300.0,
            "users": 200,
            "p99_us": 8000,
            "normalised_deliveries_per_s": 12000.0,
        },
        "bound_by": "fanout_p99",
        "bracket": {"confirmed": True, "pass_load": 6000, "fail_load": 6600, "extra_windows": 2},
        "speed": {"index": 0.5, "index_low": 0.48, "index_high": 0.52},
    }
    unconfirmed = {
        "name": "gevent",
        "verdict": "unconfirmed",
        "capacity": None,
        "bound_by": "fanout_p99",
        "bracket": {"confirmed": False, "pass_load": 5000, "fail_load": 5500},
    }
    doc = {"slo": "fanout_p99<=10ms", "axis": "rate", "unit": "deliveries/s"}
    lines = document.summary_lines({**doc, "configs": [confirmed, unconfirmed]})
    assert "6,000 deliveries/s" in lines[1]
    assert "bracket 6,000-6,600 confirmed (+2 windows)" in lines[2]
    assert "normalised 12,000 deliveries/s" in lines[2]
    assert "your machine: 0.50× the reference (0.48-0.52)" in lines[2]
    assert "knee UNCONFIRMED between 5,000 and 5,500" in lines[3]
    assert "not a capacity" in lines[3]
