"""gate.toml parsing: defaults, and clear errors for anything unknown or malformed.

Rules changed by issue 12: errors use the one strict wording (``KEY: what is
wrong; allowed: …``, loadtests.model.strict); the per-rule ``alpha`` is gone (one
family-wise alpha, Holm); new keys ``min_repeats`` default 5, ``loss_coverage``
and ``when_unknown``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests.model import strict
from reports.rules import DEFAULT_RULES_PATH, RulesError, load_rules, parse_rules


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
    assert rules.metrics["fanout_p50"].min_change_abs == 200
    assert rules.min_repeats == 5 and rules.loss_coverage == 0.999
    # The primary metric must show "same" to pass; the noisy tails may stay unknown.
    assert rules.metrics["fanout_p50"].when_unknown == "inconclusive"
    assert rules.metrics["deliveries_per_s"].when_unknown == "inconclusive"
    assert rules.metrics["fanout_p99"].when_unknown == "pass"


def test_rule_values_and_defaults() -> None:
    rules = parse_rules({"gate": {"alpha": 0.01}, "metrics": {"fanout_p99": {"min_change_pct": 7}}})
    rule = rules.metrics["fanout_p99"]
    assert rule.min_change_pct == 7.0
    assert rule.min_change_abs is None
    assert rule.when_unknown == "inconclusive" and rule.when_untestable == "inconclusive"
    assert rules.alpha == 0.01
    assert rules.min_repeats == 5 and rules.min_samples == 5


def test_rules_errors_are_the_strict_parsers() -> None:
    assert issubclass(RulesError, strict.InputError)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            {"metrics": {"fanout_p99": {"min_change_percent": 5}}},
            "metrics.fanout_p99.min_change_percent: unknown key 'min_change_percent'; allowed: ",
        ),
        ({"metrics": {"fanout_p95": {}}}, "metrics: 'fanout_p95' is not allowed; allowed: "),
        ({"gate": {"alpah": 0.05}}, "gate.alpah: unknown key 'alpah'; allowed: "),
        ({"gates": {}}, "gate.toml.gates: unknown key 'gates'"),
        (
            {"gate": {"statistic": "t-test"}},
            "gate.statistic: 't-test' is not allowed; allowed: mann-whitney",
        ),
        ({"gate": {"alpha": 5}}, "gate.alpha: 5.0 is out of range; allowed: (0, 0.5]"),
        ({"metrics": {"fanout_p99": {"alpha": 0.1}}}, "metrics.fanout_p99.alpha: unknown key"),
        (
            {"metrics": {"fanout_p50": {"min_change_pct": "ten"}}},
            "metrics.fanout_p50.min_change_pct: 'ten' is not a number",
        ),
        (
            {"metrics": {"fanout_p50": {"when_untestable": "ignore"}}},
            "metrics.fanout_p50.when_untestable: 'ignore' is not allowed; "
            "allowed: inconclusive, skip",
        ),
        (
            {"metrics": {"fanout_p50": {"when_unknown": "fail"}}},
            "allowed: inconclusive, pass",
        ),
        ({"gate": {"min_repeats": 1}}, "gate.min_repeats: 1 is out of range; allowed: 2..1000"),
        ({"gate": {"loss_coverage": 1.0}}, "gate.loss_coverage: 1.0 is out of range"),
        (
            {"gate": {"fail_on_counters": ["lost", "slow"]}},
            "gate.fail_on_counters: 'slow' is not allowed",
        ),
    ],
)
def test_bad_rules_are_named(doc: dict, message: str) -> None:
    with pytest.raises(RulesError) as info:
        parse_rules(doc)
    assert message in str(info.value)


def test_unreadable_or_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no such gate rules file"):
        load_rules(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[gate\nalpha = ")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(bad)
