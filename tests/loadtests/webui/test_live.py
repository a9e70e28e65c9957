"""The Fan-out tab's rows: per-second deliveries and percentiles, settled loss, final = results."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtests.measure import hdr
from loadtests.measure.aggregate import Aggregate, Second
from loadtests.measure.window import Window, WindowPlanner
from loadtests.units import NS_PER_S
from loadtests.webui.live import (
    SETTLE_S,
    chart_series,
    display,
    live_rows,
    results_rows,
    settled_seconds,
    tab_rows,
)
from tests.reports.factory import make_results

START_S = 1_000
WINDOW_S = 5
RECEIVERS = 3


@dataclass
class Settings:
    results_path: Path


@dataclass
class State:
    """The coordinator's readable state, as ``live.CoordinatorState`` names it."""

    planner: WindowPlanner | None
    aggregate: Aggregate
    settings: Settings
    written: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _aggregate(delivered_by_second: dict[int, int]) -> Aggregate:
    """One room, one send a second in the window, RECEIVERS members all along."""
    aggregate = Aggregate()
    sends = [(START_S + i) * NS_PER_S + NS_PER_S // 2 for i in range(WINDOW_S)]
    aggregate.sends["r"] = [array("q", sends)]
    aggregate.intervals = [
        (receiver, "r", (START_S - 5) * NS_PER_S, (START_S + 60) * NS_PER_S)
        for receiver in range(RECEIVERS)
    ]
    for second, delivered in delivered_by_second.items():
        found = aggregate.seconds[second] = Second()
        found.counts["sent"] = 1
        found.counts["strict"] = delivered
        hdr.record_many(found.histogram("fanout"), [1000 * (k + 1) for k in range(delivered)])
    return aggregate


def _planner() -> WindowPlanner:
    planner = WindowPlanner(users=RECEIVERS, warmup_s=1, window_s=WINDOW_S, drain_s=1)
    planner.joined = {"local": RECEIVERS}
    planner.window = Window(START_S * NS_PER_S, (START_S + WINDOW_S) * NS_PER_S, 1.0, 1.0)
    return planner


DELIVERED = {START_S + i: RECEIVERS for i in range(WINDOW_S)} | {START_S + 2: 1}


def test_only_seconds_past_their_drain_and_reports_are_settled() -> None:
    aggregate, window = _aggregate(DELIVERED), _planner().window
    assert window is not None
    now_ns = (START_S + 3 + 1 + SETTLE_S) * NS_PER_S  # second 1002's drain and reports passed
    settled = settled_seconds(aggregate, window, now_ns)
    assert [(s.second - START_S, s.expected, s.delivered, s.lost) for s in settled] == [
        (0, 3, 3, 0),
        (1, 3, 3, 0),
        (2, 3, 1, 2),
    ]


def test_live_rows_total_the_window_and_leave_unsettled_loss_blank() -> None:
    state = State(_planner(), _aggregate(DELIVERED), Settings(Path("unused.json")))
    now_ns = (START_S + 3 + 1 + SETTLE_S) * NS_PER_S
    total, *seconds = live_rows(state, now_ns)
    assert total["second"] == "window"
    # Like with like: expected, delivered and lost of the settled seconds 0-2 only (the
    # 13 deliveries of every second would run ahead of the 9 expected), and which are open.
    assert total["delivered"] == 7 and total["expected"] == 9 and total["lost"] == 2
    assert total["settled"] == "0–2 settled; 3–4 open"
    assert total["p50_ms"] == 2.0  # of 13 values of 1, 2 and 3 ms
    assert abs(total["p99_9_ms"] - 3.0) <= 0.003  # HDR: 3 significant digits
    assert total["phase"] == "drain (joined 3/3)"
    by_second = {row["second"]: row for row in seconds}
    assert by_second[2]["lost"] == 2 and by_second[2]["delivered_per_s"] == 1
    assert by_second[4]["lost"] is None  # not settled yet: a delivery may still come
    assert (by_second[4]["settled"], by_second[2]["settled"]) == ("open", "yes")
    assert [row["second"] for row in seconds] == [4, 3, 2, 1, 0]  # newest first


def test_nothing_settled_yet_says_so_and_leaves_the_counts_blank() -> None:
    state = State(_planner(), _aggregate(DELIVERED), Settings(Path("unused.json")))
    total, *_seconds = live_rows(state, (START_S + 2) * NS_PER_S)
    assert total["settled"] == "none settled; 0–2 open"
    assert total["expected"] is None and total["delivered"] is None and total["lost"] is None


def test_the_chart_gets_send_seconds_oldest_first_without_the_drain(tmp_path: Path) -> None:
    import json

    doc = make_results("single", window_s=4)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(doc))
    rows = tab_rows(State(_planner(), Aggregate(), Settings(path), written=True))
    chart = chart_series(rows)
    ts = doc["timeseries"]
    sending = [i for i, phase in enumerate(ts["phase"]) if phase != "drain"]
    assert chart["t_s"] == [ts["t_s"][i] for i in sending]
    assert chart["delivered_per_s"] == [ts["delivered"][i] for i in sending]
    assert chart["p99_ms"] == [
        None if ts["p99_us"][i] is None else ts["p99_us"][i] / 1000 for i in sending
    ]
    # Live, the newest second is still filling: left out rather than drawn as a drop.
    sending_rows = [rows[0]] + [r for r in rows[1:] if r["phase"] != "drain"]
    assert chart_series(sending_rows, live=True)["t_s"] == chart["t_s"][:-1]


def test_before_the_window_the_tab_says_joining() -> None:
    planner = WindowPlanner(users=10, warmup_s=1, window_s=5, drain_s=1)
    planner.joined = {"local": 4}
    state = State(planner, Aggregate(), Settings(Path("unused.json")))
    assert live_rows(state, START_S * NS_PER_S) == [
        {"second": "window", "phase": "joining (joined 4/10)", "flags": ""}
    ]


def test_a_finished_run_whose_results_are_not_written_yet_does_not_say_done() -> None:
    planner = _planner()
    planner.done = True
    state = State(planner, _aggregate(DELIVERED), Settings(Path("unused.json")))
    total, *_seconds = tab_rows(state, (START_S + 60) * NS_PER_S)
    assert total["phase"] == "writing results (joined 3/3)"  # "done" is the results file's


def test_once_written_the_rows_are_the_results_files_own_figures(tmp_path: Path) -> None:
    import json

    doc = make_results("single", counters={"lost": 7, "duplicated": 2}, flags={"lost": "7 lost"})
    path = tmp_path / "results.json"
    path.write_text(json.dumps(doc))
    state = State(_planner(), Aggregate(), Settings(path), written=True)
    total, *seconds = tab_rows(state)
    counters = doc["counters"]
    for key in ("expected", "delivered", "lost", "duplicated", "leaked"):
        assert total[key] == counters[key]
    assert total["p99_ms"] == doc["latency"]["fanout"]["p99"] / 1000
    assert total["flags"] == "lost: 7 lost"
    assert len(seconds) == len(doc["timeseries"]["t_s"])
    assert results_rows(doc)[0] == total


def test_display_turns_none_into_blank_and_adds_thousands_separators() -> None:
    shown = display([{"second": 1200, "delivered": 41640, "lost": None, "p50_ms": 1.35}])[0]
    assert shown["second"] == 1200 and shown["delivered"] == "41,640"
    assert shown["lost"] == "" and shown["p50_ms"] == 1.35 and shown["flags"] == ""
