"""Stopping Locust's CSV writer before Locust closes its files.

Locust (2.47) spawns ``StatsCSVFileWriter.stats_writer`` as an anonymous
greenlet and, on shutdown, closes the CSV files without stopping it; a
writer turn after that logs ``CRITICAL ValueError: I/O operation on closed
file`` (an interrupted ``make loadtest`` showed it). Locust fires ``quit``
just before closing the files, so the locustfile calls ``stop_csv_writer``
there: it finds the writer's greenlet and kills it. A kill lands only where
the writer sleeps between turns, so the files end on a whole turn.
"""

from __future__ import annotations

import gc

import gevent
from locust.stats import StatsCSVFileWriter

KILL_TIMEOUT_S = 2.0


def csv_writer_greenlets() -> list[gevent.Greenlet]:
    """Live greenlets running a ``StatsCSVFileWriter.stats_writer``."""
    found = []
    for obj in gc.get_objects():
        if isinstance(obj, gevent.Greenlet) and not obj.dead:
            run = getattr(obj, "_run", None)
            if isinstance(getattr(run, "__self__", None), StatsCSVFileWriter):
                found.append(obj)
    return found


def stop_csv_writer() -> int:
    """Kill every CSV writer greenlet; returns how many were running."""
    greenlets = csv_writer_greenlets()
    for greenlet in greenlets:
        greenlet.kill(block=True, timeout=KILL_TIMEOUT_S)
    return len(greenlets)
