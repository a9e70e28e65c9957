"""The gate's rules: read ``gate.toml`` into typed, validated values.

Every key is checked: a misspelt key would otherwise silently fall back to a
default and loosen the gate, so unknown keys are an error that names the
key, where it was, and what is allowed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reports.metrics import METRICS_BY_KEY
from reports.stats import STATISTICS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[1] / "gate.toml"

# Metrics of the micro-benchmarks, judged per benchmark (load metrics come from reports.metrics).
BENCH_METRICS = {
    "bench_per_delivery_ns": ("bench per-delivery", "ns"),
    "bench_handler_raw_ratio": ("bench handler/raw ratio", "x"),
}
UNTESTABLE_CHOICES = ("inconclusive", "skip")
COUNTERS_THAT_CAN_FAIL = ("lost", "leaked", "duplicated", "reordered", "errors")


class RulesError(ValueError):
    """gate.toml is not valid; the message names the key and what to do."""


@dataclass(frozen=True)
class MetricRule:
    """How one metric is judged.

    A regression needs a change in the bad direction of more than
    ``min_change_pct`` percent, more than ``min_change_abs`` in the metric's
    unit when set (µs for latencies, ns for bench costs), and p < ``alpha``.
    ``when_untestable`` (default "inconclusive") says what a metric without
    enough samples does to the verdict; "skip" reports it and moves on.
    """

    metric: str
    min_change_pct: float = 10.0
    min_change_abs: float | None = None
    alpha: float | None = None
    when_untestable: str = "inconclusive"
    enabled: bool = True


@dataclass(frozen=True)
class GateRules:
    """All of gate.toml. ``alpha`` applies where a rule does not set its own."""

    statistic: str = "mann-whitney"
    alpha: float = 0.05
    min_repeats: int = 3
    min_samples: int = 5
    fail_on_counters: tuple[str, ...] = ("lost", "leaked", "duplicated")
    metrics: dict[str, MetricRule] = field(default_factory=dict)

    def alpha_for(self, rule: MetricRule) -> float:
        return self.alpha if rule.alpha is None else rule.alpha


GATE_KEYS = {"statistic", "alpha", "min_repeats", "min_samples", "fail_on_counters"}
RULE_KEYS = {"min_change_pct", "min_change_abs", "alpha", "when_untestable", "enabled"}


def known_metrics() -> list[str]:
    load = [key for key, m in METRICS_BY_KEY.items() if m.kind == "value"]
    return load + list(BENCH_METRICS)


def _number(where: str, value: Any, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise RulesError(f"{where} = {value!r}: expected a number >= {minimum:g}")
    return float(value)


def _alpha(where: str, value: Any) -> float:
    alpha = _number(where, value)
    if not 0 < alpha < 1:
        raise RulesError(f"{where} = {value!r}: alpha must lie between 0 and 1")
    return alpha


def _unknown(where: str, given: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(given) - allowed)
    if extra:
        raise RulesError(
            f"{where}: unknown key {extra[0]!r}; allowed keys are {', '.join(sorted(allowed))}"
        )


def _rule(name: str, table: Any) -> MetricRule:
    where = f"[metrics.{name}]"
    if name not in known_metrics():
        raise RulesError(
            f"{where}: unknown metric {name!r}; known metrics are {', '.join(known_metrics())}"
        )
    if not isinstance(table, dict):
        raise RulesError(f"{where}: expected a table of settings")
    _unknown(where, table, RULE_KEYS)
    untestable = table.get("when_untestable", "inconclusive")
    if untestable not in UNTESTABLE_CHOICES:
        raise RulesError(
            f"{where} when_untestable = {untestable!r}: use one of {', '.join(UNTESTABLE_CHOICES)}"
        )
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RulesError(f"{where} enabled = {enabled!r}: expected true or false")
    return MetricRule(
        metric=name,
        min_change_pct=_number(f"{where} min_change_pct", table.get("min_change_pct", 10.0)),
        min_change_abs=(
            None
            if "min_change_abs" not in table
            else _number(f"{where} min_change_abs", table["min_change_abs"])
        ),
        alpha=None if "alpha" not in table else _alpha(f"{where} alpha", table["alpha"]),
        when_untestable=untestable,
        enabled=enabled,
    )


def parse_rules(doc: Mapping[str, Any], source: str = "gate.toml") -> GateRules:
    """Validate a parsed gate.toml document; raise RulesError naming the first problem."""
    _unknown(source, doc, {"gate", "metrics"})
    gate = doc.get("gate", {})
    _unknown(f"{source} [gate]", gate, GATE_KEYS)
    statistic = gate.get("statistic", "mann-whitney")
    if statistic not in STATISTICS:
        raise RulesError(
            f"{source} [gate] statistic = {statistic!r}: choose one of "
            f"{', '.join(sorted(STATISTICS))}"
        )
    counters = gate.get("fail_on_counters", ["lost", "leaked", "duplicated"])
    if not isinstance(counters, list) or any(c not in COUNTERS_THAT_CAN_FAIL for c in counters):
        raise RulesError(
            f"{source} [gate] fail_on_counters = {counters!r}: a list of "
            f"{', '.join(COUNTERS_THAT_CAN_FAIL)}"
        )
    metrics = doc.get("metrics", {})
    if not isinstance(metrics, dict):
        raise RulesError(f"{source}: [metrics] must be tables like [metrics.fanout_p99]")
    return GateRules(
        statistic=statistic,
        alpha=_alpha(f"{source} [gate] alpha", gate.get("alpha", 0.05)),
        min_repeats=int(_number(f"{source} [gate] min_repeats", gate.get("min_repeats", 3), 2)),
        min_samples=int(_number(f"{source} [gate] min_samples", gate.get("min_samples", 5), 2)),
        fail_on_counters=tuple(counters),
        metrics={name: _rule(name, table) for name, table in metrics.items()},
    )


def load_rules(path: Path | None = None) -> GateRules:
    """Read ``path`` (default: the gate.toml shipped beside this module)."""
    path = path or DEFAULT_RULES_PATH
    try:
        text = path.read_text()
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rules ({exc.strerror})") from exc
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML ({exc})") from exc
    return parse_rules(doc, str(path))
