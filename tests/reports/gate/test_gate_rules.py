"""gate.toml parsing: defaults, and clear errors for anything unknown or malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.gate.rules import DEFAULT_RULES_PATH, RulesError, load_rules, parse_rules


def test_shipped_rules_cover_the_documented_metrics() -> None:
    rules = load_rules()
    assert DEFAULT_RULES_PATH.name == "gate.toml"
    for metric in (
        "fanout_p50",
        "fanout_p99",
        "fanout_p99_9",
        "deliveries_per_s",
        "connect_p99",
        "bench_per_delivery_ns",
        "bench_handler_raw_ratio",
    ):
        assert metric in rules.metrics
    assert rules.statistic == "mann-whitney"
    assert rules.alpha == 0.05
    assert rules.fail_on_counters == ("lost", "leaked", "duplicated")
    assert rules.metrics["fanout_p50"].min_change_abs == 300


def test_rule_values_and_defaults() -> None:
    rules = parse_rules(
        {"gate": {"alpha": 0.01}, "metrics": {"fanout_p99": {"min_change_pct": 7, "alpha": 0.1}}}
    )
    rule = rules.metrics["fanout_p99"]
    assert rule.min_change_pct == 7.0
    assert rule.min_change_abs is None
    assert rules.alpha_for(rule) == 0.1
    assert rules.min_repeats == 3 and rules.min_samples == 5


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            {"metrics": {"fanout_p99": {"min_change_percent": 5}}},
            "[metrics.fanout_p99]: unknown key 'min_change_percent'; allowed keys are",
        ),
        ({"metrics": {"fanout_p95": {}}}, "unknown metric 'fanout_p95'; known metrics are"),
        ({"gate": {"alpah": 0.05}}, "[gate]: unknown key 'alpah'"),
        ({"gates": {}}, "unknown key 'gates'"),
        ({"gate": {"statistic": "t-test"}}, "statistic = 't-test': choose one of mann-whitney"),
        ({"gate": {"alpha": 5}}, "alpha must lie between 0 and 1"),
        ({"metrics": {"fanout_p50": {"min_change_pct": "ten"}}}, "expected a number"),
        (
            {"metrics": {"fanout_p50": {"when_untestable": "ignore"}}},
            "use one of inconclusive, skip",
        ),
        ({"gate": {"fail_on_counters": ["lost", "slow"]}}, "fail_on_counters"),
    ],
)
def test_bad_rules_are_named(doc: dict, message: str) -> None:
    with pytest.raises(RulesError) as info:
        parse_rules(doc)
    assert message in str(info.value)


def test_unreadable_or_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[gate\nalpha = ")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(bad)
