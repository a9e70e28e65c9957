"""Per-delivery cost: what one recipient of a room emit costs, in nanoseconds.

pytest-benchmark's statistics are seconds per call of the timed function; one
call emits once to a room of ``n`` members, so the cost of one delivery is that
time divided by ``n``. The median is the headline (robust to the noise of a
shared machine); the minimum is kept as the least-disturbed estimate.
"""

from __future__ import annotations

from typing import Any

from loadtests.units import NS_PER_S


def per_delivery_ns(seconds_per_emit: float, members: int) -> float:
    """Nanoseconds per delivery of an emit to ``members`` that took ``seconds_per_emit``."""
    if members < 1:
        raise ValueError(f"members must be >= 1, not {members}")
    return seconds_per_emit * NS_PER_S / members


def record_fanout(benchmark: Any, members: int, variant: str) -> None:
    """Put ``n``, ``variant`` and ``per_delivery_ns`` (median; also ``_min``) in ``extra_info``.

    Does nothing but set ``n`` and ``variant`` when benchmarks are disabled
    (``--benchmark-disable`` leaves no statistics).
    """
    benchmark.extra_info["n"] = members
    benchmark.extra_info["variant"] = variant
    stats = getattr(getattr(benchmark, "stats", None), "stats", None)
    if stats is None:
        return
    benchmark.extra_info["per_delivery_ns"] = round(per_delivery_ns(stats.median, members), 2)
    benchmark.extra_info["per_delivery_ns_min"] = round(per_delivery_ns(stats.min, members), 2)
