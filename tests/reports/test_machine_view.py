"""The machine's speed and CPU sets under the summary table and on the load report."""

from __future__ import annotations

from typing import Any

from reports.configs import ConfigRuns
from reports.html import machine
from reports.machine_view import cpu_sets_text, speed_text, text_lines


def _doc(speed: dict[str, Any] | None, sets: dict[str, Any] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"machine": {"cores": 2}}
    if speed is not None:
        doc["machine"]["speed"] = speed
    if sets is not None:
        doc["machine"]["cpu_sets"] = sets
    doc["noise"] = {
        "outside_cpu_percent_mean": 3.25,
        "outside_cpu_percent_max": 40.0,
        "steal_percent_mean": 0.0,
    }
    return doc


SPEED = {"index": 0.94, "index_low": 0.9, "index_high": 0.97}
PINNED = {"servers": [0], "generator": [1], "pinned": True, "shared": False}


def test_text_lines_name_speed_and_sets() -> None:
    config = ConfigRuns("eventlet", "eventlet", [_doc(SPEED, PINNED)])
    assert text_lines([config]) == [
        "machine eventlet: speed 0.94x (0.90-0.97) the reference; CPUs servers 0, generator 1"
    ]


def test_old_results_show_nothing() -> None:
    old = {"machine": {"cores": 2}}
    assert text_lines([ConfigRuns("old", "old", [old])]) == []
    assert speed_text(None) == "-" and cpu_sets_text(old, "servers") == "-"


def test_shared_and_unpinned_sets_say_so() -> None:
    shared = {**PINNED, "generator": [0], "shared": True}
    assert cpu_sets_text(_doc(None, shared), "generator") == "0 (shared)"
    off = {**PINNED, "pinned": False, "shared": True}
    assert cpu_sets_text(_doc(None, off), "servers") == "any (shared)"


def test_page_rows_per_repeat() -> None:
    config = ConfigRuns("gevent", "gevent", [_doc(SPEED, PINNED), _doc(None, None)])
    assert machine.rows([config]) == [
        ["gevent #0", "0.94x (0.90-0.97)", "0", "1", "3.2, 40", "0.0"],
        ["gevent #1", "-", "-", "-", "3.2, 40", "0.0"],
    ]
    assert "Machine" in machine.section([config]).render()
