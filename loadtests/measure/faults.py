"""What each fault cost: loss window, losses, drops, reconnect times, recovery (pure).

Input: the results' ``events`` (what the timeline fired, when) and the
per-second ``timeseries`` (``t_s`` relative to the window start, counted by
send second). Each event owns a *segment*: from the second it fired in to
the second the next event fired in (or the window's end). Over its segment:

* loss window: first to last send second with a lost delivery (``[first, last + 1)``);
* ``deliveries_lost`` / ``messages_lost``: sums of ``lost`` / ``msgs_lost``;
* ``users_dropped`` / ``users_rejoined``: sums of ``dropped`` / ``rejoined``;
* reconnect p50/p99: the merged ``reconnect_hdr`` histograms (µs) of its drop seconds;
* ``whole_again_t_s``: the first second after which no later second of the segment
  loses (the event's own second when nothing was lost; None when loss lasts to the
  segment's end) and ``recovery_s`` from the event to it;
* ``duplicated`` and ``duplicated_after_recovery``;
* ``p99_max_us``: the highest per-second fan-out p99 of the segment (a fault that
  loses nothing, such as a short Redis pause, shows up here as delay);
* the late window: first to last send second of the segment whose fan-out p99
  is above ``late_threshold_us`` (``LATE_FACTOR`` times the median per-second p99
  of the window's seconds before the first event; None without such seconds),
  ``timely_again_t_s`` (the first second after which no later second of the
  segment is late) and ``timely_recovery_s`` from the event to it. A fault that
  delays without losing (a short partition: TCP carries everything across it)
  is costed here as a loss is above.

A column the results do not have is "not measured": its figures are None,
never 0.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from loadtests.measure import hdr
from loadtests.model.results import (
    FaultLateness,
    FaultReconnects,
    FaultRow,
    TimelineEvent,
    TimeSeries,
)

LATE_FACTOR = 10  # a late second: fan-out p99 above 10 x the pre-fault median p99
COLUMNS = ("expected", "lost", "duplicated", "dropped", "rejoined", "msgs_lost", "reconnect_hdr")


def _start_s(event: TimelineEvent) -> float:
    """When the event happened, relative to the window: fired time, else its planned offset."""
    fired = event.get("t_s")
    return float(fired) if fired is not None else float(event["at_s"])


def _sum(column: Sequence[Any] | None, rows: list[int]) -> int | None:
    if column is None:
        return None
    return int(sum(column[i] or 0 for i in rows))


def _reconnects(column: Sequence[Any] | None, rows: list[int]) -> FaultReconnects:
    if column is None:
        return {"reconnects": None, "reconnect_p50_us": None, "reconnect_p99_us": None}
    merged = hdr.new_histogram()
    for i in rows:
        if column[i]:
            hdr.add_encoded(merged, column[i])
    count = merged.get_total_count()
    return {
        "reconnects": count,
        "reconnect_p50_us": merged.get_value_at_percentile(50.0) if count else None,
        "reconnect_p99_us": merged.get_value_at_percentile(99.0) if count else None,
    }


def late_threshold_us(timeseries: TimeSeries, first_event_s: float) -> int | None:
    """``LATE_FACTOR`` x the median fan-out p99 of the window's seconds before the first
    event; None when no such second has a p99."""
    p99 = timeseries.get("p99_us")
    if p99 is None:
        return None
    t_s = timeseries.get("t_s", [])
    before = [
        us for i, t in enumerate(t_s) if 0 <= t < math.floor(first_event_s) and (us := p99[i])
    ]
    return round(LATE_FACTOR * statistics.median(before)) if before else None


def _lateness(
    rows: list[int],
    timeseries: TimeSeries,
    segment: tuple[int, int],
    start_s: float,
    threshold_us: int | None,
) -> FaultLateness:
    row: FaultLateness = {
        "late_threshold_us": threshold_us,
        "late_window_s": None,
        "timely_again_t_s": None,
        "timely_recovery_s": None,
    }
    p99 = timeseries.get("p99_us")
    if threshold_us is None or p99 is None:
        return row
    t_s = timeseries["t_s"]
    late = [int(t_s[i]) for i in rows if (us := p99[i]) is not None and us > threshold_us]
    timely = late[-1] + 1 if late else segment[0]
    if late:
        row["late_window_s"] = [late[0], timely]
        if timely >= segment[1]:
            return row  # still late in the segment's last second
    row["timely_again_t_s"] = timely
    row["timely_recovery_s"] = round(max(0.0, timely - start_s), 3)
    return row


def analyse_event(
    event: TimelineEvent,
    segment: tuple[int, int],
    timeseries: TimeSeries,
    late_threshold: int | None = None,
) -> FaultRow:
    """The ``faults[]`` row of one event over the window seconds ``[segment[0], segment[1])``
    (``late_threshold``: fan-out p99 in µs above which a second is late; None: not judged)."""
    t_s = timeseries.get("t_s", [])
    rows = [i for i, t in enumerate(t_s) if segment[0] <= t < segment[1]]
    # by name: COLUMNS holds one the TypedDict does not (msgs_lost: not measured today)
    by_name: Mapping[str, Sequence[Any]] = {
        k: v for k, v in timeseries.items() if isinstance(v, list)
    }
    columns = {name: by_name.get(name) for name in COLUMNS}
    lost = columns["lost"]
    start_s = _start_s(event)
    row: FaultRow = {
        "action": event["action"],
        "target": event["target"],
        "t_s": round(start_s, 3),
        "ok": bool(event.get("ok", False)),
        "segment_s": list(segment),
        "expected": _sum(columns["expected"], rows),
        "deliveries_lost": _sum(lost, rows),
        "messages_lost": _sum(columns["msgs_lost"], rows),
        "users_dropped": _sum(columns["dropped"], rows),
        "users_rejoined": _sum(columns["rejoined"], rows),
        **_reconnects(columns["reconnect_hdr"], rows),
        "duplicated": _sum(columns["duplicated"], rows),
        "p99_max_us": max(
            (us for i in rows if (us := p99[i]) is not None),
            default=None,
        )
        if (p99 := timeseries.get("p99_us")) is not None
        else None,
        "loss_window_s": None,
        "whole_again_t_s": None,
        "recovery_s": None,
        "duplicated_after_recovery": None,
        **_lateness(rows, timeseries, segment, start_s, late_threshold),
    }
    if lost is None:
        return row
    losing = [int(t_s[i]) for i in rows if lost[i]]
    if losing:
        row["loss_window_s"] = [losing[0], losing[-1] + 1]
        whole = losing[-1] + 1
        if whole >= segment[1]:
            return row  # still losing in the segment's last second: not whole again
    else:
        whole = segment[0]
    row["whole_again_t_s"] = whole
    row["recovery_s"] = round(max(0.0, whole - start_s), 3)
    duplicated = columns["duplicated"]
    if duplicated is not None:
        row["duplicated_after_recovery"] = int(
            sum(duplicated[i] or 0 for i in rows if t_s[i] >= whole)
        )
    return row


def analyse(
    events: Sequence[TimelineEvent],
    timeseries: TimeSeries,
    window_s: float,
) -> list[FaultRow]:
    """One row per event, in time order; segments end where the next event begins."""
    timed = sorted(events, key=_start_s)
    end = math.ceil(window_s)
    threshold = late_threshold_us(timeseries, _start_s(timed[0])) if timed else None
    rows = []
    for index, event in enumerate(timed):
        first = max(0, math.floor(_start_s(event)))
        last = math.floor(_start_s(timed[index + 1])) if index + 1 < len(timed) else end
        segment = (first, max(first, min(last, end)))
        rows.append(analyse_event(event, segment, timeseries, threshold))
    return rows


def _s(value_us: int) -> str:
    return f"{value_us / 1e6:.1f} s"


def describe(row: FaultRow) -> str:
    """One terminal line: the event, its loss window, what was lost, and the recovery."""
    head = f"{row['action']} {row['target']} at {row['t_s']:.1f} s"
    if not row["ok"]:
        head += " (FAILED)"
    if row["deliveries_lost"] is None:
        return f"{head}: loss not measured (results without per-second loss)"
    window = row["loss_window_s"]
    parts = [
        "no loss"
        if window is None
        else f"loss window {window[0]}-{window[1]} s ({window[1] - window[0]} s)",
    ]
    if row["deliveries_lost"]:
        messages = row["messages_lost"]
        parts.append(
            f"{row['deliveries_lost']:,} deliveries lost"
            + (f" in {messages:,} messages" if messages is not None else "")
        )
    if row["users_dropped"]:
        dropped = f"{row['users_dropped']} users dropped"
        p50_us, p99_us = row["reconnect_p50_us"], row["reconnect_p99_us"]
        if row["reconnects"] and p50_us is not None and p99_us is not None:  # set together
            dropped += f" (reconnect p50 {_s(p50_us)}, p99 {_s(p99_us)})"
        parts.append(dropped)
    if row["users_rejoined"]:
        parts.append(f"{row['users_rejoined']} re-joined")
    if row["whole_again_t_s"] is None:
        parts.append(f"not whole again before {row['segment_s'][1]} s")
    elif window is not None:
        parts.append(f"whole again at {row['whole_again_t_s']} s ({row['recovery_s']:.1f} s after)")
    late = row.get("late_window_s")
    threshold_us = row.get("late_threshold_us")
    if late is not None and threshold_us is not None:  # a late window needs its threshold
        parts.append(
            f"late window {late[0]}-{late[1]} s (fan-out p99 above {threshold_us / 1000:,.1f} ms)"
        )
        if row["timely_again_t_s"] is None:
            parts.append(f"not timely again before {row['segment_s'][1]} s")
        else:
            parts.append(
                f"timely again at {row['timely_again_t_s']} s "
                f"({row['timely_recovery_s']:.1f} s after)"
            )
    if row["duplicated_after_recovery"]:
        parts.append(f"{row['duplicated_after_recovery']} duplicates after recovery")
    p99_max_us = row.get("p99_max_us")
    if p99_max_us is not None:
        parts.append(f"fan-out p99 up to {p99_max_us / 1000:,.1f} ms")
    return f"{head}: " + ", ".join(parts)
