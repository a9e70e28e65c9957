"""The summary table: one row per configuration, each figure with its change against a baseline.

Pure: takes grouped configurations, returns rows of values and comparisons.
The HTML page and the terminal summary render the same table, and decide
significance by the one rule in ``reports.compare`` (the gate's).

A change is shown as ``+12.3%``. Only a tested change (enough repeats a side)
carries a judgement: ``~`` when the per-repeat values do not show it
different; nothing marks an untested change, and the table says once why
(``SummaryTable.test_note``).

A counter of a configuration with an ``incomplete`` repeat is *partial* (the
run ended before every report arrived) and reads so; so do the figures made
from counts. A negative count (older results; measurement rule 5 makes it a
bug) is never shown as a figure: the cell reads ``invalid``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from reports.compare import Comparison, compare_configs, shown_only, untested_note
from reports.configs import ConfigRuns, find_config
from reports.metrics import GROUPS, METRICS, Metric, format_value, shown_unit
from reports.rules import GateRules, load_rules

NOT_DIFFERENT = "~"
PARTIAL = "partial"
# Figures made from counts (besides the counters): an incomplete run makes them partial too.
COUNT_BASED = ("deliveries_per_s", "generator_cpu_us_per_delivery", "server_cpu_us_per_delivery")
INVALID = "invalid"


@dataclass(frozen=True)
class Cell:
    """One figure; ``comparison`` is None in the baseline's own row."""

    metric: Metric
    value: float | None
    comparison: Comparison | None
    partial: bool = False
    invalid: bool = False

    @property
    def value_text(self) -> str:
        if self.invalid:
            return INVALID
        unit, factor = shown_unit(self.metric)
        text = format_value(None if self.value is None else self.value * factor, unit)
        return f"{text} ({PARTIAL})" if self.partial else text

    @property
    def change_text(self) -> str:
        return change_text(self.comparison)


@dataclass(frozen=True)
class SummaryRow:
    config: ConfigRuns
    is_baseline: bool
    cells: list[Cell]

    def cell(self, key: str) -> Cell | None:
        return next((c for c in self.cells if c.metric.key == key), None)


@dataclass(frozen=True)
class SummaryTable:
    metrics: list[Metric]
    rows: list[SummaryRow]
    baseline: str
    rules: GateRules

    @property
    def alpha(self) -> float:
        return self.rules.alpha

    @property
    def statistic(self) -> str:
        return self.rules.statistic

    def default_metrics(self) -> list[Metric]:
        """The compact table's columns, in group order."""
        return [m for m in self.grouped() if m.default]

    def grouped(self) -> list[Metric]:
        """Every metric, ordered by group (throughput, latency, delivery, cost)."""
        return sorted(self.metrics, key=lambda m: GROUPS.index(m.group))

    def test_note(self) -> str:
        """One sentence: why changes are untested, or how the tested ones were judged."""
        untested = untested_note([row.config.repeats for row in self.rows], self.rules)
        if untested:
            return untested
        return (
            f"changes tested over repeats with the gate's rule ({self.statistic}, Holm at "
            f"{self.alpha:g}, each metric's margin); {NOT_DIFFERENT} = not shown different"
        )

    def method_note(self) -> str:
        """The longer explanation for the page and ``--wide``."""
        return (
            f"Changes are against {self.baseline}. {self.test_note()[0].upper()}"
            f"{self.test_note()[1:]}. A change is tested only on per-repeat values "
            f"(independent runs, at least {self.rules.min_repeats} a side: gate.toml's "
            "min_repeats), with the regression gate's own estimate, test and margins; "
            "per-second samples of one run are autocorrelated and never decide. "
            "Untested changes are the pooled change, shown plainly. Counters are shown, "
            "never tested. Latencies in ms."
        )


def rules_with(alpha: float | None = None) -> GateRules:
    """The shipped gate rules, with another family-wise alpha when one is given."""
    rules = load_rules()
    return rules if alpha is None else replace(rules, alpha=alpha)


def change_text(comparison: Comparison | None) -> str:
    """``+12.3%``, with `` ~`` when tested and not shown different; empty for the baseline."""
    if comparison is None:
        return ""
    if comparison.change_pct is None:
        # No relative change: a figure missing on one side, or growing from 0.
        return "new" if comparison.base == 0 and comparison.cand else ""
    text = f"{comparison.change_pct:+.1f}%"
    if comparison.tested and not comparison.significant and comparison.change_pct != 0:
        text += f" {NOT_DIFFERENT}"
    return text


def build_table(
    configs: Sequence[ConfigRuns],
    baseline: str | None = None,
    rules: GateRules | None = None,
) -> SummaryTable:
    """Rows for ``configs`` compared against ``baseline`` (default: the first).

    ``rules`` are the gate's (default: the shipped gate.toml). Metrics with no
    value in any configuration (redis CPU without a redis configuration) are
    left out. Raises KeyError for an unknown baseline.
    """
    if not configs:
        raise ValueError("no results to summarise")
    rules = rules or load_rules()
    base = find_config(configs, baseline) if baseline else configs[0]
    metrics = [m for m in METRICS if any(m.pooled(c) is not None for c in configs)]
    others = [c for c in configs if c is not base]
    tested = compare_configs(metrics, base, others, rules)
    rows = []
    for config in configs:
        is_base = config is base
        incomplete = any("incomplete" in (d.get("flags") or {}) for d in config.docs)
        cells = []
        for m in metrics:
            counted = m.kind == "count"
            invalid = counted and any(
                float(v) < 0 for v in (m.per_repeat(d) for d in config.docs) if v is not None
            )
            comparison = None
            if not is_base and not invalid:
                comparison = tested.get((config.label, m.key)) or shown_only(
                    m, base, config, "counter: shown, not tested"
                )
            value = None if invalid else m.pooled(config)
            partial = incomplete and (counted or m.key in COUNT_BASED)
            cells.append(Cell(m, value, comparison, partial, invalid))
        rows.append(SummaryRow(config, is_base, cells))
    return SummaryTable(metrics, rows, base.label, rules)
