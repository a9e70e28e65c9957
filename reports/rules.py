"""The gate's rules: read ``gate.toml`` into typed, validated values.

Every key is checked through ``loadtests.model.strict`` (the project's one strict
parser): a misspelt key would otherwise silently fall back to a default and
loosen the gate, so an unknown key or a bad value is an error worded
``KEY: what is wrong; allowed: …``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtests.model import strict
from reports.metrics import METRICS_BY_KEY
from reports.stats import STATISTICS

DEFAULT_RULES_PATH = Path(__file__).resolve().parent / "gate.toml"

# Metrics of the micro-benchmarks, judged per benchmark (load metrics come from reports.metrics).
BENCH_METRICS = {
    "bench_per_delivery_ns": ("bench per-delivery", "ns"),
    "bench_handler_raw_ratio": ("bench handler/raw ratio", "x"),
    "bench_instructions_per_delivery": ("bench instructions per delivery", "instr"),
}
# Metrics whose missing value must never pass: "skip" is refused for them.
NEVER_SKIPPED = ("bench_instructions_per_delivery",)
UNTESTABLE_CHOICES = ("inconclusive", "skip")
UNKNOWN_CHOICES = ("inconclusive", "pass")
COUNTERS_THAT_CAN_FAIL = ("lost", "leaked", "duplicated", "reordered", "errors")
DEFAULT_COUNTERS = ("lost", "leaked", "duplicated")


class RulesError(strict.InputError):
    """gate.toml is not valid; the message names the key and what is allowed."""


@dataclass(frozen=True)
class MetricRule:
    """How one metric is judged (docs/gate.md, "How a verdict is reached").

    The margin is ``min_change_pct`` percent, widened to ``min_change_abs`` in
    the metric's unit when that is larger (µs for latencies, ns for bench
    costs). *different*: the Holm-adjusted test rejects and the estimate lies
    beyond the margin; *same*: the whole confidence interval lies inside
    ± the margin; *unknown* otherwise, which is inconclusive unless
    ``when_unknown = "pass"``. ``when_untestable`` (default "inconclusive")
    says what too few repeats do; "skip" reports the line and moves on.
    """

    metric: str
    min_change_pct: float = 10.0
    min_change_abs: float | None = None
    when_untestable: str = "inconclusive"
    when_unknown: str = "inconclusive"
    enabled: bool = True


@dataclass(frozen=True)
class GateRules:
    """All of gate.toml.

    ``alpha``: the family-wise false-positive rate over every tested check of
    one gate (Holm). ``min_repeats``: independent runs a side needed to test
    a load metric. ``min_samples``: bench rounds a side. ``loss_coverage``:
    the central part of the binomial distribution of injected-drop loss that
    passes.
    """

    statistic: str = "mann-whitney"
    alpha: float = 0.05
    min_repeats: int = 5
    min_samples: int = 5
    loss_coverage: float = 0.999
    fail_on_counters: tuple[str, ...] = DEFAULT_COUNTERS
    metrics: dict[str, MetricRule] = field(default_factory=dict)


GATE_KEYS = (
    "statistic",
    "alpha",
    "min_repeats",
    "min_samples",
    "loss_coverage",
    "fail_on_counters",
)
RULE_KEYS = ("min_change_pct", "min_change_abs", "when_untestable", "when_unknown", "enabled")


def known_metrics() -> list[str]:
    load = [key for key, m in METRICS_BY_KEY.items() if m.kind == "value"]
    return load + list(BENCH_METRICS)


def _number(table: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = float(strict.typed(table.get(key, default), float, f"{where}.{key}", RulesError))
    return strict.in_range(value, 0, 1e12, f"{where}.{key}", RulesError)


def _rule(name: str, table: Any) -> MetricRule:
    where = f"metrics.{name}"
    strict.one_of(name, known_metrics(), "metrics", RulesError)
    table = strict.table_of(table, where, RulesError)
    strict.check_keys(table, RULE_KEYS, where, RulesError)
    min_abs = table.get("min_change_abs")
    if name in NEVER_SKIPPED and table.get("when_untestable") == "skip":
        raise RulesError(
            f"{where}.when_untestable: 'skip' would let a missing count pass; allowed: inconclusive"
        )
    return MetricRule(
        metric=name,
        min_change_pct=_number(table, "min_change_pct", where, 10.0),
        min_change_abs=None if min_abs is None else _number(table, "min_change_abs", where, 0.0),
        when_untestable=strict.one_of(
            table.get("when_untestable", "inconclusive"),
            UNTESTABLE_CHOICES,
            f"{where}.when_untestable",
            RulesError,
        ),
        when_unknown=strict.one_of(
            table.get("when_unknown", "inconclusive"),
            UNKNOWN_CHOICES,
            f"{where}.when_unknown",
            RulesError,
        ),
        enabled=strict.typed(table.get("enabled", True), bool, f"{where}.enabled", RulesError),
    )


def parse_rules(doc: Mapping[str, Any], source: str = "gate.toml") -> GateRules:
    """Validate a parsed gate.toml document; raise RulesError naming the first problem."""
    strict.check_keys(doc, ("gate", "metrics"), source, RulesError)
    gate = strict.table_of(doc.get("gate", {}), "gate", RulesError)
    strict.check_keys(gate, GATE_KEYS, "gate", RulesError)
    statistic = strict.one_of(
        gate.get("statistic", "mann-whitney"), sorted(STATISTICS), "gate.statistic", RulesError
    )
    counters = gate.get("fail_on_counters", list(DEFAULT_COUNTERS))
    for counter in strict.string_list(counters, "gate.fail_on_counters", RulesError):
        strict.one_of(counter, COUNTERS_THAT_CAN_FAIL, "gate.fail_on_counters", RulesError)
    alpha = strict.typed(gate.get("alpha", 0.05), float, "gate.alpha", RulesError)
    coverage = strict.typed(
        gate.get("loss_coverage", 0.999), float, "gate.loss_coverage", RulesError
    )
    min_repeats = strict.typed(gate.get("min_repeats", 5), int, "gate.min_repeats", RulesError)
    min_samples = strict.typed(gate.get("min_samples", 5), int, "gate.min_samples", RulesError)
    metrics = strict.table_of(doc.get("metrics", {}), "metrics", RulesError)
    return GateRules(
        statistic=statistic,
        alpha=strict.in_range(alpha, 0, 0.5, "gate.alpha", RulesError, low_open=True),
        min_repeats=int(strict.in_range(min_repeats, 2, 1000, "gate.min_repeats", RulesError)),
        min_samples=int(strict.in_range(min_samples, 2, 100_000, "gate.min_samples", RulesError)),
        loss_coverage=strict.in_range(coverage, 0.5, 0.999999, "gate.loss_coverage", RulesError),
        fail_on_counters=tuple(counters),
        metrics={name: _rule(name, table) for name, table in metrics.items()},
    )


def load_rules(path: Path | None = None) -> GateRules:
    """Read ``path`` (default: the gate.toml shipped beside the reports package)."""
    path = path or DEFAULT_RULES_PATH
    return parse_rules(strict.read_toml(path, RulesError, "gate rules file"), str(path))
