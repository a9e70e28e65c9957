"""The progress file the runner reads while Locust runs (phase, users, rate, p99, window).

Written atomically about once a second by the master; the runner's progress
line and its fault timeline (which fires events at offsets into the window)
read it, and so does the abuse process (its clients start with the window):
the window's reader is here, beside the writer. Losing one write is
harmless, so write errors are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from loadtests.atomic import write_text
from loadtests.measure.aggregate import Aggregate
from loadtests.measure.window import WindowPlanner
from loadtests.model.progress import ProgressState
from loadtests.units import NS_PER_S


def phase_of(planner: WindowPlanner, now_ns: int) -> str:
    if planner.done:
        return "done"
    if planner.flush_sent_ns is not None:
        return "flushing"
    if planner.window is None:
        return "joining"
    return planner.window.phase(now_ns // NS_PER_S)


def progress_state(planner: WindowPlanner, aggregate: Aggregate, now_ns: int) -> ProgressState:
    state: ProgressState = {
        "phase": phase_of(planner, now_ns),
        "joined": planner.joined_total,
        "users": planner.users,
    }
    if planner.window is not None:
        state["window"] = planner.window.to_dict()
    recent = aggregate.seconds.get(now_ns // NS_PER_S - 4)
    if recent is not None:
        state["deliveries_per_s"] = recent.counts["strict"] + recent.counts["optional"]
        fanout = recent.read("fanout")
        if fanout is not None and fanout.get_total_count():
            state["p99_us"] = fanout.get_value_at_percentile(99.0)
    return state


def write_progress(path: Path, state: ProgressState) -> None:
    try:
        write_text(path, json.dumps(state))
    except OSError:
        pass


def window_start_ns(progress: ProgressState) -> int | None:
    """The planned window's start from the master's progress document, None until planned."""
    window = progress.get("window")
    if not isinstance(window, Mapping):
        return None
    start = window.get("start_ns")
    if isinstance(start, bool) or not isinstance(start, int):
        return None
    return start


def read_window_start_ns(progress_path: Path) -> int | None:
    """``window_start_ns`` of the progress file; None while it is missing or half-written."""
    try:
        doc: ProgressState = json.loads(progress_path.read_text())  # checked below
    except (OSError, json.JSONDecodeError):
        return None
    return window_start_ns(doc) if isinstance(doc, Mapping) else None
