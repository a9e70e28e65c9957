"""The capacity document, its terminal lines and its HTML page, from synthetic steps."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from loadtests.capacity import document
from loadtests.capacity.axes import AXES
from loadtests.capacity.search import Outcome, Search
from reports.capacity_page import build_capacity_report


def _step(load: float, p99_us: int, outcome: Outcome, reason: str = "", users: int = 200) -> Any:
    return {
        "load": load,
        "users": users,
        "room_size": 20.0,
        "offered_deliveries_per_s": load,
        "offered_messages_per_s": load / 20,
        "achieved_deliveries_per_s": load * 0.99,
        "achieved_messages_per_s": load / 20,
        "p50_us": p99_us // 3,
        "p99_us": p99_us,
        "p99_9_us": p99_us * 2,
        "connect_p99_us": 50_000,
        "schedule_lag_p99_us": 300,
        "lost": 0,
        "leaked": 0,
        "errors": 0,
        "node_cpu_percent": load / 100,
        "node_wait_percent": 1.0,
        "generator_cpu_percent": 40.0,
        "generator_wait_percent": 2.0,
        "redis_cpu_percent": None,
        "redis_wait_percent": None,
        "generator_cpu_us_per_delivery": 30.0,
        "multi_frame_share": 0.0,
        "stamp_error_bound_us": 0,
        "node_rss_bytes": 50_000_000 + users * 20_000,
        "connections": users,
        "flags": [],
        "outcome": outcome.value,
        "reason": reason,
        "results": f"steps/x.step{int(load)}.json",
    }


def _doc() -> dict[str, Any]:
    axis = AXES["rate"]
    search = Search(start=2000)
    entry: dict[str, Any] = {
        "name": "eventlet <b>",
        "config": {},
        "steps": [],
        "verdict": None,
        "capacity": None,
        "first_failing": None,
        "bound_by": "",
        "knee": None,
        "incomplete": None,
    }
    for load, p99, outcome in (
        (2000, 3000, Outcome.PASS),
        (4000, 4000, Outcome.PASS),
        (8000, 30_000, Outcome.FAIL),
    ):
        reason = "fanout_p99 <= 10 ms (was 30000)" if outcome is Outcome.FAIL else ""
        search.record(load, outcome, reason)
        entry["steps"].append(_step(load, p99, outcome, reason))
    document.answer_into(entry, search, axis)
    return {
        "schema_version": 1,
        "kind": document.KIND,
        "slo": "fanout_p99<=10ms,lost=0",
        "axis": "rate",
        "unit": axis.unit,
        "configs": [entry],
        "incomplete": False,
    }


def test_the_capacity_is_the_highest_passing_step() -> None:
    entry = _doc()["configs"][0]
    assert entry["verdict"] == "capacity"
    assert entry["capacity"]["load"] == 4000 and entry["first_failing"] == 8000
    assert entry["bound_by"].startswith("fanout_p99")
    assert entry["knee"] == {"deliveries_per_s": 3960.0, "p99_us": 4000}


def test_terminal_lines_name_capacity_and_fit_120_columns() -> None:
    lines = document.summary_lines(_doc())
    assert "3,960 deliveries/s" in lines[1] and "bound by fanout_p99" in lines[1]
    assert max(len(line) for line in lines) <= 120


def test_a_connections_step_line_says_what_the_connections_cost() -> None:
    point = {
        **_step(4000, 0, Outcome.PASS),
        "connections": 4000,
        "errors": 0,
        "node_rss_bytes": 300 * 2**20,
        "outcome": "pass",
    }
    line = document.step_line("eventlet", 2, AXES["connections"], point)
    assert line == (
        "eventlet step 2: 4,000 connections -> 4,000 held, connect p99 50.0 ms, errors 0, "
        "node RSS 300 MiB: PASS"
    )


def test_a_connection_capacity_says_connections_and_memory() -> None:
    doc = _doc()
    doc["axis"] = "connections"
    entry = doc["configs"][0]
    entry["capacity"].update(
        connections=8000, node_rss_bytes=600 * 2**20, memory_per_connection_bytes=72 * 1024
    )
    line = document.summary_lines(doc)[1]
    assert "8,000 connections held, node RSS 600 MiB, 72 KiB per connection" in line


def test_memory_per_connection_is_a_slope_not_a_ratio() -> None:
    steps = [_step(1, 1, Outcome.PASS, users=100), _step(2, 1, Outcome.PASS, users=300)]
    assert document.memory_per_connection(steps, steps[1]) == 20_000


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_page_has_the_table_the_hockey_stick_and_escapes_names(tmp_path: Path) -> None:
    source = tmp_path / "capacity.json"
    document.write(_doc(), source)
    page = build_capacity_report(source)
    html = page.read_text()
    parsed = _Tags()
    parsed.feed(html)
    assert any(tag == "table" and attrs.get("id") == "capacity-table" for tag, attrs in parsed.tags)
    assert sum(1 for tag, attrs in parsed.tags if tag == "svg") == 2
    assert "the hockey stick" in html and "knee" in html
    assert "eventlet <b>" in "".join(parsed.text) and "<b>" not in html.replace("&lt;b&gt;", "")


def test_the_page_shows_speed_bracket_and_every_window(tmp_path: Path) -> None:
    doc = _doc()
    entry = doc["configs"][0]
    entry["steps"].append({**_step(4000, 4100, Outcome.PASS), "role": "confirm"})
    entry["steps"].append(
        {**_step(8000, 25_000, Outcome.FAIL), "role": "confirm", "flags": ["noisy_machine"]}
    )
    entry["bracket"] = {
        "pass_load": 4000.0,
        "fail_load": 8000.0,
        "confirmed": True,
        "extra_windows": 2,
        "budget": 4,
    }
    entry["speed"] = {"index": 0.5, "index_low": 0.45, "index_high": 0.55}
    entry["cpu_sets"] = {"servers": [0], "generator": [1], "pinned": True, "shared": False}
    document.normalise_into(entry)
    assert entry["capacity"]["normalised_deliveries_per_s"] == 7920.0  # 3,960 / 0.5
    assert entry["bracket"]["p99_us"] == {"4000": [4000, 4100], "8000": [30_000, 25_000]}
    source = tmp_path / "capacity.json"
    document.write(doc, source)
    parsed = _Tags()
    parsed.feed(build_capacity_report(source).read_text())
    text = " ".join(parsed.text)
    assert any(attrs.get("id") == "capacity-machine" for _tag, attrs in parsed.tags)
    assert "0.50x (0.45-0.55)" in text and "7,920" in text
    assert "4,000 - 8,000: confirmed, +2 of 4 windows" in text
    assert "servers 0, generator 1" in text
    windows = sum(1 for tag, attrs in parsed.tags if attrs.get("class") == "capacity-windows")
    assert windows == 1
    # five windows, each with its p99 (3 search steps, then 2 confirming)
    for p99 in ("3.00", "4.00", "30.00", "4.10", "25.00"):
        assert p99 in text
    entry["verdict"], entry["capacity"] = "unconfirmed", None
    entry["bracket"]["confirmed"] = False
    document.write(doc, source)
    text = build_capacity_report(source).read_text()
    assert "unconfirmed: between 4,000 and 8,000" in text
    assert "UNCONFIRMED (not a capacity)" in text
