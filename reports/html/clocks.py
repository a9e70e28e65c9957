"""The clock table: every worker's clock offset against the master, per repeat.

Shown only when some results file has a ``clocks`` section (distributed runs,
docs/results-schema.md). It says what the fan-out correction rests on: where
each worker ran, its offset and the uncertainty of that offset, the drift over
the run, and the offset actually applied. The ``clock_uncertain`` flag, when
set, is among the warnings at the top like every flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from loadtests.model.results import WorkerClock
from reports.configs import ConfigRuns
from reports.html.templating import Section

HEADER = (
    "configuration",
    "repeat",
    "worker",
    "host",
    "clock",
    "offset (µs)",
    "± (µs)",
    "drift (µs)",
    "over (s)",
    "applied (µs)",
    "rounds",
)
# Columns from "offset" on are figures, right-aligned.
FIRST_FIGURE = HEADER.index("offset (µs)")


def _us(value_ns: Any, signed: bool = False) -> str:
    if value_ns is None:
        return "—"
    return f"{value_ns / 1000:+,.0f}" if signed else f"{value_ns / 1000:,.0f}"


def _drift(worker: WorkerClock) -> str:
    text = _us(worker["drift_ns"], signed=True)
    if worker["drift_ns"] is not None and worker.get("drift_uncertainty_ns") is not None:
        text += f" ± {_us(worker['drift_uncertainty_ns'])}"
    return text


def _clock(worker: WorkerClock) -> str:
    if worker.get("simulated_offset_ns"):
        return f"simulated {worker['simulated_offset_ns'] / 1e6:+g} ms (test)"
    return "master's host" if worker.get("same_host_as_master") else "own"


def _rows(c: ConfigRuns) -> list[list[str]]:
    rows = []
    for doc in c.docs:
        clocks = doc.get("clocks")
        if not clocks:
            continue
        for w in clocks["workers"]:
            rows.append(
                [
                    c.label,
                    str(doc["repeat"]),
                    str(w["name"]),
                    str(w["host"]),
                    _clock(w),
                    _us(w["offset_ns"], signed=True),
                    _us(w["uncertainty_ns"]),
                    _drift(w),
                    f"{w['drift_span_s']:.0f}" if w["drift_ns"] is not None else "—",
                    _us(w["applied_offset_ns"], signed=True) if clocks["corrected"] else "off",
                    str(w["rounds"]),
                ]
            )
    return rows


def clock_sections(configs: Sequence[ConfigRuns]) -> list[Section]:
    """The clock table, or nothing when no results file has clocks."""
    rows = [row for c in configs for row in _rows(c)]
    if not rows:
        return []
    return [Section("clocks.html", {"header": HEADER, "rows": rows, "first_figure": FIRST_FIGURE})]
