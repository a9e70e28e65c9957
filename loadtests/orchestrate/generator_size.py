"""How many Locust worker processes a load needs: ``generator_processes = "auto"``.

A worker process pays about ``us_per_delivery`` of CPU for each delivery it
times (sending included). ``auto`` gives the load enough workers that each
stays near ``TARGET_BUSY`` of a core, well below the 90 % at which a run is
flagged ``generator_saturated``, but never more workers than the cores the
servers leave free: on a 2-core machine with a node on it that is one, and a
load beyond it shows as generator-limited, not as a slower server. The
capacity search passes the cost measured at its previous step; otherwise the
default load's measured cost is assumed.
"""

from __future__ import annotations

import math
import os

AUTO = "auto"
# Generator CPU per delivery at the default 4,000 deliveries/s: 26–42 µs (docs/loadtests.md).
ASSUMED_US_PER_DELIVERY = 40.0
TARGET_BUSY = 0.6  # of one core per worker process


def processes_for(
    offered_deliveries_per_s: float,
    server_processes: int,
    us_per_delivery: float | None = None,
    cpus: int | None = None,
) -> tuple[int, str]:
    """Worker processes for this load, and the arithmetic behind the choice (for the record)."""
    cost = us_per_delivery if us_per_delivery else ASSUMED_US_PER_DELIVERY
    source = "measured" if us_per_delivery else "assumed"
    cores = offered_deliveries_per_s * cost / 1e6
    wanted = max(1, math.ceil(cores / TARGET_BUSY))
    spare = max(1, (cpus or os.cpu_count() or 1) - server_processes)
    chosen = min(wanted, spare)
    why = (
        f"{offered_deliveries_per_s:,.0f} deliveries/s x {cost:.1f} µs ({source}) = "
        f"{cores:.2f} cores at <= {TARGET_BUSY:.0%} of a core each: {wanted}"
    )
    if chosen < wanted:
        why += f", capped at {spare} (the cores {server_processes} server process(es) leave)"
    return chosen, why
