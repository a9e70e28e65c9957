"""The gate's timing judgement on fixture documents: repeats, one estimate, three outcomes.

Rules changed by issue 12 (the old assertions moved here under the new rules):
one run a side no longer decides on per-second samples (it is "inconclusive:
run more repeats", where it used to be a regression); the shown change is the
estimate from the tested per-repeat values, not the pooled change; Holm over
the family decides significance.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from loadtests.gate.decision import evaluate
from loadtests.gate.report import render_markdown, render_text
from loadtests.model.exit_codes import EXIT_INCONCLUSIVE, EXIT_PASS, EXIT_REGRESSION
from reports.rules import load_rules, parse_rules
from reports.stats import mann_whitney_u
from reports.verdict import (
    DIFFERENT,
    FAIL,
    IMPROVEMENT,
    INCONCLUSIVE,
    PASS,
    REGRESSION,
    SAME,
    SKIPPED,
    UNKNOWN,
    Check,
    Verdict,
)
from tests.loadtests.gate.repeats import repeat_of as _run
from tests.reports.factory import make_bench, make_results

RULES = load_rules()
REPEATS = 6


def _checks(verdict: Verdict, verdict_name: str) -> list[str]:
    return [c.metric for c in verdict.checks if c.verdict == verdict_name]


def _check(verdict: Verdict, metric: str) -> Check:
    return next(c for c in verdict.checks if c.metric == metric)


def _side(name: str = "single-1", seed: int = 1, n: int = REPEATS, **kw: Any) -> list[dict]:
    return [_run(name, r, seed=seed, **kw) for r in range(n)]


def test_a_against_a_prime_over_repeats_is_same_and_passes() -> None:
    verdict = evaluate(_side(seed=1), _side(seed=2), RULES)
    assert verdict.exit_code == EXIT_PASS, render_text(verdict)
    p50 = _check(verdict, "fanout_p50")
    assert p50.outcome == SAME and p50.verdict == PASS
    assert p50.samples == "6 vs 6 repeats"
    assert p50.ci_low_pct is not None and p50.ci_high_pct is not None
    assert -25 < p50.ci_low_pct <= p50.change_pct <= p50.ci_high_pct < 25  # type: ignore[operator]
    assert verdict.family_size == 5 and verdict.family_alpha == 0.05


def test_a_clearly_larger_p99_is_different_and_fails_naming_the_metric() -> None:
    verdict = evaluate(_side(seed=1), _side(seed=2, sigma=0.75), RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    p99 = _check(verdict, "fanout_p99")
    assert p99.outcome == DIFFERENT and p99.verdict == REGRESSION
    assert p99.ci_low_pct is not None and p99.ci_low_pct > 25
    assert p99.p_value is not None and p99.p_threshold is not None
    assert p99.p_value < p99.p_threshold
    assert "different: p <" in p99.rule
    assert "fanout_p50" not in _checks(verdict, REGRESSION)
    # p99.9 has no per-second series: with repeats it is judged like the others.
    p99_9 = _check(verdict, "fanout_p99_9")
    assert p99_9.samples == "6 vs 6 repeats" and p99_9.verdict == REGRESSION
    assert "REGRESSION" in render_text(verdict)
    assert "fanout_p99" in render_markdown(verdict)


def test_a_small_but_significant_change_is_same_when_its_interval_is_inside_the_margin() -> None:
    verdict = evaluate(_side(seed=1), _side(seed=2, median_us=2100), RULES)
    p50 = _check(verdict, "fanout_p50")
    assert p50.p_value is not None and p50.p_value < 0.01  # significant ...
    assert p50.outcome == SAME and p50.verdict == PASS  # ... and too small to matter
    assert "inside ±25%" in p50.reason
    assert verdict.exit_code == EXIT_PASS


def test_a_faster_candidate_is_an_improvement_not_a_failure() -> None:
    verdict = evaluate(_side(seed=1), _side(seed=2, median_us=1200), RULES)
    p50 = _check(verdict, "fanout_p50")
    assert p50.outcome == DIFFERENT and p50.verdict == IMPROVEMENT
    assert p50.change_pct is not None and p50.change_pct < -30
    assert verdict.exit_code == EXIT_PASS


def test_lower_throughput_is_worse() -> None:
    # Half the users: half the deliveries per second (scenario kept equal on purpose).
    cand = _side(seed=2, users=10, scenario={"users": 20, "senders": 20})
    verdict = evaluate(_side(seed=1), cand, RULES)
    assert "deliveries_per_s" in _checks(verdict, REGRESSION)


def test_one_run_a_side_never_decides_on_its_seconds() -> None:
    # Before issue 12 this pair failed on per-second samples; one run a side is
    # now "run more repeats", whatever its seconds say.
    base, cand = _side(n=1), _side(seed=2, n=1, sigma=0.75)
    verdict = evaluate(base, cand, RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE, render_text(verdict)
    p99 = _check(verdict, "fanout_p99")
    assert p99.verdict == INCONCLUSIVE and p99.p_value is None
    assert "1 vs 1 repeats (need 5 a side): run more repeats" in p99.reason
    assert "per-second samples of one run never decide" in p99.reason


def _autocorrelated_p50_us(seconds: int, seed: int) -> list[int]:
    """Per-second p50 of one run that wanders (AR(1), phi 0.9) as real runs do."""
    rng = random.Random(seed)
    level, series = 0.0, []
    for _ in range(seconds):
        level = 0.9 * level + rng.gauss(0, 60)
        series.append(int(2000 + level))
    return series


def test_one_run_split_in_halves_is_not_different() -> None:
    series = _autocorrelated_p50_us(40, seed=3)
    first, second = series[:20], series[20:]
    # The per-second test calls the run different from itself ...
    assert mann_whitney_u(first, second).p_value < 0.05
    halves = []
    for half in (first, second):
        doc = make_results("single-1", seed=1)
        column = doc["timeseries"]["p50_us"]
        window = [i for i, ph in enumerate(doc["timeseries"]["phase"]) if ph == "window"]
        for i, value in zip(window, half, strict=True):
            column[i] = value
        halves.append(doc)
    # ... the gate does not: one run is one piece of evidence.
    verdict = evaluate([halves[0]], [halves[1]], RULES)
    assert not _checks(verdict, REGRESSION) and not _checks(verdict, IMPROVEMENT)
    assert _check(verdict, "fanout_p50").verdict == INCONCLUSIVE


def test_pooled_and_tested_samples_disagreeing_the_tested_one_decides() -> None:
    # The baseline's first repeat stalled: 1 in 6 of its deliveries took 100 ms, which
    # makes the POOLED baseline p99 huge. Every other repeat shows the candidate
    # about 60 % slower. Before issue 12 the line read "-97 %, significant": a pass.
    normal = list(range(1000, 2000))
    stalled = normal + [100_000] * 200
    slower = [int(v * 1.6) for v in normal]
    base = [_run("single-1", 0, seed=1, jitter=0, fanout_values_us=stalled)]
    base += [_run("single-1", r, seed=1, jitter=0, fanout_values_us=normal) for r in range(1, 8)]
    cand = [_run("single-1", r, seed=2, jitter=0, fanout_values_us=slower) for r in range(8)]
    rules = parse_rules({"metrics": {"fanout_p99": {"min_change_pct": 25.0}}})
    verdict = evaluate(base, cand, rules)
    p99 = _check(verdict, "fanout_p99")
    assert p99.pooled_change_pct is not None and p99.pooled_change_pct < -90
    assert p99.change_pct == pytest.approx(60.0, abs=1.0)
    assert p99.ci_low_pct is not None and p99.ci_low_pct > 0
    assert p99.verdict == REGRESSION and verdict.exit_code == EXIT_REGRESSION


def test_noisy_repeats_are_unknown_and_inconclusive() -> None:
    base = _side(seed=1, jitter=0.8)
    cand = _side(seed=2, jitter=0.8)
    verdict = evaluate(base, cand, RULES)
    p50 = _check(verdict, "fanout_p50")
    assert p50.outcome == UNKNOWN and p50.verdict == INCONCLUSIVE
    assert "add repeats" in p50.reason
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    # A rule may let an unknown line pass (the shipped tail metrics do).
    lenient = parse_rules({"metrics": {"fanout_p50": {"when_unknown": "pass"}}})
    relaxed = _check(evaluate(base, cand, lenient), "fanout_p50")
    assert relaxed.outcome == UNKNOWN and relaxed.verdict == PASS


def test_holm_keeps_the_family_wise_rate_where_single_tests_would_not() -> None:
    # 4 against 4, completely separated: p = 2/70 = 0.029 for every latency line:
    # below 0.05 alone, but not below 0.05/5 = 0.01, the strictest Holm level.
    base = _side(seed=1, n=4)
    cand = _side(seed=2, n=4, median_us=3000)
    five = parse_rules(
        {
            "gate": {"min_repeats": 4},
            "metrics": {
                m: {"min_change_pct": 10.0}
                for m in ("fanout_p50", "fanout_p99", "fanout_p99_9", "self_p99", "fanout_max")
            },
        }
    )
    verdict = evaluate(base, cand, five)
    p50 = _check(verdict, "fanout_p50")
    assert p50.p_value == pytest.approx(2 / 70)
    assert p50.p_threshold == pytest.approx(0.01)
    assert not _checks(verdict, REGRESSION), render_text(verdict)
    alone = parse_rules({"gate": {"min_repeats": 4}, "metrics": {"fanout_p50": {}}})
    assert _check(evaluate(base, cand, alone), "fanout_p50").verdict == REGRESSION


def test_adaptive_looks_split_alpha() -> None:
    verdict = evaluate(_side(seed=1), _side(seed=2, sigma=0.75), RULES, looks=3)
    assert verdict.looks == 3
    assert verdict.family_alpha == pytest.approx(0.05 / 3)
    levels = [c.p_threshold for c in verdict.checks if c.p_threshold is not None]
    assert min(levels) == pytest.approx(0.05 / 3 / 5)  # Holm's strictest level
    # 6 against 6 still reaches p = 2/924 < 0.05 / 3 / 5.
    p99 = _check(verdict, "fanout_p99")
    assert p99.p_value == pytest.approx(2 / 924)
    assert p99.verdict == REGRESSION
    with pytest.raises(ValueError, match="looks"):
        evaluate(_side(), _side(seed=2), RULES, looks=0)


@pytest.mark.parametrize("side", ["base", "cand"])
@pytest.mark.parametrize(
    "flag", ["generator_saturated", "generator_starved", "server_saturated", "noisy_machine"]
)
def test_saturation_makes_timing_inconclusive(side: str, flag: str) -> None:
    flags = {flag: "worker-1 above 90 % CPU for 14 % of the window"}
    base = _side(flags=flags if side == "base" else None)
    cand = _side(seed=2, sigma=0.75, flags=flags if side == "cand" else None)
    verdict = evaluate(base, cand, RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    assert any(flag in r for r in verdict.reasons)


def test_mismatched_scenario_is_inconclusive() -> None:
    cand = _side(seed=2, scenario={"payload_bytes": 1024})
    verdict = evaluate(_side(), cand, RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    assert any("scenarios differ in payload_bytes" in r for r in verdict.reasons)


def test_one_configuration_a_side_is_compared_whatever_its_name() -> None:
    # An A/B run names its sides "base" and "candidate".
    same = evaluate(_side("base", seed=1), _side("candidate", seed=2), RULES)
    assert same.exit_code == EXIT_PASS, render_text(same)
    assert any("base (baseline) against candidate (candidate)" in n for n in same.notes)
    slower = evaluate(_side("base", seed=1), _side("candidate", seed=2, sigma=0.75), RULES)
    assert slower.exit_code == EXIT_REGRESSION
    assert "fanout_p99" in _checks(slower, REGRESSION)


def test_too_few_repeats_can_be_skipped_by_rule() -> None:
    rules = parse_rules({"metrics": {"fanout_p99_9": {"when_untestable": "skip"}}})
    verdict = evaluate(_side(n=2), _side(seed=2, n=2), rules)
    assert _checks(verdict, SKIPPED) == ["fanout_p99_9"]


def test_bench_per_delivery_regression_and_ratio() -> None:
    verdict = evaluate([make_bench(seed=1)], [make_bench(seed=2)], RULES)
    assert verdict.exit_code == EXIT_PASS, render_text(verdict)
    assert "bench_handler_raw_ratio" in [c.metric for c in verdict.checks]
    slower = evaluate([make_bench(seed=1)], [make_bench(seed=2, scale=1.3)], RULES)
    assert slower.exit_code == EXIT_REGRESSION
    assert "bench_per_delivery_ns" in _checks(slower, REGRESSION)
    line = next(c for c in slower.checks if c.metric == "bench_per_delivery_ns")
    assert line.samples == "30 vs 30 rounds"
    assert line.change_pct == pytest.approx(30, abs=5)


def test_bench_without_round_data_is_inconclusive_with_a_reason() -> None:
    verdict = evaluate([make_bench(seed=1)], [make_bench(seed=2, with_data=False)], RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    assert any("--benchmark-save-data" in r for r in verdict.reasons)


def test_a_metric_can_be_switched_off_and_rules_change_the_verdict() -> None:
    cand = _side(seed=2, sigma=0.75)
    loose = parse_rules(
        {"metrics": {"fanout_p99": {"min_change_pct": 500}, "fanout_p50": {"min_change_pct": 500}}}
    )
    assert evaluate(_side(), cand, loose).exit_code == EXIT_PASS
    off = parse_rules({"metrics": {"fanout_p99": {"enabled": False}}})
    assert "fanout_p99" not in [c.metric for c in evaluate(_side(), cand, off).checks]


def test_verdict_json_is_plain_data_with_the_estimate_and_the_rule() -> None:
    verdict = evaluate(_side(), _side(seed=2, sigma=0.75), RULES)
    doc = verdict.to_json()
    assert doc["kind"] == "roombench.gate"
    assert doc["exit_code"] == EXIT_REGRESSION
    line = next(c for c in doc["checks"] if c["metric"] == "fanout_p99")
    assert {"metric", "subject", "base", "cand", "change_pct", "p_value", "verdict"} <= set(line)
    assert {"ci_low_pct", "ci_high_pct", "p_threshold", "outcome", "rule"} <= set(line)
    assert {"family_alpha", "family_size", "looks"} <= set(doc)
    assert line["verdict"] == REGRESSION and line["outcome"] == DIFFERENT
    assert FAIL not in [c["verdict"] for c in doc["checks"]]


def test_the_terminal_verdict_fits_120_columns_and_wide_keeps_every_column() -> None:
    verdict = evaluate(_side(seed=1), _side(seed=2, median_us=2600), RULES)
    text = render_text(verdict)
    assert max(len(line) for line in text.splitlines()) <= 120, text
    assert "fanout_p50" in text and "REGRESSION" in text
    wide = render_text(verdict, wide=True)
    assert "pooled" in wide and "samples" in wide
