"""A step's verdict from its results document."""

from __future__ import annotations

from typing import Any

from loadtests.capacity.evaluate import evaluate, machine_limited
from loadtests.capacity.search import Outcome
from loadtests.capacity.slo import parse_slo
from loadtests.capacity.steps import lowest_true_us, stamp_error_bound_us
from loadtests.measure import hdr

TERMS = parse_slo("fanout_p99<=10ms,lost=0")


def _fanout(fast: int, slow: int, slow_us: int) -> dict[str, Any]:
    """A fan-out summary of ``fast`` receipts at 5 ms and ``slow`` at ``slow_us``."""
    histogram = hdr.new_histogram()
    histogram.record_value(5_000, fast)
    histogram.record_value(slow_us, slow)
    return hdr.summary(histogram)


def _doc(
    p99_us: int = 5_000, lost: int = 0, lag_p99_us: int = 100, shared: int = 0, **flags: str
) -> Any:
    # 1,000 receipts; the slowest 2 % at p99_us, so p99 is p99_us.
    return {
        "latency": {
            "fanout": _fanout(980, 20, p99_us),
            "schedule_lag": {"count": 10, "p99": lag_p99_us},
        },
        "counters": {"lost": lost, "leaked": 0},
        "flags": dict(flags),
        "generator": {"shared_stamp_fanout": shared},
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


def test_shared_stamps_bound_the_true_percentile_from_below() -> None:
    doc = _doc(p99_us=12_000)
    assert doc["latency"]["fanout"]["p99"] == hdr.decode(
        doc["latency"]["fanout"]["hdr"]
    ).get_value_at_percentile(99.0)
    assert lowest_true_us(doc, "fanout", "p99") == doc["latency"]["fanout"]["p99"]
    assert stamp_error_bound_us(doc) == 0
    # 15 of 1,000 receipts may be early: the true p99 is at least the measured p97.5.
    fast = doc["latency"]["fanout"]["min"]  # the bottom of the 5 ms receipts' bucket
    doc["generator"]["shared_stamp_fanout"] = 15
    assert lowest_true_us(doc, "fanout", "p99") == fast
    assert stamp_error_bound_us(doc) == doc["latency"]["fanout"]["p99"] - fast
    # 5 of them: at least the measured p98.5, still in the slow 2 %.
    doc["generator"]["shared_stamp_fanout"] = 5
    assert lowest_true_us(doc, "fanout", "p99") == 12_000  # the slow bucket's bottom


def test_a_miss_the_shared_stamps_could_explain_cannot_decide() -> None:
    outcome, reason = evaluate(_doc(p99_us=12_000, shared=15), TERMS)
    assert outcome is Outcome.GENERATOR_LIMITED and "undecided" in reason
    # Too few shared stamps to pull p99 under the limit: the server failed.
    assert evaluate(_doc(p99_us=12_000, shared=5), TERMS)[0] is Outcome.FAIL
    # An undecided term never hides a sure failure: a loss, or a saturated server.
    outcome, reason = evaluate(_doc(p99_us=12_000, shared=15, lost=1), TERMS)
    assert outcome is Outcome.FAIL and reason.startswith("lost = 0")
    saturated = _doc(p99_us=12_000, shared=15, server_saturated="node-0 at capacity")
    assert evaluate(saturated, TERMS)[0] is Outcome.FAIL
    # A measured pass is a pass however many stamps were shared (they only overstate).
    assert evaluate(_doc(p99_us=9_000, shared=500), TERMS) == (Outcome.PASS, "")


def test_a_failure_on_a_shared_or_noisy_machine_is_never_the_nodes_capacity() -> None:
    for flag in ("shared_cpus", "noisy_machine"):
        doc = _doc(p99_us=12_000, **{flag: "servers and generator on CPU 0"})
        outcome, reason = machine_limited(doc, *evaluate(doc, TERMS))
        assert outcome is Outcome.GENERATOR_LIMITED
        assert reason.startswith(f"{flag}: servers and generator on CPU 0 (failed: fanout_p99")


def test_a_pass_or_a_clean_failure_keeps_its_outcome() -> None:
    passed = _doc(shared_cpus="servers and generator on CPU 0")
    assert machine_limited(passed, *evaluate(passed, TERMS)) == (Outcome.PASS, "")
    failed = _doc(p99_us=12_000)
    outcome, reason = machine_limited(failed, *evaluate(failed, TERMS))
    assert outcome is Outcome.FAIL and reason.startswith("fanout_p99 <= 10 ms")
