"""How many rounds and iterations a benchmark runs, sized by deliveries.

Every case gets a fixed plan (pytest-benchmark's pedantic mode) instead of
pytest-benchmark's time-based calibration, for two reasons: ``make bench`` must
stay under five minutes on two cores, and the engine.io variant must drain its
socket queues between rounds, which calibration cannot do. A round is sized so
that it holds about ``deliveries_per_round`` deliveries (small rooms repeat the
emit; large rooms emit once), and a case stops after ``deliveries_per_case``
deliveries or ``max_rounds`` rounds, whichever comes first, but never runs
fewer than ``min_rounds`` rounds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoundPlan:
    """Arguments for ``benchmark.pedantic``: ``rounds`` x ``iterations`` after ``warmup_rounds``."""

    rounds: int
    iterations: int
    warmup_rounds: int = 2

    def as_kwargs(self) -> dict[str, int]:
        return {
            "rounds": self.rounds,
            "iterations": self.iterations,
            "warmup_rounds": self.warmup_rounds,
        }


def plan_for(
    deliveries_per_call: int,
    deliveries_per_round: int = 200,
    deliveries_per_case: int = 3_000_000,
    min_rounds: int = 20,
    max_rounds: int = 500,
) -> RoundPlan:
    """The plan for a call that makes ``deliveries_per_call`` deliveries (>= 1).

    Defaults: 200 deliveries a round, 3,000,000 a case, 20 to 500 rounds.
    """
    if deliveries_per_call < 1:
        raise ValueError(f"deliveries_per_call must be >= 1, not {deliveries_per_call}")
    iterations = max(1, deliveries_per_round // deliveries_per_call)
    rounds = deliveries_per_case // (iterations * deliveries_per_call)
    return RoundPlan(rounds=max(min_rounds, min(max_rounds, rounds)), iterations=iterations)
