"""Delivery accounting, pure: loss, duplicates, leaks, reordering, membership changes."""

from __future__ import annotations

from loadtests.measure.accounting import RawSecond, ReceiverLedger, expected_strict

S = 1_000_000_000
ROOM = "room-0"


def ledger(
    receiver: int = 1, grace_s: float = 1.0
) -> tuple[ReceiverLedger, dict[int, RawSecond], list]:
    buckets: dict[int, RawSecond] = {}
    intervals: list = []
    return ReceiverLedger(receiver, buckets, intervals, grace_s), buckets, intervals


def totals(buckets: dict[int, RawSecond]) -> dict[str, int]:
    keys = ("sent", "strict", "optional", "duplicated", "leaked", "reordered")
    out = {k: sum(getattr(b, k) for b in buckets.values()) for k in keys}
    out["fanout"] = sum(len(b.fanout_us) for b in buckets.values())
    out["self"] = sum(len(b.self_us) for b in buckets.values())
    return out


def test_clean_delivery_counts_strict_and_latency() -> None:
    led, buckets, intervals = ledger()
    led.join_sent(ROOM, 10 * S)
    led.join_acked(ROOM, 10 * S + 5)
    for seq in range(5):
        led.receive(ROOM, 2, seq, 11 * S + seq, 11 * S + seq + 1500)
    led.receive(ROOM, 1, 0, 11 * S, 11 * S + 700)  # its own message
    t = totals(buckets)
    assert t["strict"] == 6 and t["optional"] == 0 and t["fanout"] == 5 and t["self"] == 1
    assert list(buckets[11].fanout_us) == [1] * 5 and list(buckets[11].self_us) == [0]
    assert led.open_intervals() == [(1, ROOM, 10 * S + 5, 2**62)]
    assert intervals == []


def test_duplicates_and_reordering_are_exact() -> None:
    led, buckets, _ = ledger()
    led.join_sent(ROOM, 0)
    led.join_acked(ROOM, 1)
    for seq in (0, 1, 3, 2, 3, 1000, 1000, 5):
        led.receive(ROOM, 2, seq, 5 * S, 5 * S + 10)
    t = totals(buckets)
    assert t["duplicated"] == 2  # 3 and 1000 again
    assert t["reordered"] == 2  # 2 after 3, 5 after 1000
    assert t["strict"] == 6  # 0 1 3 2 1000 5


def test_leak_after_leave_ack_and_never_joined() -> None:
    led, buckets, intervals = ledger()
    led.receive("other", 2, 0, 1 * S, 1 * S + 1)  # never joined
    led.join_sent(ROOM, 0)
    led.join_acked(ROOM, 1)
    led.leave_sent(ROOM, 10 * S)
    led.leave_acked(ROOM)
    led.receive(ROOM, 2, 1, 11 * S, 11 * S + 1)
    t = totals(buckets)
    assert t["leaked"] == 2 and t["strict"] == 0 and t["fanout"] == 0
    assert intervals == [(1, ROOM, 1, 9 * S)]


def test_membership_change_makes_receipts_optional() -> None:
    led, buckets, intervals = ledger(grace_s=1.0)
    led.join_sent(ROOM, 10 * S)
    led.receive(ROOM, 2, 0, 10 * S + 1, 10 * S + 2)  # before the ack: optional
    led.join_acked(ROOM, 10 * S + 3)
    led.receive(ROOM, 2, 1, 12 * S, 12 * S + 5)  # strict, and stays strict
    led.receive(ROOM, 2, 2, 14 * S + 500, 14 * S + 600)  # strict for now ...
    led.leave_sent(ROOM, 15 * S)  # ... reclassified: inside the last grace second
    led.receive(ROOM, 2, 3, 13 * S, 15 * S + 1)  # late, but sent while firmly a member: strict
    led.receive(ROOM, 2, 4, 14 * S + 900, 15 * S + 2)  # sent in the grace: optional
    led.leave_acked(ROOM)
    t = totals(buckets)
    assert (t["strict"], t["optional"], t["leaked"]) == (2, 3, 0)
    assert t["fanout"] == 5  # every delivery is in a histogram
    assert intervals == [(1, ROOM, 10 * S + 3, 14 * S)]


def test_disconnect_ends_every_membership() -> None:
    led, buckets, intervals = ledger()
    for room in ("a", "b"):
        led.join_sent(room, 0)
        led.join_acked(room, 1)
    led.disconnected(5 * S)
    assert sorted(intervals) == [(1, "a", 1, 4 * S), (1, "b", 1, 4 * S)]
    led.receive("a", 2, 0, 3 * S, 6 * S)
    assert totals(buckets)["leaked"] == 1
    assert led.open_intervals() == []


def test_expected_strict_counts_window_sends_inside_intervals() -> None:
    sends = {ROOM: [1, 5, 10, 15, 20, 25], "b": [12]}
    intervals = [(1, ROOM, 0, 2**62), (2, ROOM, 6, 16), (3, "b", 0, 11), (4, "c", 0, 99)]
    # window [5, 21): receiver 1 gets 5 10 15 20, receiver 2 gets 10 15, receiver 3 nothing
    assert expected_strict(intervals, sends, 5, 21) == 6


def test_loss_is_expected_minus_strict_deliveries() -> None:
    """End to end in miniature: 3 receivers, one misses a message, one joins late."""
    buckets: dict[int, RawSecond] = {}
    intervals: list = []
    receivers = {r: ReceiverLedger(r, buckets, intervals, 1.0) for r in (1, 2, 3)}
    for r, led in receivers.items():
        led.join_sent(ROOM, 0)
        led.join_acked(ROOM, 1 if r != 3 else 30 * S)
    sends = [10 * S, 20 * S, 40 * S]
    for seq, t_ns in enumerate(sends):
        for r, led in receivers.items():
            if (r, seq) == (2, 1):
                continue  # lost
            led.receive(ROOM, 1, seq, t_ns, t_ns + 1000)
    for led in receivers.values():
        intervals.extend(led.open_intervals())
    t = totals(buckets)
    expected = expected_strict(intervals, {ROOM: sends}, 0, 50 * S) + t["optional"]
    delivered = t["strict"] + t["optional"]
    assert (expected, delivered, expected - delivered) == (9, 8, 1)
    assert delivered == t["fanout"] + t["self"]


def test_a_receipt_later_than_the_grace_with_nothing_newer_is_counted() -> None:
    """A stalled receiver (every receipt over ``grace`` late) used to empty its recent
    receipts and then read ``recent[0]``: IndexError on the receive path."""
    led, buckets, _intervals = ledger(grace_s=1.0)
    led.join_sent(ROOM, 10 * S)
    led.join_acked(ROOM, 10 * S + 5)
    led.receive(ROOM, 2, 0, 11 * S, 14 * S)  # 3 s late, the only receipt
    led.receive(ROOM, 2, 1, 11 * S + 1, 14 * S + 1)
    t = totals(buckets)
    assert t["strict"] == 2 and t["fanout"] == 2
    assert list(buckets[11].fanout_us) == [3_000_000, 3_000_000]
