"""A step's verdict from its results document."""

from __future__ import annotations

from typing import Any

from loadtests.capacity.evaluate import evaluate
from loadtests.capacity.search import Outcome
from loadtests.capacity.slo import parse_slo

TERMS = parse_slo("fanout_p99<=10ms,lost=0")


def _doc(p99_us: int = 5_000, lost: int = 0, lag_p99_us: int = 100, **flags: str) -> Any:
    return {
        "latency": {
            "fanout": {"p99": p99_us},
            "schedule_lag": {"count": 10, "p99": lag_p99_us},
        },
        "counters": {"lost": lost, "leaked": 0},
        "flags": dict(flags),
        "generator": {"receive": {"frames": 1000, "frames_in_multi_frame_reads": 0}},
    }


def test_a_step_within_the_slo_passes() -> None:
    assert evaluate(_doc(), TERMS) == (Outcome.PASS, "")


def test_a_slow_or_lossy_step_fails_naming_the_term() -> None:
    outcome, reason = evaluate(_doc(p99_us=12_000), TERMS)
    assert outcome is Outcome.FAIL and reason.startswith("fanout_p99 <= 10 ms")
    outcome, reason = evaluate(_doc(lost=3), TERMS)
    assert outcome is Outcome.FAIL and reason.startswith("lost = 0")


def test_a_saturated_server_fails_even_within_the_slo() -> None:
    outcome, reason = evaluate(_doc(server_saturated="node-0 at capacity"), TERMS)
    assert outcome is Outcome.FAIL and "server_saturated" in reason


def test_a_limited_generator_is_never_a_server_verdict() -> None:
    for doc in (
        _doc(p99_us=50_000, generator_saturated="worker-0 above 90 %"),
        _doc(generator_starved="worker-0 waited 30 %"),
        _doc(lag_p99_us=20_000),
    ):
        assert evaluate(doc, TERMS)[0] is Outcome.GENERATOR_LIMITED


def test_a_miss_within_the_receive_stamp_bound_cannot_decide() -> None:
    doc = _doc(p99_us=11_000)
    doc["generator"]["receive"]["frames_in_multi_frame_reads"] = 200  # 20 % shared a read
    outcome, reason = evaluate(doc, TERMS)
    assert outcome is Outcome.GENERATOR_LIMITED and "error bound" in reason
    doc["latency"]["fanout"]["p99"] = 14_000  # beyond the 2 ms bound: the server failed
    assert evaluate(doc, TERMS)[0] is Outcome.FAIL
