"""Writing the results document at the end of a test (master side).

A window that never opened (users failed to join) is still reported, as the
window it would have been, flagged ``incomplete``. A contradiction in the
counts (``AccountingError``: lost < 0) is a bug: the run fails loudly with the
counts in the log, and no results file is written (measurement rule 5).
"""

from __future__ import annotations

import logging
from pathlib import Path

from loadtests.coordination.messages import RunSettings
from loadtests.measure import document, results
from loadtests.measure.aggregate import Aggregate
from loadtests.measure.clocks import ClockTable
from loadtests.measure.window import Window, WindowPlanner
from loadtests.units import NS_PER_S

log = logging.getLogger("roombench")


def reported_window(planner: WindowPlanner, now_ns: int) -> Window:
    """The planned window, or (never opened) the one it would have been."""
    if planner.window is not None:
        return planner.window
    started = planner.started_ns or now_ns
    start_ns = started - started % NS_PER_S
    return Window(
        start_ns,
        start_ns + max(1, int(planner.window_s)) * NS_PER_S,
        planner.warmup_s,
        planner.drain_s,
    )


def write_results(
    settings: RunSettings,
    aggregate: Aggregate,
    window: Window,
    incomplete: list[str],
    clocks: ClockTable | None = None,
) -> Path:
    """Build, validate and write the results document; log its headline.

    ``clocks`` (distributed runs) corrects cross-host fan-out and adds ``clocks``.
    """
    measured = aggregate.measured(window, incomplete, clocks)
    doc = document.build(
        measured,
        settings.scenario,
        window,
        settings.config,
        run_id=settings.run_id,
        repeat=settings.repeat,
    )
    if "clocks" in measured:
        doc["clocks"] = measured["clocks"]
    written = results.dump(doc, settings.results_path)
    c = doc["counters"]
    log.info(
        "roombench: wrote %s: sent %d, expected %d, delivered %d, lost %d, "
        "fan-out p50 %d µs, p99 %d µs, flags %s",
        written.resolve(),
        c["sent"],
        c["expected"],
        c["delivered"],
        c["lost"],
        doc["latency"]["fanout"]["p50"],
        doc["latency"]["fanout"]["p99"],
        ", ".join(doc["flags"]) or "none",
    )
    return written
