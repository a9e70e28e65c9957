"""Per-event fault analysis on synthetic per-second series (the lead's column contract)."""

from __future__ import annotations

from typing import Any

from loadtests.measure import hdr
from loadtests.measure.faults import analyse, describe

# 2 s warm-up, a 12 s window, 1 s drain: t_s -2 .. 12
T_S = list(range(-2, 13))


def _col(values: dict[int, Any], default: Any = 0) -> list[Any]:
    return [values.get(t, default) for t in T_S]


def _reconnects_hdr(*values_us: int) -> str:
    histogram = hdr.new_histogram()
    for value in values_us:
        histogram.record_value(value)
    return hdr.encode(histogram)


def _series(**overrides: list[Any]) -> dict[str, list[Any]]:
    series: dict[str, list[Any]] = {
        "t_s": T_S,
        "expected": _col({}, 100),
        # kill at 3.4 s: loss 3..5; start at 7.2 s: loss 7..8; 11 is the drain-side edge
        "lost": _col({3: 40, 4: 50, 5: 50, 7: 50, 8: 10, 12: 99}),
        "msgs_lost": _col({3: 4, 4: 5, 5: 5, 7: 5, 8: 1, 12: 9}),
        "duplicated": _col({4: 1, 9: 2, 10: 3}),
        "dropped": _col({3: 50}),
        "p99_us": _col({3: 2_500, 4: 41_000, 8: 900}, default=None),
        "rejoined": _col({8: 30, 9: 20}),
        "reconnect_hdr": _col(
            {3: _reconnects_hdr(*([4_000_000] * 40 + [5_500_000] * 10))}, default=None
        ),
    }
    series.update(overrides)
    return series


EVENTS: list[dict[str, Any]] = [
    {"action": "start_node", "target": "node-1", "at_s": 7, "t_s": 7.2, "ok": True},
    {"action": "kill_node", "target": "node-1", "at_s": 3, "t_s": 3.4, "ok": True},
]


def test_each_event_owns_its_segment_and_its_losses() -> None:
    kill, start = analyse(EVENTS, _series(), window_s=12)
    assert kill["action"] == "kill_node" and kill["segment_s"] == [3, 7]
    assert kill["loss_window_s"] == [3, 6]
    assert (kill["deliveries_lost"], kill["messages_lost"], kill["expected"]) == (140, 14, 400)
    assert (kill["users_dropped"], kill["users_rejoined"]) == (50, 0)
    assert kill["reconnects"] == 50
    assert kill["reconnect_p50_us"] == hdr.decode(_reconnects_hdr(4_000_000)).get_max_value()
    assert kill["reconnect_p99_us"] >= 5_500_000 > kill["reconnect_p50_us"]
    assert kill["whole_again_t_s"] == 6 and kill["recovery_s"] == 2.6
    assert (kill["duplicated"], kill["duplicated_after_recovery"]) == (1, 0)
    assert (kill["p99_max_us"], start["p99_max_us"]) == (41_000, 900)

    assert start["segment_s"] == [7, 12]  # to the window's end: the drain second 12 is out
    assert start["loss_window_s"] == [7, 9]
    assert (start["deliveries_lost"], start["messages_lost"]) == (60, 6)
    assert (start["users_dropped"], start["users_rejoined"]) == (0, 50)
    assert (start["reconnects"], start["reconnect_p50_us"]) == (0, None)
    assert start["whole_again_t_s"] == 9 and start["recovery_s"] == 1.8
    assert (start["duplicated"], start["duplicated_after_recovery"]) == (5, 5)


def test_loss_to_the_segment_end_is_not_whole_again() -> None:
    lost = _col({3: 40, 4: 50, 5: 50, 6: 50})  # the kill's loss lasts until the start
    kill, start = analyse(EVENTS, _series(lost=lost), window_s=12)
    assert kill["loss_window_s"] == [3, 7]
    assert kill["whole_again_t_s"] is None and kill["recovery_s"] is None
    assert kill["duplicated_after_recovery"] is None
    assert start["loss_window_s"] is None and start["whole_again_t_s"] == 7
    assert start["recovery_s"] == 0.0
    assert "not whole again before 7 s, fan-out p99 up to 41.0 ms" in describe(kill)
    assert "no loss" in describe(start)


def test_missing_columns_are_not_measured_never_zero() -> None:
    series = {"t_s": T_S, "sent": _col({}, 10)}
    [row] = analyse(EVENTS[1:], series, window_s=12)
    for key in (
        "deliveries_lost",
        "messages_lost",
        "users_dropped",
        "users_rejoined",
        "reconnects",
        "loss_window_s",
        "whole_again_t_s",
        "recovery_s",
    ):
        assert row[key] is None, key
    assert describe(row) == (
        "kill_node node-1 at 3.4 s: loss not measured (results without per-second loss)"
    )


def test_unfired_event_uses_its_planned_offset() -> None:
    event = {"action": "kill_redis", "target": "redis-server", "at_s": 5, "t_s": None, "ok": False}
    [row] = analyse([event], _series(), window_s=12)
    assert row["t_s"] == 5.0 and row["segment_s"] == [5, 12] and row["ok"] is False
    assert row["loss_window_s"] == [5, 9]
    assert describe(row).startswith("kill_redis redis-server at 5.0 s (FAILED): loss window 5-9 s")


def test_describe_gives_loss_window_losses_and_recovery() -> None:
    kill, start = analyse(EVENTS, _series(), window_s=12)
    assert describe(kill) == (
        "kill_node node-1 at 3.4 s: loss window 3-6 s (3 s), 140 deliveries lost in 14 messages, "
        "50 users dropped (reconnect p50 4.0 s, p99 5.5 s), whole again at 6 s (2.6 s after), "
        "fan-out p99 up to 41.0 ms"
    )
    assert describe(start) == (
        "start_node node-1 at 7.2 s: loss window 7-9 s (2 s), 60 deliveries lost in 6 messages, "
        "50 re-joined, whole again at 9 s (1.8 s after), 5 duplicates after recovery, "
        "fan-out p99 up to 0.9 ms"
    )


def test_no_events_no_rows() -> None:
    assert analyse([], _series(), window_s=12) == []
