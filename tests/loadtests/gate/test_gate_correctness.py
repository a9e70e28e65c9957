"""What fails a candidate whatever its timing: counters, failed, incomplete or missing runs.

Rules changed by issue 12: loss with injected drops passes only inside the
binomial 99.9 % bounds (the old "the baseline injected the same rate" excuse
is gone); a failed, incomplete or missing candidate run fails (it used to be
ignored, inconclusive or a note); an unplanned dead node or dropped
connections fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from loadtests.gate.binomial import loss_bounds
from loadtests.gate.correctness import RunRecord, manifest_records
from loadtests.gate.decision import evaluate
from loadtests.gate.report import render_text
from loadtests.model.exit_codes import EXIT_INCONCLUSIVE, EXIT_REGRESSION
from reports.loading import InputError
from reports.rules import load_rules
from reports.verdict import FAIL, PASS, Verdict
from tests.reports.factory import make_results

RULES = load_rules()
DROPS = {"inject_delay_ms": 0.0, "inject_drop_rate": 0.01}
_MADE: dict[int, dict[str, Any]] = {}


def _run(repeat: int = 0, seed: int = 1, name: str = "single-1", **changes: Any) -> dict[str, Any]:
    """A fixture run (made once) with top-level keys or counters changed."""
    if seed not in _MADE:
        _MADE[seed] = make_results("single-1", seed=seed, window_s=5, users=20)
    doc = _MADE[seed]
    counters = {**doc["counters"], **changes.pop("counters", {})}
    counters["expected"] = counters["delivered"] + counters["lost"]
    config = {**doc["config"], "name": name}
    if "faults" in changes:
        config["faults"] = changes.pop("faults")
    return {
        **doc,
        "config_name": name,
        "repeat": repeat,
        "counters": counters,
        "config": config,
        "flags": {},
        **changes,
    }


def _failing(verdict: Verdict) -> list[str]:
    return [c.metric for c in verdict.checks if c.verdict == FAIL]


def test_loss_without_faults_fails_outright_whatever_the_timing() -> None:
    verdict = evaluate([_run()], [_run(seed=2, counters={"lost": 3})], RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    [check] = [c for c in verdict.checks if c.verdict == FAIL]
    assert check.metric == "lost"
    assert "3 lost deliveries in the candidate (no fault injected)" in check.reason


@pytest.mark.parametrize("counter", ["leaked", "duplicated"])
def test_leaks_and_duplicates_fail_even_with_injected_drops(counter: str) -> None:
    cand = _run(seed=2, counters={counter: 1}, faults=DROPS)
    verdict = evaluate([_run()], [cand], RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    assert counter in _failing(verdict)


def test_binomial_bounds_of_injected_loss() -> None:
    low, high = loss_bounds(100_000, 0.01)
    # Binomial(100 000, 0.01): mean 1000, sd 31.5; 99.9 % central is about +-3.29 sd.
    assert 890 <= low <= 900 and 1100 <= high <= 1110
    assert loss_bounds(1000, 0.0) == (0, 0)
    assert loss_bounds(1000, 1.0) == (1000, 1000)
    with pytest.raises(ValueError):
        loss_bounds(10, 1.5)


def _dropping(lost: int, expected: int = 100_000) -> dict[str, Any]:
    return _run(seed=2, counters={"lost": lost, "delivered": expected - lost}, faults=DROPS)


def test_injected_loss_passes_only_inside_its_binomial_bounds() -> None:
    low, high = loss_bounds(100_000, 0.01)
    ok = evaluate([_run()], [_dropping((low + high) // 2)], RULES)
    assert "lost" not in _failing(ok), render_text(ok)
    assert "inside" in next(c.reason for c in ok.checks if c.metric == "correctness")
    assert evaluate([_run()], [_dropping(low)], RULES).exit_code != EXIT_REGRESSION
    assert evaluate([_run()], [_dropping(high)], RULES).exit_code != EXIT_REGRESSION
    # Too much loss, far too much, and none at all (the fault did not act) all fail.
    for lost in (high + 1, 15_000, low - 1, 0):
        verdict = evaluate([_run()], [_dropping(lost)], RULES)
        assert verdict.exit_code == EXIT_REGRESSION, lost
        reason = next(c.reason for c in verdict.checks if c.metric == "lost")
        assert f"{lost} lost: outside {low}..{high} lost expected of 100000" in reason
        assert "drop rate 0.01" in reason


def test_a_baseline_injecting_the_same_drops_no_longer_excuses_any_loss() -> None:
    # Issue 12's case: baseline lost 30, candidate 15 000, both at the same rate.
    base = _run(counters={"lost": 30}, faults=DROPS)
    cand = _run(seed=2, counters={"lost": 15_000}, faults=DROPS)
    assert evaluate([base], [cand], RULES).exit_code == EXIT_REGRESSION


def test_a_failed_candidate_repeat_fails_the_gate() -> None:
    records = [
        RunRecord("single-1", 0, None),
        RunRecord("single-1", 1, "locust (single-1) did not finish within 110 s\nlog tail"),
    ]
    verdict = evaluate([_run()], [_run(seed=2)], RULES, records=records)
    assert verdict.exit_code == EXIT_REGRESSION
    check = next(c for c in verdict.checks if c.metric == "run")
    assert check.reason == "repeat 1 failed: locust (single-1) did not finish within 110 s"


def test_manifest_records_read_outcomes_and_tolerate_old_manifests() -> None:
    doc = {"outcomes": [{"config": "candidate", "repeat": 2, "error": "boom"}]}
    assert manifest_records(doc) == [RunRecord("candidate", 2, "boom")]
    assert manifest_records({"run_id": "x", "configs": ["single-1"]}) == []


def test_a_configuration_missing_from_the_candidate_fails() -> None:
    base = [_run(), _run(name="redis-2")]
    verdict = evaluate(base, [_run(seed=2)], RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    check = next(c for c in verdict.checks if c.metric == "run")
    assert check.subject == "redis-2" and "missing from the candidate" in check.reason
    failed = evaluate(base, [_run(seed=2)], RULES, records=[RunRecord("redis-2", 0, "crashed")])
    assert "every candidate run of it failed" in next(
        c.reason for c in failed.checks if c.metric == "run"
    )


def test_nothing_in_common_names_it_and_fails_on_the_missing() -> None:
    verdict = evaluate([_run(), _run(name="redis-2")], [_run(seed=2, name="other")], RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    assert any("nothing to compare" in r for r in verdict.reasons)
    assert sorted(c.subject for c in verdict.checks if c.metric == "run") == [
        "redis-2",
        "single-1",
    ]


def test_an_incomplete_candidate_fails_an_incomplete_baseline_is_inconclusive() -> None:
    flags = {"incomplete": "worker-1 never sent its final report"}
    verdict = evaluate([_run()], [_run(seed=2, flags=flags)], RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    assert "incomplete" in _failing(verdict)
    broken_base = evaluate([_run(flags=flags)], [_run(seed=2)], RULES)
    assert broken_base.exit_code == EXIT_INCONCLUSIVE
    assert any("incomplete in the baseline" in r for r in broken_base.reasons)


@pytest.mark.parametrize("flag", ["node_died", "redis_died", "connections_dropped"])
def test_unplanned_incidents_fail_planned_ones_do_not(flag: str) -> None:
    flags = {flag: "node-0 exited with code -9 at t=4.2 s"}
    verdict = evaluate([_run()], [_run(seed=2, flags=flags)], RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    check = next(c for c in verdict.checks if c.metric == flag)
    assert "no planned fault event" in check.reason
    events = [{"at_s": 4.0, "action": "kill", "target": "node-0"}]
    planned = evaluate([_run()], [_run(seed=2, flags=flags, events=events)], RULES)
    assert flag not in _failing(planned)
    assert any(flag in note for note in planned.notes)


def test_other_flags_are_notes_and_faults_injected_is_expected() -> None:
    flags = {"faults_injected": "inject_delay_ms=1.0", "clock_skew": "worker-2 offset 3 ms"}
    verdict = evaluate([_run()], [_run(seed=2, flags=flags)], RULES)
    assert not _failing(verdict)
    assert any("clock_skew: worker-2 offset 3 ms" in n for n in verdict.notes)
    assert not any("faults_injected" in n for n in verdict.notes)


def test_a_clean_candidate_passes_correctness() -> None:
    verdict = evaluate([_run()], [_run(seed=2)], RULES)
    line = next(c for c in verdict.checks if c.metric == "correctness")
    assert line.verdict == PASS
    assert line.reason == "no lost deliveries; no leaked deliveries; no duplicated deliveries"
    # One run a side: correctness is judged, timing needs repeats.
    assert verdict.exit_code == EXIT_INCONCLUSIVE


def test_repeats_with_different_drop_rates_are_a_usage_error() -> None:
    cand = [_run(seed=2, faults=DROPS), _run(1, seed=2)]
    with pytest.raises(InputError, match="repeats injected different drop rates"):
        evaluate([_run()], cand, RULES)


def test_an_abused_run_cannot_speak_for_timing() -> None:
    flags = {"abuse": "slow_consumer: 10 clients stopped reading"}
    side = [_run(r, seed=2 + r, flags=flags) for r in range(5)]
    verdict = evaluate([_run(r, seed=10 + r) for r in range(5)], side, RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    assert any("abuse" in reason for reason in verdict.reasons), verdict.reasons
