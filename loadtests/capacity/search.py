"""Where the knee is: coarse geometric steps, then bisection. Pure.

The search raises the offered load by ``factor`` (default ×2) from ``start``
until a step fails (breaks the SLO, loses or leaks, saturates the server);
then it bisects (geometric mid-points) between the highest passing and the
lowest failing load until they are within ``resolution`` (default 10 %) of
each other, or ``max_steps`` (default 12) steps were measured. A first step
that fails sends the search down by ``factor`` instead. A step where the
generator or the machine was the limit is a limit of the measurement, not of
the server: the search bisects below it as below a failure, and if the
lowest step that did not pass was generator-limited, the answer is
"generator-limited at X" (with the highest load that passed), never a server
capacity. A failure found below the generator's limit is a server capacity.

    >>> search = Search(start=100)
    >>> search.next_load()
    100.0
    >>> search.record(100, Outcome.PASS); search.next_load()
    200.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum


class Outcome(Enum):
    PASS = "pass"
    FAIL = "fail"  # the server broke the SLO, lost, leaked or saturated
    GENERATOR_LIMITED = "generator-limited"  # the load generator or the machine was the limit


class Verdict(Enum):
    CAPACITY = "capacity"  # between the highest pass and the lowest fail
    ABOVE_RANGE = "above-range"  # never failed up to the ceiling or the step budget
    BELOW_RANGE = "below-range"  # even the smallest load failed
    GENERATOR_LIMITED = "generator-limited"
    # The boundary did not hold in 2 of 3 windows within the budget (capacity/bracket.py):
    # never a capacity.
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class Step:
    load: float
    outcome: Outcome
    reason: str = ""  # the SLO term or flag that failed it


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    capacity: float | None  # the highest passing load (None: none passed)
    first_failing: float | None
    bound_by: str  # what failed at ``first_failing`` (or limited the generator)


@dataclass
class Search:
    """The step planner; call ``next_load``, measure, ``record``, until ``next_load`` is None.

    ``floor``/``ceiling`` bound the loads tried (default 1 and unbounded);
    ``integer`` rounds loads to whole numbers (users, connections).
    """

    start: float
    factor: float = 2.0
    resolution: float = 0.10
    max_steps: int = 12
    floor: float = 1.0
    ceiling: float | None = None
    ceiling_reason: str = ""  # what the ceiling is (named when the search stops there)
    integer: bool = False
    steps: list[Step] = field(default_factory=list)

    def record(self, load: float, outcome: Outcome, reason: str = "") -> None:
        self.steps.append(Step(float(load), outcome, reason))

    @property
    def highest_pass(self) -> Step | None:
        passed = [s for s in self.steps if s.outcome is Outcome.PASS]
        return max(passed, key=lambda s: s.load) if passed else None

    @property
    def lowest_fail(self) -> Step | None:
        """The lowest step above the highest pass that did not pass (failed or limited)."""
        lo = self.highest_pass
        stopped = [
            s
            for s in self.steps
            if s.outcome is not Outcome.PASS and (lo is None or s.load > lo.load)
        ]
        return min(stopped, key=lambda s: s.load) if stopped else None

    def next_load(self) -> float | None:
        """The next load to measure, or None when the search is over."""
        if len(self.steps) >= self.max_steps:
            return None
        lo, hi = self.highest_pass, self.lowest_fail
        if lo is None and hi is None:
            return self._shape(self.start)
        if hi is None:
            assert lo is not None
            if self.ceiling is not None and lo.load >= self.ceiling:
                return None
            up = lo.load * self.factor
            return self._new(min(up, self.ceiling) if self.ceiling is not None else up)
        if lo is None:
            down = hi.load / self.factor
            return None if down < self.floor else self._new(down)
        if hi.load <= lo.load * (1 + self.resolution):
            return None
        return self._new(math.sqrt(lo.load * hi.load))

    def answer(self) -> Answer:
        lo, hi = self.highest_pass, self.lowest_fail
        if hi is not None and hi.outcome is Outcome.GENERATOR_LIMITED:
            return Answer(Verdict.GENERATOR_LIMITED, lo.load if lo else None, hi.load, hi.reason)
        if lo is None:
            return Answer(
                Verdict.BELOW_RANGE, None, hi.load if hi else None, hi.reason if hi else ""
            )
        if hi is None:
            at_ceiling = self.ceiling is not None and lo.load >= self.ceiling
            return Answer(
                Verdict.ABOVE_RANGE, lo.load, None, self.ceiling_reason if at_ceiling else ""
            )
        return Answer(Verdict.CAPACITY, lo.load, hi.load, hi.reason)

    def _shape(self, load: float) -> float:
        load = max(self.floor, load)
        return float(round(load)) if self.integer else float(load)

    def _new(self, load: float) -> float | None:
        """``load`` shaped; None when it was measured already (rounding closed the gap)."""
        shaped = self._shape(load)
        if any(math.isclose(s.load, shaped) for s in self.steps):
            return None
        return shaped
