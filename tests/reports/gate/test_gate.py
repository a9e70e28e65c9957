"""The gate's judgement on fixture documents: pass, regression, loss, inconclusive."""

from __future__ import annotations

from typing import Any

import pytest

from reports.gate.decision import (
    EXIT_INCONCLUSIVE,
    EXIT_PASS,
    EXIT_REGRESSION,
    FAIL,
    INCONCLUSIVE,
    REGRESSION,
    SKIPPED,
    Verdict,
    evaluate,
)
from reports.gate.report import render_markdown, render_text
from reports.gate.rules import load_rules, parse_rules
from tests.reports.factory import make_bench, make_results

RULES = load_rules()


def _checks(verdict: Verdict, verdict_name: str) -> list[str]:
    return [c.metric for c in verdict.checks if c.verdict == verdict_name]


def _base(**kw: Any) -> list[dict[str, Any]]:
    return [make_results("single-1", seed=1, **kw)]


def test_a_against_a_prime_from_the_same_distribution_passes() -> None:
    verdict = evaluate(_base(), [make_results("single-1", seed=2)], RULES)
    assert verdict.exit_code == EXIT_PASS, render_text(verdict)
    assert verdict.outcome == "pass"
    # p99.9 and connect p99 have no per-second samples: reported, skipped by the shipped rules.
    assert set(_checks(verdict, SKIPPED)) == {"fanout_p99_9", "connect_p99"}


def test_a_clearly_larger_p99_fails_naming_the_metric() -> None:
    verdict = evaluate(_base(), [make_results("single-1", seed=2, sigma=0.75)], RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    assert "fanout_p99" in _checks(verdict, REGRESSION)
    assert "fanout_p50" not in _checks(verdict, REGRESSION)
    assert "REGRESSION" in render_text(verdict)
    assert "fanout_p99" in render_markdown(verdict)


def test_a_small_but_significant_change_stays_below_the_minimum_effect() -> None:
    verdict = evaluate(_base(), [make_results("single-1", seed=2, median_us=2100)], RULES)
    p50 = next(c for c in verdict.checks if c.metric == "fanout_p50")
    assert p50.verdict == "pass"
    assert "minimum effect" in p50.reason
    assert verdict.exit_code == EXIT_PASS


def test_lower_throughput_is_worse() -> None:
    # Half the users: half the deliveries per second (scenario kept equal on purpose).
    cand = make_results("single-1", seed=2, users=20, scenario={"users": 40, "senders": 40})
    verdict = evaluate(_base(), [cand], RULES)
    assert "deliveries_per_s" in _checks(verdict, REGRESSION)


def test_loss_fails_outright_whatever_the_timing() -> None:
    verdict = evaluate(_base(), [make_results("single-1", seed=2, counters={"lost": 3})], RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    [check] = [c for c in verdict.checks if c.verdict == FAIL]
    assert check.metric == "lost"
    assert "3 lost deliveries in the candidate (no fault injected)" in check.reason


def test_injected_drops_fail_unless_the_baseline_injected_the_same() -> None:
    drops = {"inject_delay_ms": 0.0, "inject_drop_rate": 0.01}
    cand = [make_results("single-1", seed=2, counters={"lost": 40}, faults=drops)]
    verdict = evaluate(_base(), cand, RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    assert "drop rate 0.01" in next(c.reason for c in verdict.checks if c.metric == "lost")
    excused = evaluate(_base(faults=drops, counters={"lost": 35}), cand, RULES)
    assert excused.exit_code == EXIT_PASS, render_text(excused)


@pytest.mark.parametrize("counter", ["leaked", "duplicated"])
def test_leaks_and_duplicates_fail(counter: str) -> None:
    verdict = evaluate(_base(), [make_results("single-1", seed=2, counters={counter: 1})], RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    assert _checks(verdict, FAIL) == [counter]


@pytest.mark.parametrize("side", ["base", "cand"])
def test_generator_saturation_is_inconclusive(side: str) -> None:
    flags = {"generator_saturated": "worker-1 above 90 % CPU for 14 % of the window"}
    base = _base(flags=flags if side == "base" else None)
    cand = [make_results("single-1", seed=2, sigma=0.75, flags=flags if side == "cand" else None)]
    verdict = evaluate(base, cand, RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    assert any("generator_saturated" in r for r in verdict.reasons)


def test_too_few_samples_is_inconclusive() -> None:
    verdict = evaluate(
        [make_results("single-1", window_s=3)],
        [make_results("single-1", seed=2, window_s=3)],
        RULES,
    )
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    assert "fanout_p50" in _checks(verdict, INCONCLUSIVE)
    assert any("too few per-second samples" in r for r in verdict.reasons)


def test_mismatched_scenario_is_inconclusive() -> None:
    cand = [make_results("single-1", seed=2, scenario={"payload_bytes": 1024})]
    verdict = evaluate(_base(), cand, RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    assert any("scenarios differ in payload_bytes" in r for r in verdict.reasons)


def test_nothing_in_common_is_inconclusive() -> None:
    base = _base() + [make_results("redis-2", seed=3)]
    verdict = evaluate(base, [make_results("other", seed=2)], RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    assert any("nothing to compare" in r for r in verdict.reasons)


def test_one_configuration_a_side_is_compared_whatever_its_name() -> None:
    # An A/B run names its sides "base" and "candidate".
    same = evaluate([make_results("base", seed=1)], [make_results("candidate", seed=2)], RULES)
    assert same.exit_code == EXIT_PASS, render_text(same)
    assert any("base (baseline) against candidate (candidate)" in n for n in same.notes)
    slower = evaluate(
        [make_results("base", seed=1)], [make_results("candidate", seed=2, sigma=0.75)], RULES
    )
    assert slower.exit_code == EXIT_REGRESSION
    assert "fanout_p99" in _checks(slower, REGRESSION)


def test_four_repeats_a_side_judge_p99_9_over_repeats() -> None:
    base = [make_results("single-1", r, seed=1) for r in range(4)]
    cand = [make_results("single-1", r, seed=2, sigma=0.75) for r in range(4)]
    verdict = evaluate(base, cand, RULES)
    check = next(c for c in verdict.checks if c.metric == "fanout_p99_9")
    assert check.samples == "repeats"
    assert check.verdict == REGRESSION


def test_bench_per_delivery_regression_and_ratio() -> None:
    verdict = evaluate([make_bench(seed=1)], [make_bench(seed=2)], RULES)
    assert verdict.exit_code == EXIT_PASS, render_text(verdict)
    assert "bench_handler_raw_ratio" in [c.metric for c in verdict.checks]
    slower = evaluate([make_bench(seed=1)], [make_bench(seed=2, scale=1.3)], RULES)
    assert slower.exit_code == EXIT_REGRESSION
    assert "bench_per_delivery_ns" in _checks(slower, REGRESSION)


def test_bench_without_round_data_is_inconclusive_with_a_reason() -> None:
    verdict = evaluate([make_bench(seed=1)], [make_bench(seed=2, with_data=False)], RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    assert any("--benchmark-save-data" in r for r in verdict.reasons)


def test_a_metric_can_be_switched_off_and_rules_change_the_verdict() -> None:
    cand = [make_results("single-1", seed=2, sigma=0.75)]
    loose = parse_rules(
        {"metrics": {"fanout_p99": {"min_change_pct": 500}, "fanout_p50": {"min_change_pct": 500}}}
    )
    assert evaluate(_base(), cand, loose).exit_code == EXIT_PASS
    off = parse_rules({"metrics": {"fanout_p99": {"enabled": False}}})
    assert "fanout_p99" not in [c.metric for c in evaluate(_base(), cand, off).checks]


def test_verdict_json_is_plain_data() -> None:
    verdict = evaluate(_base(), [make_results("single-1", seed=2, counters={"lost": 1})], RULES)
    doc = verdict.to_json()
    assert doc["kind"] == "roombench.gate"
    assert doc["exit_code"] == EXIT_REGRESSION
    assert {"metric", "subject", "base", "cand", "change_pct", "p_value", "verdict"} <= set(
        doc["checks"][0]
    )
