"""The summary table as aligned text (a terminal) or Markdown (a CI step summary)."""

from __future__ import annotations

from collections.abc import Sequence

from reports.table import SummaryTable


def _header(table: SummaryTable) -> list[str]:
    return ["configuration"] + [
        m.label if m.unit == "count" else f"{m.label} ({m.unit})" for m in table.metrics
    ]


def _cells(table: SummaryTable) -> list[list[str]]:
    rows = []
    for row in table.rows:
        name = row.config.label + (" (baseline)" if row.is_baseline else "")
        cells = [name]
        for cell in row.cells:
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


def render_text(table: SummaryTable) -> str:
    lines = [f"WARNING {line}" for line in _flag_lines(table)]
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
