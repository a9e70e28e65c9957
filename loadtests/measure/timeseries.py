"""The per-second series of a run (by send second), from warm-up to the end of the drain.

Pure: from the master's per-second sums (``Aggregate.seconds``), the connected
users sampled each second, the strict membership intervals and the send logs.
Its columns are ``schema.TimeSeries``'s, written once there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hdrh.histogram import HdrHistogram

from loadtests.measure import hdr, schema
from loadtests.measure.accounting import COUNT_NAMES, Interval, expected_strict
from loadtests.measure.window import Window
from loadtests.model.results import TimeSeries
from loadtests.units import NS_PER_S

TIMESERIES_COLUMNS = tuple(schema.TimeSeries.__annotations__)  # required and optional
_ZEROS = dict.fromkeys(COUNT_NAMES, 0)


def timeseries(
    seconds: Mapping[int, Any],
    connected_by: Mapping[tuple[str, int], int],
    window: Window,
    intervals: list[Interval],
    sends: dict[str, list[int]],
    fanout_by_second: dict[int, tuple[HdrHistogram, hdr.OutOfRange]] | None = None,
) -> TimeSeries:
    """Per-second columns from warm-up to the end of the drain (by send second).

    ``fanout_by_second``: clock-corrected fan-out per second (default: as merged).
    """
    first = window.start_s - math.ceil(max(window.warmup_s, 0.5))
    last = window.end_s + math.ceil(window.drain_s)
    connected: dict[int, int] = {}
    for (_name, second), n in connected_by.items():
        connected[second] = connected.get(second, 0) + n
    # every column of TIMESERIES_COLUMNS, in its order
    series: TimeSeries = {
        "t_s": [],
        "phase": [],
        "sent": [],
        "delivered": [],
        "p50_us": [],
        "p99_us": [],
        "connected": [],
        "expected": [],
        "lost": [],
        "duplicated": [],
        "skipped": [],
        "dropped": [],
        "rejoined": [],
        "reconnect_hdr": [],
    }
    for second in range(first, last):
        found = seconds.get(second)
        fanout = (
            fanout_by_second[second][0]
            if fanout_by_second is not None and second in fanout_by_second
            else (found.read("fanout") if found is not None else None)
        )
        if fanout is None or fanout.get_total_count() == 0:
            fanout = None
        reconnect = found.read("reconnect") if found is not None else None
        c = found.counts if found is not None else _ZEROS
        delivered = c["strict"] + c["optional"]
        strict_expected = expected_strict(
            intervals, sends, second * NS_PER_S, (second + 1) * NS_PER_S
        )
        series["t_s"].append(second - window.start_s)
        series["phase"].append(window.phase(second))
        series["sent"].append(c["sent"])
        series["delivered"].append(delivered)
        series["expected"].append(strict_expected + c["optional"])
        series["lost"].append(strict_expected - c["strict"])
        series["duplicated"].append(c["duplicated"])
        series["skipped"].append(c["skipped"])
        series["dropped"].append(c["dropped"])
        series["rejoined"].append(c["rejoined"])
        series["p50_us"].append(
            fanout.get_value_at_percentile(50.0) if fanout is not None else None
        )
        series["p99_us"].append(
            fanout.get_value_at_percentile(99.0) if fanout is not None else None
        )
        series["connected"].append(connected.get(second))
        series["reconnect_hdr"].append(
            hdr.encode(reconnect) if reconnect is not None and reconnect.get_total_count() else None
        )
    return series
