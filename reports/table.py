"""The summary table: one row per configuration, each figure with its change against a baseline.

Pure: takes grouped configurations, returns rows of values and comparisons.
The HTML page and the text/Markdown summary render the same table.

A counter of a configuration with an ``incomplete`` repeat is *partial* (the
run ended before every report arrived) and reads so, here and on the page; so
do the figures made from counts (deliveries/s, generator CPU a delivery). A
negative count (older results; measurement rule 5 makes it a bug) is never
shown as a figure: the cell reads ``invalid``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.compare import Comparison, compare
from reports.configs import ConfigRuns, find_config
from reports.metrics import METRICS, Metric, format_value
from reports.stats import get_statistic

NOT_SIGNIFICANT = "~"
PARTIAL = "partial"
# Figures made from counts (besides the counters): an incomplete run makes them partial too.
COUNT_BASED = ("deliveries_per_s", "generator_cpu_us_per_delivery")
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
        text = format_value(self.value, self.metric.unit)
        return f"{text} ({PARTIAL})" if self.partial else text

    @property
    def change_text(self) -> str:
        return change_text(self.comparison)


@dataclass(frozen=True)
class SummaryRow:
    config: ConfigRuns
    is_baseline: bool
    cells: list[Cell]


@dataclass(frozen=True)
class SummaryTable:
    metrics: list[Metric]
    rows: list[SummaryRow]
    baseline: str
    alpha: float
    statistic: str

    def method_note(self) -> str:
        """What the ``~`` mark means and which samples the tests used, for the page."""
        used = sorted(
            {
                cell.comparison.samples
                for row in self.rows
                for cell in row.cells
                if cell.comparison is not None and cell.comparison.p_value is not None
            }
        )
        return (
            f"Changes are against {self.baseline}. {NOT_SIGNIFICANT} marks a change the samples "
            f"do not support: two-sided {self.statistic} U test, p >= {self.alpha:g}, or no "
            "test possible. Samples: the per-repeat values when each side has >= 3 repeats "
            "(and enough to reach significance), else the per-second samples of the window "
            "(time series p50_us / p99_us / delivered, resource samples). Samples used here: "
            f"{', '.join(used) or 'none'}. Counters are shown, not tested."
        )


def change_text(comparison: Comparison | None) -> str:
    """``+12.3%``, with `` ~`` appended when not significant; empty for the baseline."""
    if comparison is None:
        return ""
    if comparison.change_pct is None:
        # No relative change: a figure missing on one side, or growing from 0.
        return "new" if comparison.base == 0 and comparison.cand else ""
    text = f"{comparison.change_pct:+.1f}%"
    if comparison.significant is not True and comparison.change_pct != 0:
        text += f" {NOT_SIGNIFICANT}"
    return text


def build_table(
    configs: Sequence[ConfigRuns],
    baseline: str | None = None,
    alpha: float = 0.05,
    statistic: str = "mann-whitney",
) -> SummaryTable:
    """Rows for ``configs`` compared against ``baseline`` (default: the first).

    Metrics with no value in any configuration (redis CPU without a redis
    configuration) are left out. Raises KeyError for an unknown baseline.
    """
    if not configs:
        raise ValueError("no results to summarise")
    base = find_config(configs, baseline) if baseline else configs[0]
    test = get_statistic(statistic)
    metrics = [m for m in METRICS if any(m.pooled(c) is not None for c in configs)]
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
            comparison = None if is_base or invalid else compare(m, base, config, alpha, test)
            value = None if invalid else m.pooled(config)
            partial = incomplete and (counted or m.key in COUNT_BASED)
            cells.append(Cell(m, value, comparison, partial, invalid))
        rows.append(SummaryRow(config, is_base, cells))
    return SummaryTable(metrics, rows, base.label, alpha, statistic)
