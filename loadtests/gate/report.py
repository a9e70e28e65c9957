"""The gate's verdict as a text table (stdout) and Markdown (CI step summary).

Each line shows the pooled figures (for orientation), then what decided:
the estimate from the tested samples with its interval, the p-value against
its Holm level, the samples, the outcome and the rule that decided it.
"""

from __future__ import annotations

import textwrap

from loadtests.gate.instructions import UNIT as COUNT_UNIT
from reports.metrics import format_value
from reports.summary_text import aligned, markdown_table
from reports.verdict import FAIL, INCONCLUSIVE, REGRESSION, Check, Verdict

HEADER = [
    "metric",
    "subject",
    "base",
    "candidate",
    "pooled",
    "estimate",
    "interval",
    "p (Holm level)",
    "samples",
    "verdict",
    "rule",
    "reason",
]
# The terminal's table: what decided, within 120 columns; the rule and reason of
# each line follow the table, wrapped. Markdown and JSON keep every column.
COMPACT = ["metric", "subject", "base", "candidate", "change", "interval", "p (Holm)", "verdict"]
WIDTH = 120
SUBJECT_CHARS = 22
HEADLINE = {
    "pass": "PASS: no regression",
    "regression": "FAIL: regression",
    "inconclusive": "INCONCLUSIVE: the comparison cannot decide",
}


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}%"


def _interval(check: Check) -> str:
    if check.change_pct is None:
        return ""
    if check.unit == COUNT_UNIT:
        return "count, no CI"
    if check.ci_low_pct is None or check.ci_high_pct is None:
        return "none (too few samples)"
    level = f"{check.confidence:.0%} " if check.confidence is not None else ""
    return f"{level}{_pct(check.ci_low_pct)}..{_pct(check.ci_high_pct)}"


def _row(check: Check) -> list[str]:
    unit = "" if check.unit in ("count", "1/s", "x") else f" {check.unit}"
    p_text = ""
    if check.p_value is not None:
        p_text = f"{check.p_value:.3g}"
        if check.p_threshold is not None:
            p_text += f" ({check.p_threshold:.3g})"
    return [
        check.metric,
        check.subject,
        format_value(check.base, check.unit) + (unit if check.base is not None else ""),
        format_value(check.cand, check.unit) + (unit if check.cand is not None else ""),
        _pct(check.pooled_change_pct),
        _pct(check.change_pct),
        _interval(check),
        p_text,
        check.samples,
        check.verdict.upper()
        if check.verdict in (FAIL, REGRESSION, INCONCLUSIVE)
        else check.verdict,
        check.rule,
        check.reason,
    ]


def _method_parts(verdict: Verdict) -> list[str]:
    looks = (
        f" (alpha {verdict.alpha:g} split over {verdict.looks} looks)" if verdict.looks > 1 else ""
    )
    return [
        "Estimate: Hodges-Lehmann shift of the per-repeat values (log scale) with its "
        f"distribution-free {1 - 2 * verdict.alpha:.0%} interval;",
        f"two-sided {verdict.statistic} test of the same samples;",
        f"Holm-Bonferroni over {verdict.family_size} tested lines at family alpha "
        f"{verdict.family_alpha:.3g}{looks}.",
        "The pooled change (merged histograms) is shown, never decides. Method: docs/gate.md.",
    ] + (
        [
            "Instruction counts (instr) have no test: their change is judged against the margin "
            "alone, outside the family."
        ]
        if any(c.unit == COUNT_UNIT for c in verdict.checks)
        else []
    )


def _method(verdict: Verdict) -> str:
    return " ".join(_method_parts(verdict))


def _compact(check: Check) -> list[str]:
    full = _row(check)
    subject = full[1] if len(full[1]) <= SUBJECT_CHARS else full[1][: SUBJECT_CHARS - 1] + "…"
    interval = full[6].replace("none (too few samples)", "none")
    return [full[0], subject, full[2], full[3], full[5], interval, full[7], full[9]]


def _wrapped(text: str, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def render_text(verdict: Verdict, wide: bool = False) -> str:
    """The verdict for a terminal: within 120 columns unless ``wide`` (every column)."""
    lines = [f"roombench gate: {HEADLINE[verdict.outcome]} (exit {verdict.exit_code})"]
    for reason in verdict.reasons:
        lines += _wrapped(f"- {reason}")
    if verdict.checks and wide:
        lines += ["", aligned([HEADER] + [_row(c) for c in verdict.checks])]
    elif verdict.checks:
        lines += ["", aligned([COMPACT] + [_compact(c) for c in verdict.checks])]
        for check in verdict.checks:
            why = "; ".join(part for part in (check.rule, check.reason) if part)
            if why:
                lines += _wrapped(f"{check.metric} {check.subject}: {why}")
    for note in verdict.notes:
        lines += _wrapped(f"note: {note}", indent="")
    for part in _method_parts(verdict):
        lines += textwrap.wrap(part, WIDTH)
    return "\n".join(lines) + "\n"


def render_markdown(verdict: Verdict) -> str:
    icon = {"pass": ":white_check_mark:", "regression": ":x:", "inconclusive": ":warning:"}
    lines = [f"## roombench gate {icon[verdict.outcome]} {HEADLINE[verdict.outcome]}", ""]
    lines += [f"- {reason}" for reason in verdict.reasons]
    if verdict.reasons:
        lines.append("")
    if verdict.checks:
        lines += [markdown_table(HEADER, [_row(c) for c in verdict.checks]), ""]
    lines += [f"_Note: {note}_" for note in verdict.notes]
    lines.append(_method(verdict))
    return "\n".join(lines) + "\n"
