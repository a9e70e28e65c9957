"""The summary table for a terminal (compact or wide), Markdown (a CI step summary) or JSON.

The default, ``render_text``, fits ``MAX_WIDTH`` (120) columns: the verdict
line, then configuration, deliveries/s, fan-out p50/p99/p99.9 in ms, lost,
whole-server CPU (% of a core and µs per delivery), generator CPU (% of a
core) and flags, each figure with its change against the baseline (``+45%``;
``~`` only for a change tested over repeats and not shown different). One
line says whether changes were tested (reports.compare), one where the full
table and the report are. ``render_wide`` is every metric (per-node cost
too); ``render_markdown`` and ``render_json`` are for machines.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict

from reports import machine_view
from reports.metrics import Metric, format_value, shown_unit
from reports.table import NOT_DIFFERENT, Cell, SummaryRow, SummaryTable
from reports.verdict_line import VerdictLine

MAX_WIDTH = 120
MIN_NAME_WIDTH = 12
# (metric key, header): latencies are shown in ms (metrics.shown_unit).
COMPACT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("deliveries_per_s", "deliveries/s"),
    ("fanout_p50", "p50 ms"),
    ("fanout_p99", "p99 ms"),
    ("fanout_p99_9", "p99.9 ms"),
    ("lost", "lost"),
    ("server_cpu_pct", "srv CPU%"),
    ("server_cpu_us_per_delivery", "srv µs/dlv"),
    ("generator_cpu_pct", "gen CPU%"),
)


def header_text(metric: Metric) -> str:
    """``fan-out p99 (ms)``: the label and the unit the figure is shown in."""
    unit, _factor = shown_unit(metric)
    return metric.label if unit == "count" else f"{metric.label} ({unit})"


def _header(table: SummaryTable) -> list[str]:
    return ["configuration"] + [header_text(m) for m in table.grouped()]


def _name(row: SummaryRow) -> str:
    return row.config.label + (" (baseline)" if row.is_baseline else "")


def _cells(table: SummaryTable) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells = [_name(row)]
        for metric in table.grouped():
            cell = row.cell(metric.key)
            assert cell is not None  # every row has a cell for every metric of the table
            change = cell.change_text
            cells.append(f"{cell.value_text} ({change})" if change else cell.value_text)
        rows.append(cells)
    return rows


def _flag_lines(table: SummaryTable) -> list[str]:
    return [
        f"{row.config.label} repeat {repeat}: {flag}: {why}"
        for row in table.rows
        for repeat, flag, why in row.config.flags()
    ]


def aligned(rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; text left, figures right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        parts = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=False)
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _wrapped(line: str, width: int = MAX_WIDTH, indent: str = "    ") -> list[str]:
    return textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False) or [""]


def compact_number(value: float | None) -> str:
    """A figure in at most about 6 characters: 4,000  26.7  1.35  0.812."""
    if value is None:
        return "—"
    size = abs(value)
    if size >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def compact_change(cell: Cell) -> str:
    """``+45%``, ``-1.6%~`` (tested, not shown different), ``new``, or empty (baseline)."""
    comp = cell.comparison
    if comp is None:
        return ""
    if comp.change_pct is None:
        return "new" if comp.base == 0 and comp.cand else ""
    pct = comp.change_pct
    text = f"{pct:+.0f}%" if abs(pct) >= 10 else f"{pct:+.1f}%"
    if comp.tested and not comp.significant and pct != 0:
        text += NOT_DIFFERENT
    return text


def _compact_cell(cell: Cell | None) -> str:
    if cell is None:
        return "—"
    if cell.invalid:
        return "invalid"
    unit, scale = shown_unit(cell.metric)
    value = None if cell.value is None else cell.value * scale
    text = format_value(value, unit) + ("?" if cell.partial else "")
    change = compact_change(cell)
    return f"{text} {change}" if change else text


def _short_flags(row: SummaryRow) -> str:
    names = sorted({flag for _repeat, flag, _why in row.config.flags()})
    return ",".join(names) or "-"


def _fit(rows: list[list[str]], flags_col: int, width: int) -> list[list[str]]:
    """Shorten the configuration and flags columns until a line fits ``width``."""

    def total(rs: list[list[str]]) -> int:
        widths = [max(len(r[i]) for r in rs) for i in range(len(rs[0]))]
        return sum(widths) + 2 * (len(widths) - 1)

    excess = total(rows) - width
    if excess <= 0:
        return rows
    for col, floor in ((flags_col, 8), (0, MIN_NAME_WIDTH)):
        widest = max(len(r[col]) for r in rows)
        limit = max(floor, widest - excess)
        for r in rows:
            if len(r[col]) > limit:
                r[col] = r[col][: limit - 1] + "…"
        excess = total(rows) - width
        if excess <= 0:
            break
    return rows


def compact_rows(table: SummaryTable, width: int = MAX_WIDTH) -> list[list[str]]:
    """Header and one row per configuration of the compact table, fitted to ``width``."""
    keys = {m.key for m in table.metrics}
    columns = [c for c in COMPACT_COLUMNS if c[0] in keys]
    header = ["configuration", *[title for _k, title in columns], "flags"]
    rows = [header]
    for row in table.rows:
        rows.append(
            [_name(row)]
            + [_compact_cell(row.cell(key)) for key, _t in columns]
            + [_short_flags(row)]
        )
    return _fit(rows, len(header) - 1, width)


def _explanation(table: SummaryTable, report: Path | None) -> list[str]:
    partial = any(cell.partial for row in table.rows for cell in row.cells)
    line = (
        f"Changes vs {table.baseline}: {table.test_note()}"
        + (", ? = partial (incomplete run)" if partial else "")
        + "; all columns: summary --wide"
    )
    lines = _wrapped(line)
    if report is not None:
        lines.append(f"report: {report}")
    return lines


def _verdict(verdict: VerdictLine | None, width: int) -> list[str]:
    return [] if verdict is None else _wrapped(f"verdict: {verdict.text}", width)


def render_text(
    table: SummaryTable,
    report: Path | None = None,
    width: int = MAX_WIDTH,
    verdict: VerdictLine | None = None,
) -> str:
    """The compact terminal table: no line wider than ``width``."""
    lines = [w for line in _flag_lines(table) for w in _wrapped(f"WARNING {line}", width)]
    lines += _verdict(verdict, width)
    lines.append(aligned(compact_rows(table, width)))
    lines += machine_lines(table)
    lines += _explanation(table, report)
    return "\n".join(lines) + "\n"


def machine_lines(table: SummaryTable) -> list[str]:
    """Each configuration's machine speed and CPU sets, under the table (issue 22)."""
    return machine_view.text_lines([row.config for row in table.rows])


def render_wide(table: SummaryTable, verdict: VerdictLine | None = None) -> str:
    """Every metric, each with its change in words: as wide as it takes."""
    lines = [f"WARNING {line}" for line in _flag_lines(table)]
    lines += [] if verdict is None else [f"verdict: {verdict.text}"]
    lines.append(aligned([_header(table)] + _cells(table)))
    lines.append("")
    lines.append(table.method_note())
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(_md_escape(h) for h in header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(table: SummaryTable) -> str:
    lines = ["## roombench summary", ""]
    flags = _flag_lines(table)
    if flags:
        lines += [f"> **Warning:** {_md_escape(line)}" for line in flags] + [""]
    lines += [markdown_table(_header(table), _cells(table)), "", table.method_note()]
    return "\n".join(lines) + "\n"


class CellDoc(TypedDict):
    value: float | None
    unit: str
    group: str
    partial: bool
    invalid: bool
    change_pct: float | None  # None: no comparison (the baseline row)
    tested: bool | None
    outcome: str | None
    significant: bool | None
    p_value: float | None
    samples: str | None


class FlagDoc(TypedDict):
    repeat: int
    flag: str
    why: str


class RowDoc(TypedDict):
    configuration: str
    baseline: bool
    repeats: int
    flags: list[FlagDoc]
    metrics: dict[str, CellDoc]  # by metric key


class SummaryDoc(TypedDict):
    """``summary.json``: the summary table as data (``table_json``)."""

    baseline: str
    alpha: float
    statistic: str
    min_repeats: int
    tests: str
    rows: list[RowDoc]


def table_json(table: SummaryTable) -> SummaryDoc:
    """The table as data: values in the metrics' own units, changes and p-values."""
    rows: list[RowDoc] = []
    for row in table.rows:
        cells: dict[str, CellDoc] = {}
        for cell in row.cells:
            comp = cell.comparison
            cells[cell.metric.key] = {
                "value": cell.value,
                "unit": cell.metric.unit,
                "group": cell.metric.group,
                "partial": cell.partial,
                "invalid": cell.invalid,
                "change_pct": None if comp is None else comp.change_pct,
                "tested": None if comp is None else comp.tested,
                "outcome": None if comp is None else comp.outcome,
                "significant": None if comp is None else comp.significant,
                "p_value": None if comp is None else comp.p_value,
                "samples": None if comp is None else comp.samples,
            }
        rows.append(
            {
                "configuration": row.config.label,
                "baseline": row.is_baseline,
                "repeats": row.config.repeats,
                "flags": [
                    {"repeat": repeat, "flag": flag, "why": why}
                    for repeat, flag, why in row.config.flags()
                ],
                "metrics": cells,
            }
        )
    return {
        "baseline": table.baseline,
        "alpha": table.alpha,
        "statistic": table.statistic,
        "min_repeats": table.rules.min_repeats,
        "tests": table.test_note(),
        "rows": rows,
    }


def render_json(table: SummaryTable) -> str:
    return json.dumps(table_json(table), indent=1) + "\n"
