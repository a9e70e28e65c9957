"""The gate's verdict as a text table (stdout) and Markdown (CI step summary)."""

from __future__ import annotations

from reports.gate.decision import FAIL, INCONCLUSIVE, REGRESSION, Check, Verdict
from reports.metrics import format_value
from reports.summary_text import aligned, markdown_table

HEADER = [
    "metric",
    "subject",
    "base",
    "candidate",
    "change",
    "p-value",
    "samples",
    "verdict",
    "reason",
]
HEADLINE = {
    "pass": "PASS: no regression",
    "regression": "FAIL: regression",
    "inconclusive": "INCONCLUSIVE: the comparison cannot decide",
}


def _row(check: Check) -> list[str]:
    unit = "" if check.unit in ("count", "1/s", "x") else f" {check.unit}"
    return [
        check.metric,
        check.subject,
        format_value(check.base, check.unit) + (unit if check.base is not None else ""),
        format_value(check.cand, check.unit) + (unit if check.cand is not None else ""),
        "" if check.change_pct is None else f"{check.change_pct:+.1f}%",
        "" if check.p_value is None else f"{check.p_value:.3g}",
        check.samples,
        check.verdict.upper()
        if check.verdict in (FAIL, REGRESSION, INCONCLUSIVE)
        else check.verdict,
        check.reason,
    ]


def render_text(verdict: Verdict) -> str:
    lines = [f"roombench gate: {HEADLINE[verdict.outcome]} (exit {verdict.exit_code})"]
    lines += [f"  - {reason}" for reason in verdict.reasons]
    if verdict.checks:
        lines += ["", aligned([HEADER] + [_row(c) for c in verdict.checks])]
    lines += [f"note: {note}" for note in verdict.notes]
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
    lines.append(f"Two-sided {verdict.statistic} test; method in docs/gate.md.")
    return "\n".join(lines) + "\n"
