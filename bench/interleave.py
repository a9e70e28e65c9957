"""A ratio of two costs measured in alternation, so machine noise hits both alike.

Two pytest-benchmark benchmarks run one after the other: if another process
takes a core during one and not the other, their ratio moves although neither
cost did (on the shared two-core machine this moved handler/raw from 2.2 to
2.9 between runs). Timing the two callables in alternating batches — A then B,
then B then A, to cancel any order effect — spreads such noise over both, and
the ratio of the two medians of per-batch times is then a stable number.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class InterleavedRatio:
    """Medians of ``pairs`` batches of each callable (seconds per call) and their ratio b/a."""

    a_median_s: float
    b_median_s: float
    pairs: int
    batch: int

    @property
    def ratio(self) -> float:
        return self.b_median_s / self.a_median_s


def interleaved_ratio(
    a: Callable[[], object],
    b: Callable[[], object],
    pairs: int = 1000,
    batch: int = 5,
    clock_ns: Callable[[], int] = time.perf_counter_ns,
) -> InterleavedRatio:
    """Time ``batch`` calls of ``a`` and of ``b``, alternating, ``pairs`` times.

    Defaults: 1000 pairs of 5-call batches, timed with ``time.perf_counter_ns``.
    """
    if pairs < 1 or batch < 1:
        raise ValueError(f"pairs and batch must be >= 1, not {pairs} and {batch}")
    times: dict[str, list[int]] = {"a": [], "b": []}
    calls = range(batch)

    def timed(name: str, fn: Callable[[], object]) -> None:
        start = clock_ns()
        for _ in calls:
            fn()
        times[name].append(clock_ns() - start)

    for pair in range(pairs):
        order = (("a", a), ("b", b)) if pair % 2 == 0 else (("b", b), ("a", a))
        for name, fn in order:
            timed(name, fn)
    per_call_s = 1e-9 / batch
    return InterleavedRatio(
        a_median_s=statistics.median(times["a"]) * per_call_s,
        b_median_s=statistics.median(times["b"]) * per_call_s,
        pairs=pairs,
        batch=batch,
    )
