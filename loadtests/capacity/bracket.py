"""A confirmed knee: the search's boundary measured again until each side holds. Pure.

One window decides each step of the search, and at the knee the verdict
flips on a few slow seconds (issue 22). So once the search has found its
boundary -- the highest passing load and the lowest load above it that did
not pass -- those two loads are measured again, interleaved (pass side, fail
side, pass side, ...), until each verdict holds in two of three windows. A
side that turns out the other way moves the boundary: a "pass" load that
fails twice becomes the fail side and the next passing load below it is
confirmed instead; a "fail" load that passes twice becomes the pass side.

The answer is a bracket: the highest confirmed pass and the lowest confirmed
fail. With the extra-window budget spent before both sides held, the knee is
*unconfirmed*, and it is reported as such, never as a capacity.

    >>> from loadtests.capacity.search import Step, Outcome
    >>> c = Confirmation([Step(100.0, Outcome.PASS), Step(200.0, Outcome.FAIL)], budget=4)
    >>> c.next_load()
    100.0
    >>> c.record(100, Outcome.PASS); c.next_load()
    200.0
    >>> c.record(200, Outcome.FAIL, "p99"); c.next_load() is None, c.confirmed
    (True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from loadtests.capacity.search import Answer, Outcome, Step, Verdict
from loadtests.model.capacity import Bracket

HOLDS = 2  # a verdict holds when this many windows agree ...
OF = 3  # ... out of at most this many
# Extra windows per search: the minimum is 2 (one more for each side); 4 allows one
# flip, and keeps `make capacity` (three configurations) within its 15 minutes.
DEFAULT_BUDGET = 4


@dataclass
class Confirmation:
    """Feed it the search's steps; then ``next_load``, measure, ``record`` until None."""

    steps: list[Step]
    budget: int = DEFAULT_BUDGET
    used: int = 0
    _last: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.steps = list(self.steps)

    def record(self, load: float, outcome: Outcome, reason: str = "") -> None:
        self.steps.append(Step(float(load), outcome, reason))
        self.used += 1
        self._last = float(load)

    def windows(self, load: float) -> list[Step]:
        return [s for s in self.steps if math.isclose(s.load, load)]

    def held(self, load: float) -> Outcome | None:
        """PASS or FAIL once ``HOLDS`` windows at ``load`` agree (FAIL: any non-pass)."""
        found = self.windows(load)
        passes = sum(1 for s in found if s.outcome is Outcome.PASS)
        if passes >= HOLDS:
            return Outcome.PASS
        if len(found) - passes >= HOLDS:
            return Outcome.FAIL
        return None

    def _leans_pass(self, load: float) -> bool:
        """More passes than not; a tie goes to the latest window."""
        found = self.windows(load)
        passes = sum(1 for s in found if s.outcome is Outcome.PASS)
        if passes * 2 == len(found):
            return found[-1].outcome is Outcome.PASS
        return passes * 2 > len(found)

    def bounds(self) -> tuple[float | None, float | None]:
        """(the highest load leaning pass, the lowest load above it leaning fail)."""
        loads = sorted({s.load for s in self.steps})
        passing = [load for load in loads if self._leans_pass(load)]
        lo = passing[-1] if passing else None
        failing = [x for x in loads if not self._leans_pass(x) and (lo is None or x > lo)]
        return lo, (failing[0] if failing else None)

    @property
    def confirmed(self) -> bool:
        lo, hi = self.bounds()
        return (
            lo is not None
            and hi is not None
            and self.held(lo) is Outcome.PASS
            and self.held(hi) is Outcome.FAIL
        )

    def next_load(self) -> float | None:
        """The next window to measure, or None: confirmed, nothing to confirm, or out of budget."""
        lo, hi = self.bounds()
        if lo is None or hi is None or self.confirmed or self.used >= self.budget:
            return None
        open_sides = [x for x in (lo, hi) if self.held(x) is None]
        if not open_sides:
            return None  # both held, yet not a bracket: cannot happen (bounds lean by majority)
        # Interleave: the side not measured last, so drift hits both alike.
        others = [x for x in open_sides if self._last is None or not math.isclose(x, self._last)]
        return (others or open_sides)[0]

    def _fail_reason(self, load: float) -> tuple[Outcome, str]:
        """What failed at ``load``: FAIL if any window failed for the server, else limited."""
        stopped = [s for s in self.windows(load) if s.outcome is not Outcome.PASS]
        for s in stopped:
            if s.outcome is Outcome.FAIL:
                return Outcome.FAIL, s.reason
        return Outcome.GENERATOR_LIMITED, stopped[-1].reason if stopped else ""

    def answer(self, unbracketed: Answer) -> Answer:
        """The bracket's answer; ``unbracketed`` (the search's) when there is no boundary."""
        lo, hi = self.bounds()
        if lo is not None and hi is None and unbracketed.first_failing is not None:
            # The fail side passed when measured again and nothing above it failed: the
            # knee lies above what was measured. Not a capacity, and not a bound either.
            return Answer(
                Verdict.UNCONFIRMED,
                None,
                None,
                f"the fail side passed when measured again; no load above {lo:,.0f} was measured",
            )
        if lo is None or hi is None:
            return unbracketed
        kind, reason = self._fail_reason(hi)
        if kind is Outcome.GENERATOR_LIMITED:
            return Answer(Verdict.GENERATOR_LIMITED, lo, hi, reason)
        if self.confirmed:
            return Answer(Verdict.CAPACITY, lo, hi, reason)
        return Answer(Verdict.UNCONFIRMED, None, hi, reason)

    def to_schema(self) -> Bracket:
        """The capacity entry's ``bracket`` object (docs/results-schema.md)."""
        lo, hi = self.bounds()
        return {
            "pass_load": lo,
            "fail_load": hi,
            "confirmed": self.confirmed,
            "pass_held": _held_text(self.held(lo)) if lo is not None else None,
            "fail_held": _held_text(self.held(hi)) if hi is not None else None,
            "extra_windows": self.used,
            "budget": self.budget,
            "rule": f"each side holds in {HOLDS} of {OF} windows",
        }


def _held_text(outcome: Outcome | None) -> str | None:
    return None if outcome is None else outcome.value
