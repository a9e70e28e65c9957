"""Accounting under failure (issue 11), pure: what a drop, a reconnect or a lost worker cost.

A receiver whose connection dropped stays expected (rule 5): what it missed is
lost, split into lost while connected and lost while disconnected. A missing
worker never makes a count negative.
"""

from __future__ import annotations

import pytest

from loadtests.measure.accounting import ReceiverLedger
from loadtests.measure.aggregate import AccountingError, Aggregate, check_accounting
from loadtests.measure.recorder import Recorder
from loadtests.measure.window import Window

S = 1_000_000_000
MS = 1_000_000
ROOM = "room-0"
WINDOW = Window(10 * S, 20 * S, 1.0, 1.0)
SENDS = [10 * S + k * 100 * MS for k in range(100)]  # every 100 ms through the window


def _measure(*recorders: Recorder, incomplete: list[str] | None = None) -> dict:
    agg = Aggregate()
    for rec in recorders:
        agg.add(rec.take_delta(final=True))
    return agg.measured(WINDOW, incomplete or [])


def _sender() -> Recorder:
    rec = Recorder("worker-0")
    for t_ns in SENDS:
        rec.record_send(ROOM, t_ns, 0)
    return rec


def _joined_receiver() -> tuple[Recorder, ReceiverLedger]:
    """The sender's recorder and receiver 7's ledger, joined (acked) before the window."""
    rec = _sender()
    led = rec.ledger(7)
    led.join_sent(ROOM, 1 * S)
    led.join_acked(ROOM, 1 * S + MS)
    return rec, led


def _receive_until(led: ReceiverLedger, until_ns: int) -> None:
    for seq, t_ns in enumerate(SENDS):
        if t_ns < until_ns:
            led.receive(ROOM, 1, seq, t_ns, t_ns + MS)


def test_a_drop_mid_window_is_lost_while_disconnected() -> None:
    rec, led = _joined_receiver()
    _receive_until(led, 14 * S)
    led.dropped(14 * S)
    rec.record_drop(14 * S)
    c = _measure(rec)["counters"]
    assert (c["expected"], c["delivered"], c["lost"]) == (100, 40, 60)
    assert (c["lost_connected"], c["lost_disconnected"]) == (0, 60)
    assert c["unexpected_disconnects"] == 1


def test_the_old_rule_would_have_hidden_that_loss() -> None:
    """Ending the expectation at the drop (the harness's own close) shows no loss: the bug."""
    rec, led = _joined_receiver()
    _receive_until(led, 14 * S)
    led.disconnected(14 * S)
    c = _measure(rec)["counters"]
    assert c["lost"] == 0 and c["expected"] == c["delivered"] < 100


def test_a_reconnect_resumes_the_expectation_after_the_rejoin_ack() -> None:
    rec, led = _joined_receiver()
    led.dropped(14 * S)
    assert not led.joined(ROOM)
    led.join_sent(ROOM, 16 * S)  # reconnected, re-join sent
    assert not led.joined(ROOM) and not led.rejoined()
    led.join_acked(ROOM, 16 * S + 50 * MS)
    assert led.joined(ROOM) and led.rejoined()
    rec.record_rejoin(14 * S, 16 * S + 50 * MS)
    for seq, t_ns in enumerate(SENDS):
        # before the drop, and from the re-join on; one sent just before the re-join
        # (15.9 s) still arrives: it reached the server after the re-join did
        if t_ns < 14 * S or t_ns >= 15_900 * MS:
            led.receive(ROOM, 1, seq, t_ns, t_ns + MS)
    doc = _measure(rec)
    c = doc["counters"]
    assert (c["expected"], c["delivered"], c["lost"]) == (100, 81, 19)
    # away [14 s, 16 s): 20 sends, one of which still arrived
    assert (c["lost_disconnected"], c["lost_connected"]) == (19, 0)
    assert c["rejoins"] == 1
    assert doc["latency"]["reconnect"]["count"] == 1
    assert 2_049_000 <= doc["latency"]["reconnect"]["p50"] <= 2_051_000


def test_loss_while_connected_and_while_away_add_up() -> None:
    rec, led = _joined_receiver()
    for seq, t_ns in enumerate(SENDS):
        if t_ns < 14 * S and seq % 10 != 0:  # 4 dropped by the server while connected
            led.receive(ROOM, 1, seq, t_ns, t_ns + MS)
    led.dropped(14 * S)
    c = _measure(rec)["counters"]
    assert (c["lost"], c["lost_connected"], c["lost_disconnected"]) == (64, 4, 60)


def test_a_worker_that_vanishes_keeps_its_receivers_expected() -> None:
    """Its last periodic delta carried its open memberships: loss, never a negative count."""
    sender = _sender()
    rec = Recorder("worker-1")
    led = rec.ledger(9)
    led.join_sent(ROOM, 1 * S)
    led.join_acked(ROOM, 1 * S + MS)
    for seq, t_ns in enumerate(SENDS[:90]):
        led.receive(ROOM, 0, seq, t_ns, t_ns + MS)
    agg = Aggregate()
    agg.add(rec.take_delta())  # a periodic report, then the worker vanished
    agg.add(sender.take_delta(final=True))
    doc = agg.measured(WINDOW, ["worker-1 stopped reporting at t = +9.0 s"])
    c = doc["counters"]
    assert (c["expected"], c["delivered"], c["lost"]) == (100, 90, 10)
    assert "incomplete" in doc["flags"] and "lost" in doc["flags"]


def test_a_drop_flags_the_run() -> None:
    rec, led = _joined_receiver()
    led.dropped(12 * S)
    rec.record_drop(12 * S)
    rec.record_skip(12 * S + 500 * MS)
    flags = _measure(rec)["flags"]
    assert (
        "connections_dropped" in flags and "1 connection(s) dropped" in flags["connections_dropped"]
    )
    assert "1 scheduled sends skipped" in flags["connections_dropped"]
    assert "while disconnected" in flags["lost"]


def test_per_second_loss_follows_the_drop() -> None:
    rec, led = _joined_receiver()
    _receive_until(led, 14 * S)
    led.dropped(14 * S)
    rec.record_drop(14 * S)
    series = _measure(rec)["timeseries"]
    by_t = dict(zip(series["t_s"], series["lost"], strict=True))
    assert [by_t[t] for t in range(10)] == [0, 0, 0, 0, 10, 10, 10, 10, 10, 10]
    dropped = dict(zip(series["t_s"], series["dropped"], strict=True))
    assert dropped[4] == 1 and sum(series["dropped"]) == 1


@pytest.mark.parametrize(
    ("expected", "delivered", "lost_disconnected"), [(10, 11, 0), (10, 5, -1), (10, 5, 6)]
)
def test_contradictory_counts_fail_loudly(
    expected: int, delivered: int, lost_disconnected: int
) -> None:
    with pytest.raises(AccountingError, match="accounting bug"):
        check_accounting(expected, delivered, lost_disconnected)
