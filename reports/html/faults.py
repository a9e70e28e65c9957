"""Faults in the report: marks on the time-series charts and the fault table.

A results file with a fault timeline carries ``events`` (what was fired, when),
``faults`` (what each event cost: loss window, losses, reconnects, recovery)
and ``process_exits`` (every exit of a node, redis-server or Locust). Charts
mark each fired event and each exit nobody planned at its second; the fault
table gives one row per (configuration, repeat, event).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from loadtests.model.results import FaultRow as FaultRowDoc
from loadtests.model.results import ResultsDoc
from reports.configs import ConfigRuns
from reports.html.svg import Mark, color
from reports.html.templating import Section

EXIT_COLOR = "#000000"
EVENT_COLOR = "#B00020"


def doc_marks(doc: ResultsDoc, prefix: str = "", event_color: str = EVENT_COLOR) -> list[Mark]:
    """Marks of one results document: fired events, then exits nobody planned."""
    marks = [
        Mark(
            float(t_s),
            f"{prefix}{e['action']} {e['target']}" + ("" if e.get("ok") else " (failed)"),
            event_color,
        )
        for e in doc.get("events", [])
        if (t_s := e.get("t_s")) is not None
    ]
    for ended in doc.get("process_exits", []):
        if ended.get("planned"):
            continue
        how = ended.get("signal") or f"exit {ended.get('returncode')}"
        marks.append(Mark(float(ended["t_s"]), f"{prefix}{ended['name']} died ({how})", EXIT_COLOR))
    return marks


def overlay_marks(configs: Sequence[ConfigRuns]) -> list[Mark]:
    """Marks for a chart overlaying configurations: each in its configuration's colour,
    labelled with its name when several configurations have marks (first repeat each)."""
    marked = [(i, c) for i, c in enumerate(configs) if doc_marks(c.first)]
    several = len(marked) > 1
    return [
        mark
        for i, c in marked
        for mark in doc_marks(c.first, f"{c.label}: " if several else "", color(i))
    ]


@dataclass(frozen=True)
class FaultRow:
    label: str
    repeat: int
    event: str
    at_s: str
    ok: bool
    loss_window: str
    deliveries_lost: str
    messages_lost: str
    dropped: str
    rejoined: str
    reconnect: str
    whole_again: str
    duplicates_after: str
    p99_max: str
    late_window: str
    timely_again: str
    was_late: bool


@dataclass(frozen=True)
class ExitRow:
    label: str
    repeat: int
    name: str
    t_s: str
    how: str
    planned: bool


def _n(value: Any) -> str:
    return "not measured" if value is None else f"{value:,}"


def _reconnect(row: FaultRowDoc) -> str:
    if row.get("reconnects") is None:
        return "not measured"
    p50_us, p99_us = row["reconnect_p50_us"], row["reconnect_p99_us"]
    if not row["reconnects"] or p50_us is None or p99_us is None:  # None only with none
        return "—"
    return f"{p50_us / 1e6:.2f} / {p99_us / 1e6:.2f} ({row['reconnects']})"


def _whole_again(row: FaultRowDoc) -> str:
    if row.get("deliveries_lost") is None:
        return "not measured"
    if row.get("whole_again_t_s") is None:
        return f"not before {row['segment_s'][1]} s"
    return f"{row['whole_again_t_s']} s (+{row['recovery_s']:.1f} s)"


def _late_window(row: FaultRowDoc) -> str:
    """Send seconds whose fan-out p99 was above the event's late threshold."""
    threshold_us = row.get("late_threshold_us")
    if threshold_us is None:
        return "not measured"
    late = row.get("late_window_s")
    if late is None:
        return "—"
    return f"{late[0]}–{late[1]} s (p99 > {threshold_us / 1000:,.1f} ms)"


def _timely_again(row: FaultRowDoc) -> str:
    if row.get("late_threshold_us") is None:
        return "not measured"
    if row.get("timely_again_t_s") is None:
        return f"not before {row['segment_s'][1]} s"
    return f"{row['timely_again_t_s']} s (+{row['timely_recovery_s']:.1f} s)"


def fault_row(label: str, repeat: int, row: FaultRowDoc) -> FaultRow:
    window = row.get("loss_window_s")
    p99_max_us = row.get("p99_max_us")
    return FaultRow(
        label=label,
        repeat=repeat,
        event=f"{row['action']} {row['target']}",
        at_s=f"{row['t_s']:.1f}",
        ok=bool(row.get("ok")),
        loss_window="—" if window is None else f"{window[0]}–{window[1]} s",
        deliveries_lost=_n(row.get("deliveries_lost")),
        messages_lost=_n(row.get("messages_lost")),
        dropped=_n(row.get("users_dropped")),
        rejoined=_n(row.get("users_rejoined")),
        reconnect=_reconnect(row),
        whole_again=_whole_again(row),
        duplicates_after=_n(row.get("duplicated_after_recovery")),
        p99_max="—" if p99_max_us is None else f"{p99_max_us / 1000:,.1f}",
        late_window=_late_window(row),
        timely_again=_timely_again(row),
        was_late=row.get("late_window_s") is not None,
    )


def has_faults(configs: Sequence[ConfigRuns]) -> bool:
    return any(d.get("events") or d.get("process_exits") for c in configs for d in c.docs)


def section(configs: Sequence[ConfigRuns]) -> Section:
    """The fault table (every event of every repeat) and the process exits."""
    rows = [
        fault_row(c.label, int(d["repeat"]), row)
        for c in configs
        for d in c.docs
        for row in d.get("faults", [])
    ]
    exits = [
        ExitRow(
            c.label,
            int(d["repeat"]),
            str(e["name"]),
            f"{e['t_s']:.1f}",
            str(e.get("signal") or f"exit code {e.get('returncode')}"),
            bool(e.get("planned")),
        )
        for c in configs
        for d in c.docs
        for e in d.get("process_exits", [])
        if e.get("role") != "locust"
    ]
    return Section("faults.html", {"rows": rows, "exits": exits})
