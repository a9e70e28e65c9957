"""A results file with a fault timeline: events and exits marked on every chart over time,
a fault table, and the runner's flags among the warnings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from loadtests.cli import main
from loadtests.measure import faults, hdr
from reports.html.faults import fault_row
from tests.reports.factory import make_results, write_json

KILL_T_S = 6.02


def _with_faults(doc: dict[str, Any]) -> dict[str, Any]:
    series = doc["timeseries"]
    t_s = series["t_s"]
    series["expected"] = [100 for _ in t_s]
    series["lost"] = [50 if 6 <= t < 10 else 0 for t in t_s]
    series["duplicated"] = [0 for _ in t_s]
    series["dropped"] = [20 if t == 6 else 0 for t in t_s]
    series["rejoined"] = [20 if t == 12 else 0 for t in t_s]
    reconnects = hdr.new_histogram()
    reconnects.record_value(5_600_000)
    series["reconnect_hdr"] = [hdr.encode(reconnects) if t == 6 else None for t in t_s]
    # 2 ms before the kill, 50 ms while its losses last, then 2 ms: the late threshold
    # is 10 x the 2 ms median, the send seconds 6 to 9 are late
    series["p99_us"] = [None if not 0 <= t < 20 else 50_000 if 6 <= t < 10 else 2_000 for t in t_s]
    doc["events"] = [
        {
            "action": "kill_node",
            "target": "node-1",
            "at_s": 6.0,
            "t_ns": 0,
            "t_s": KILL_T_S,
            "done_ns": 0,
            "ok": True,
            "detail": "SIGKILL to pid 41, exit status -9",
        },
        {
            "action": "start_node",
            "target": "node-1",
            "at_s": 11.0,
            "t_ns": 0,
            "t_s": 11.0,
            "done_ns": 0,
            "ok": True,
            "detail": "started, pid 42",
        },
    ]
    doc["process_exits"] = [
        {
            "name": "node-1",
            "role": "node",
            "pid": 41,
            "t_ns": 0,
            "t_s": 6.1,
            "returncode": -9,
            "signal": "SIGKILL",
            "planned": True,
        },
        {
            "name": "redis-server",
            "role": "redis",
            "pid": 40,
            "t_ns": 0,
            "t_s": 15.3,
            "returncode": -11,
            "signal": "SIGSEGV",
            "planned": False,
        },
    ]
    doc["faults"] = faults.analyse(doc["events"], series, doc["window"]["duration_s"])
    doc["flags"]["node_died"] = "node-0 (pid 39) ended: exit code 1 at +17.0 s, unplanned"
    doc["flags"]["redis_died"] = "redis-server (pid 40) ended: SIGSEGV at +15.3 s, unplanned"
    return doc


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder: Path = tmp_path_factory.mktemp("faults")
    write_json(_with_faults(make_results("failover", nodes=2, queue="redis")), folder / "f.json")
    write_json(make_results("calm", seed=2), folder / "calm.json")
    assert main(["report", str(folder)]) == 0
    return (folder / "index.html").read_text()


def _charts_over_time(page: str) -> list[str]:
    return [
        chart
        for chart in re.findall(r'<svg class="chart".*?</svg>', page, re.S)
        if "seconds from window start" in chart
    ]


def test_every_chart_over_time_marks_the_events_and_the_unplanned_exit(page: str) -> None:
    charts = _charts_over_time(page)
    assert len(charts) == 4 + 2 * 2  # time series, then CPU and RSS of each configuration
    for chart in charts:
        if "— calm" in chart:
            assert 'class="event-mark"' not in chart  # the calm run had no faults
            continue
        marks = re.findall(r'<g class="event-mark">(.*?)</g>', chart, re.S)
        labels = [re.search(r"<title>(.*?)</title>", m).group(1) for m in marks]  # type: ignore[union-attr]
        assert labels == [
            "kill_node node-1",
            "start_node node-1",
            "redis-server died (SIGSEGV)",  # the planned kill's exit is the event's own mark
        ], chart[:120]


def test_the_fault_table_gives_each_events_cost(page: str) -> None:
    table = re.search(r'<table id="faults".*?</table>', page, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>(.*?)</tr>", table.group(0), re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", "<td>" + row) for row in rows]
    assert [c[:6] for c in cells] == [
        ["failover", "0", "kill_node node-1", "6.0", "6–10 s", "200"],
        ["failover", "0", "start_node node-1", "11.0", "—", "0"],
    ]
    kill, start = cells
    assert kill[6] == "not measured"  # no msgs_lost column in these results
    assert (kill[7], kill[9], kill[10]) == ("20", "5.60 / 5.60 (1)", "10 s (+4.0 s)")
    assert (start[8], start[10]) == ("20", "11 s (+0.0 s)")
    assert (kill[12], start[12]) == ("50.0", "2.0")
    # the late window and when delivery was timely again, as the terminal gives them
    assert (kill[13], kill[14]) == ("6–10 s (p99 &gt; 20.0 ms)", "10 s (+4.0 s)")
    assert (start[13], start[14]) == ("—", "11 s (+0.0 s)")
    assert re.search(r'<td class="num loss">6–10 s \(p99', table.group(0))
    exits = re.search(r'<table id="process-exits".*?</table>', page, re.S)
    assert exits is not None
    assert (
        '<td>redis-server</td><td class="num">15.3</td><td>SIGSEGV</td><td><b>no</b></td>'
        in exits.group(0)
    )


def test_results_without_a_late_threshold_say_not_measured() -> None:
    row = {
        "action": "partition",
        "target": "node-1 | redis-server",
        "t_s": 6.0,
        "ok": True,
        "segment_s": [6, 9],
        "late_threshold_us": 3_000,
        "late_window_s": [6, 9],
        "timely_again_t_s": None,
        "timely_recovery_s": None,
    }
    late = fault_row("cut", 0, row)
    assert (late.late_window, late.timely_again) == ("6–9 s (p99 > 3.0 ms)", "not before 9 s")
    older = fault_row(
        "cut", 0, {k: v for k, v in row.items() if not k.startswith(("late", "timely"))}
    )
    assert (older.late_window, older.timely_again, older.was_late) == (
        "not measured",
        "not measured",
        False,
    )


def test_the_runners_flags_are_warnings(page: str) -> None:
    warnings = page[page.index('id="warnings"') : page.index('id="summary"')]
    assert (
        "<b>redis_died</b> — redis-server (pid 40) ended: SIGSEGV at +15.3 s, unplanned" in warnings
    )
    assert "<b>node_died</b>" in warnings
    assert "server_saturated is a finding" in warnings
    assert page.index('id="summary"') < page.index('id="faults"') < page.index('id="over-time"')


def test_no_fault_section_without_faults(tmp_path: Path) -> None:
    write_json(make_results("calm"), tmp_path / "calm.json")
    assert main(["report", str(tmp_path)]) == 0
    page = (tmp_path / "index.html").read_text()
    assert 'id="faults"' not in page and 'class="event-mark"' not in page
