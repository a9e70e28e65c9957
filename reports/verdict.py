"""The gate's verdict as a typed document: one ``Check`` a line, one ``Verdict`` a gate.

The JSON verdict is ``Verdict.to_json()``: the dataclasses' own fields are its
keys (written once, here), so the JSON, the text table and the Markdown table
cannot drift apart. Build both with keyword arguments.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, TypedDict

from loadtests.model.exit_codes import EXIT_INCONCLUSIVE, EXIT_PASS, EXIT_REGRESSION
from loadtests.model.json_object import JsonObject

KIND = "roombench.gate"

# A check's verdict: what the line does to the gate.
PASS, REGRESSION, IMPROVEMENT = "pass", "regression", "improvement"
FAIL, INCONCLUSIVE, SKIPPED = "fail", "inconclusive", "skipped"
VERDICTS = (PASS, REGRESSION, IMPROVEMENT, FAIL, INCONCLUSIVE, SKIPPED)

# A timing check's outcome, as Chromium's Pinpoint names them.
DIFFERENT, SAME, UNKNOWN = "different", "same", "unknown"


class GateDoc(TypedDict):
    """``gate.json``: ``Verdict``'s fields, with ``kind`` first (``reports.verdict_line``
    reads ``outcome`` and ``exit_code`` back)."""

    kind: str
    outcome: str
    exit_code: int
    checks: list[JsonObject]  # each Check's fields
    reasons: list[str]
    notes: list[str]
    statistic: str
    alpha: float
    looks: int
    family_alpha: float
    family_size: int


@dataclass(frozen=True, kw_only=True)
class Check:
    """One judged line of the gate's table.

    ``base``/``cand`` are the pooled figures (merged histograms, summed
    counters) and ``pooled_change_pct`` their change: shown, never deciding.
    ``change_pct`` with ``ci_low_pct``..``ci_high_pct`` (at ``confidence``) is
    the estimate from the very samples ``p_value`` tests (``samples`` says
    which); ``p_threshold`` is the Holm level that p was compared with.
    ``outcome`` is different / same / unknown for a tested timing check,
    empty otherwise; ``rule`` names the rule that decided the line.
    """

    metric: str
    subject: str  # configuration name or benchmark name
    unit: str
    verdict: str
    reason: str
    rule: str = ""
    outcome: str = ""
    base: float | None = None
    cand: float | None = None
    pooled_change_pct: float | None = None
    change_pct: float | None = None
    ci_low_pct: float | None = None
    ci_high_pct: float | None = None
    confidence: float | None = None
    p_value: float | None = None
    p_threshold: float | None = None
    samples: str = ""


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """The gate's outcome: ``exit_code`` 0 pass, 1 regression, 3 inconclusive.

    ``family_alpha`` is the family-wise false-positive rate the Holm
    procedure holds over the ``family_size`` tested checks, after splitting
    ``alpha`` over ``looks`` (an adaptive gate looks more than once).
    """

    outcome: str
    exit_code: int
    checks: list[Check]
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    statistic: str = "mann-whitney"
    alpha: float = 0.05
    looks: int = 1
    family_alpha: float = 0.05
    family_size: int = 0

    def to_json(self) -> GateDoc:
        return {
            "kind": KIND,
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "checks": [asdict(check) for check in self.checks],
            "reasons": self.reasons,
            "notes": self.notes,
            "statistic": self.statistic,
            "alpha": self.alpha,
            "looks": self.looks,
            "family_alpha": self.family_alpha,
            "family_size": self.family_size,
        }


def conclude(
    checks: list[Check],
    reasons: list[str],
    notes: list[str],
    **settings: Any,
) -> Verdict:
    """Any fail or regression: exit 1; else any blocker or inconclusive line: 3; else 0."""
    if any(c.verdict in (FAIL, REGRESSION) for c in checks):
        return Verdict(
            outcome=REGRESSION,
            exit_code=EXIT_REGRESSION,
            checks=checks,
            reasons=reasons,
            notes=notes,
            **settings,
        )
    undecided = [
        f"{c.metric} ({c.subject}): {c.reason}" for c in checks if c.verdict == INCONCLUSIVE
    ]
    if reasons or undecided:
        return Verdict(
            outcome=INCONCLUSIVE,
            exit_code=EXIT_INCONCLUSIVE,
            checks=checks,
            reasons=reasons + undecided,
            notes=notes,
            **settings,
        )
    return Verdict(
        outcome=PASS, exit_code=EXIT_PASS, checks=checks, reasons=reasons, notes=notes, **settings
    )
