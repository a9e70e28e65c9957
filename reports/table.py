"""The summary table: one row per configuration, each figure with its change against a baseline.

Pure: takes grouped configurations, returns rows of values and comparisons.
The HTML page and the text/Markdown summary render the same table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.compare import Comparison, compare
from reports.configs import ConfigRuns, find_config
from reports.metrics import METRICS, Metric, format_value
from reports.stats import get_statistic

NOT_SIGNIFICANT = "~"


@dataclass(frozen=True)
class Cell:
    """One figure; ``comparison`` is None in the baseline's own row."""

    metric: Metric
    value: float | None
    comparison: Comparison | None

    @property
    def value_text(self) -> str:
        return format_value(self.value, self.metric.unit)

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
        cells = [
            Cell(m, m.pooled(config), None if is_base else compare(m, base, config, alpha, test))
            for m in metrics
        ]
        rows.append(SummaryRow(config, is_base, cells))
    return SummaryTable(metrics, rows, base.label, alpha, statistic)
