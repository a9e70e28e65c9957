"""Delivery accounting: what each receiver got, and what it should have got. Pure.

Receiver side (``ReceiverLedger``, one per user, in the worker process): every
receipt of a room message ``(room, sender, seq, t_ns)`` is

* a duplicate if that receiver already had ``(sender, room, seq)`` — a bitmap
  (``bytearray``) per (sender, room) indexed by ``seq`` makes this exact and small;
* reordered if ``seq`` is lower than the highest already seen for (sender, room);
* a leak if the receiver is not in the room (never joined, or its leave ack
  already arrived: one websocket delivers in order, so after the ack the server
  had removed it);
* otherwise delivered, and *strict* if ``t_ns`` lies in the membership's strict
  interval ``[join_ack, leave_sent - grace)``, else *optional* (sent while the
  membership was changing). Strict-ness is decided lazily: a receipt is strict
  until a leave is sent, when receipts of the last ``grace`` are reclassified.

Only the harness ends an expectation (a leave it sends, a close it makes).
A connection the server dropped, a node that died, a worker that vanished
keep the receiver's memberships expected (measurement rule 5): ``dropped``
marks them *away* without closing the strict interval, and the user's
re-join (after a reconnect) makes them *joined* again under the same
interval. What an away receiver could not receive is lost, and the away
periods ``[drop noticed, re-join sent)`` are kept apart (``away_intervals``)
so the loss splits into lost while connected and lost while disconnected.
A message sent inside an away period can still arrive (it may reach the
server after the re-join does); such receipts are counted (``away_delivered``)
so the split stays exact.

Fan-out latencies between workers on different hosts hold the offset between
their clocks. The master corrects them (``loadtests.measure.clocks``), which
needs to know whose clock stamped each: only then (``split_workers`` = W > 1)
does a receiver file fan-out latencies per sender worker rank (``g % W``,
``model.layout``), and only then does the receive path pay one more branch.

Every counter goes to the ``RawSecond`` of the message's *send* second
(``t_ns // 1e9``): the master sums the buckets of the window's seconds, so the
worker never needs to know the window to count.

Master side (``expected_strict``): for each closed strict interval of each
receiver, the number of window sends in that room whose ``t_ns`` lies inside it
(send logs per room, sorted, bisected). Then

    expected  = expected_strict + optional
    delivered = strict + optional           (== fanout.count + self.count)
    lost      = expected - delivered        (= expected_strict - strict)
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from loadtests.model.delta import CountName, DeltaCounts
from loadtests.units import NS_PER_S

OPEN_END_NS = 2**62  # the end of a membership still open at the flush

# Membership states
JOINING = 1  # join sent, ack not yet received
JOINED = 2
LEAVING = 3  # leave sent, ack not yet received
AWAY = 4  # the connection dropped (not by the harness): still expected
REJOINING = 5  # reconnected, re-join sent: still expected under the first interval
EXPECTING = (JOINED, AWAY, REJOINING)  # states whose strict interval is open


# A RawSecond's counters, written once (the recorder's deltas and the master's sums use them).
# Message counters are keyed by the message's send second; ``dropped`` (connections
# the harness did not close), ``rejoined`` and ``reconnect_us`` by the second of the
# drop or re-join.
COUNT_NAMES: tuple[CountName, ...] = (
    "sent",
    "strict",
    "optional",
    "duplicated",
    "leaked",
    "reordered",
    "away_delivered",  # delivered although sent while the receiver was away
    "skipped",  # sends the schedule had to skip: the sender was not connected
    "dropped",
    "rejoined",
    # fan-out receipts whose frame shared a read with a later frame: the read's
    # kernel stamp (of its last segment) may be later than their arrival
    "shared_stamp",
)
LATENCY_NAMES = ("fanout_us", "self_us", "lag_us", "reconnect_us")


class RawSecond:
    """One send second's counts and raw latencies (µs) on one worker (the master: Second)."""

    __slots__ = (*COUNT_NAMES, *LATENCY_NAMES, "fanout_split")

    def __init__(self) -> None:
        self.sent = 0
        self.strict = 0
        self.optional = 0
        self.duplicated = 0
        self.leaked = 0
        self.reordered = 0
        self.away_delivered = 0
        self.skipped = 0
        self.dropped = 0
        self.rejoined = 0
        self.shared_stamp = 0
        self.fanout_us = array("q")
        self.self_us = array("q")
        self.lag_us = array("q")
        self.reconnect_us = array("q")
        # {sender worker rank: raw fan-out µs}, only when latencies are split by rank
        self.fanout_split: dict[int, array] | None = None

    def fanout_from(self, rank: int) -> array:
        split = self.fanout_split
        if split is None:
            split = self.fanout_split = {}
        found = split.get(rank)
        if found is None:
            found = split[rank] = array("q")
        return found

    def counts(self) -> DeltaCounts:
        return {
            "sent": self.sent,
            "strict": self.strict,
            "optional": self.optional,
            "duplicated": self.duplicated,
            "leaked": self.leaked,
            "reordered": self.reordered,
            "away_delivered": self.away_delivered,
            "skipped": self.skipped,
            "dropped": self.dropped,
            "rejoined": self.rejoined,
            "shared_stamp": self.shared_stamp,
        }


def bucket(buckets: dict[int, RawSecond], second: int) -> RawSecond:
    found = buckets.get(second)
    if found is None:
        found = buckets[second] = RawSecond()
    return found


class Membership:
    __slots__ = ("state", "join_sent_ns", "join_ack_ns", "leave_sent_ns", "recent", "away")

    def __init__(self, join_sent_ns: int) -> None:
        self.state = JOINING
        self.join_sent_ns = join_sent_ns
        self.join_ack_ns = OPEN_END_NS
        self.leave_sent_ns = OPEN_END_NS
        # [start_ns, end_ns) periods the connection was gone; the last may be open.
        self.away: list[list[int]] = []
        # t_ns of strict receipts of the last grace period, to reclassify as
        # optional when a leave is sent or the connection drops. Plain ints, not
        # tuples: nothing here for the cyclic garbage collector to track.
        self.recent: deque[int] = deque()


# A closed strict interval: (receiver, room, start_ns, end_ns)
Interval = tuple[int, str, int, int]


class StampSharing(Protocol):
    """Whether the receipt being handled shares its read's stamp with a later frame."""

    shared: bool


class _NeverShared:
    shared = False


_NEVER_SHARED = _NeverShared()


class ReceiverLedger:
    """One receiver's memberships, dedupe bitmaps and counters.

    ``buckets`` is the process's shared ``{send second: RawSecond}``; closed strict
    intervals are appended to ``intervals``. The last ``grace_s`` of strict
    receipts are kept per membership to reclassify them when a leave is sent
    (or the connection drops). ``split_workers`` W > 1 files fan-out latencies
    per sender worker rank (``sender % W``) for the master's clock correction;
    0 keeps them in one array. ``stamps.shared`` (the process's
    ``ReceiveStats``) says whether the receipt being handled shares its read's
    stamp with a later frame; such fan-out receipts are counted (``shared_stamp``).
    """

    def __init__(
        self,
        receiver: int,
        buckets: dict[int, RawSecond],
        intervals: list[Interval],
        grace_s: float = 1.0,
        away_intervals: list[Interval] | None = None,
        split_workers: int = 0,
        stamps: StampSharing | None = None,
    ) -> None:
        self.receiver = receiver
        self.stamps: StampSharing = stamps if stamps is not None else _NEVER_SHARED
        self.split_workers = split_workers
        self.buckets = buckets
        self.intervals = intervals
        self.away_intervals: list[Interval] = [] if away_intervals is None else away_intervals
        self.grace_ns = int(grace_s * NS_PER_S)
        self.rooms: dict[str, Membership] = {}
        self._seen: dict[tuple[int, str], list] = {}

    # -- membership -----------------------------------------------------------------
    def join_sent(self, room: str, now_ns: int) -> None:
        m = self.rooms.get(room)
        if m is not None and m.state == AWAY:
            # A re-join after a drop: the away period ends here, the interval goes on.
            m.state = REJOINING
            self._close_away(room, m, now_ns)
            return
        self.rooms[room] = Membership(now_ns)

    def join_acked(self, room: str, now_ns: int) -> None:
        m = self.rooms.get(room)
        if m is None:
            return
        if m.state == JOINING:
            m.state = JOINED
            m.join_ack_ns = now_ns
        elif m.state == REJOINING:
            m.state = JOINED

    def rejoined(self) -> bool:
        """True when no membership is away or re-joining (after a reconnect)."""
        return all(m.state not in (AWAY, REJOINING) for m in self.rooms.values())

    def joined(self, room: str) -> bool:
        m = self.rooms.get(room)
        return m is not None and m.state == JOINED

    def leave_sent(self, room: str, now_ns: int) -> None:
        m = self.rooms.get(room)
        if m is None or m.state == LEAVING:
            return
        if m.state == JOINING:  # never acked: nothing was strict
            m.state = LEAVING
            m.leave_sent_ns = now_ns
            return
        if m.state == AWAY:  # clipped like the strict interval below
            self._close_away(room, m, now_ns - self.grace_ns)
        m.state = LEAVING
        m.leave_sent_ns = now_ns
        cutoff = now_ns - self.grace_ns
        buckets = self.buckets
        for t_ns in m.recent:
            if t_ns >= cutoff:
                b = bucket(buckets, t_ns // NS_PER_S)
                b.strict -= 1
                b.optional += 1
        m.recent.clear()
        if cutoff > m.join_ack_ns:
            self.intervals.append((self.receiver, room, m.join_ack_ns, cutoff))

    def leave_acked(self, room: str) -> None:
        m = self.rooms.get(room)
        if m is not None and m.state == LEAVING:
            del self.rooms[room]

    def disconnected(self, now_ns: int) -> None:
        """The harness closed the connection: every membership ended now."""
        for room in list(self.rooms):
            self.leave_sent(room, now_ns)
        self.rooms.clear()

    def dropped(self, now_ns: int) -> None:
        """The connection was lost (not closed by the harness): memberships stay expected."""
        for room, m in list(self.rooms.items()):
            if m.state in (JOINED, REJOINING):
                m.state = AWAY
                m.away.append([now_ns, OPEN_END_NS])
            elif m.state != AWAY:  # joining (never acked) or leaving: nothing stays expected
                self.leave_sent(room, now_ns)
                del self.rooms[room]

    def open_intervals(self) -> list[Interval]:
        """Strict intervals of memberships still open (sent with every delta)."""
        return [
            (self.receiver, room, m.join_ack_ns, OPEN_END_NS)
            for room, m in self.rooms.items()
            if m.state in EXPECTING
        ]

    def open_away(self) -> list[Interval]:
        """Away periods still open (the receiver has not re-joined yet)."""
        return [
            (self.receiver, room, m.away[-1][0], OPEN_END_NS)
            for room, m in self.rooms.items()
            if m.state == AWAY
        ]

    def _close_away(self, room: str, m: Membership, now_ns: int) -> None:
        period = m.away[-1]
        period[1] = max(period[0], now_ns)
        if period[1] > period[0]:
            self.away_intervals.append((self.receiver, room, period[0], period[1]))

    # -- receipts -------------------------------------------------------------------
    def receive(self, room: str, sender: int, seq: int, t_ns: int, recv_ns: int) -> None:
        second = t_ns // NS_PER_S
        b = self.buckets.get(second)
        if b is None:
            b = self.buckets[second] = RawSecond()
        key = (sender, room)
        seen = self._seen.get(key)
        if seen is None:
            seen = self._seen[key] = [bytearray(max(64, (seq >> 3) + 1)), -1]
        bits = seen[0]
        index = seq >> 3
        if index >= len(bits):
            bits.extend(bytes(max(index + 1 - len(bits), len(bits))))
        flag = 1 << (seq & 7)
        if bits[index] & flag:
            b.duplicated += 1
            return
        bits[index] |= flag
        if seq < seen[1]:
            b.reordered += 1
        else:
            seen[1] = seq
        m = self.rooms.get(room)
        if m is None:
            b.leaked += 1
            return
        if sender == self.receiver:
            b.self_us.append((recv_ns - t_ns) // 1000)
        elif self.split_workers:  # across hosts only: the common case skips the method call
            split = b.fanout_split
            rank = sender % self.split_workers
            found = split.get(rank) if split is not None else None
            if found is None:
                found = b.fanout_from(rank)
            found.append((recv_ns - t_ns) // 1000)
            if self.stamps.shared:
                b.shared_stamp += 1
        else:
            b.fanout_us.append((recv_ns - t_ns) // 1000)
            if self.stamps.shared:
                b.shared_stamp += 1
        state = m.state
        if state == JOINED and t_ns >= m.join_ack_ns:
            b.strict += 1
            recent = m.recent
            recent.append(t_ns)
            horizon = recv_ns - self.grace_ns
            # A receipt more than the grace late prunes itself too: check emptiness.
            while recent and recent[0] < horizon:
                recent.popleft()
            if m.away:
                self._note_away_receipt(m, t_ns, b)
        elif state == LEAVING and m.join_ack_ns <= t_ns < m.leave_sent_ns - self.grace_ns:
            b.strict += 1
            if m.away:
                self._note_away_receipt(m, t_ns, b)
        elif state in (AWAY, REJOINING) and t_ns >= m.join_ack_ns:
            b.strict += 1
            m.recent.append(t_ns)
            self._note_away_receipt(m, t_ns, b)
        else:
            b.optional += 1

    @staticmethod
    def _note_away_receipt(m: Membership, t_ns: int, b: RawSecond) -> None:
        # Off the common path: only memberships that were ever away get here.
        for start_ns, end_ns in m.away:
            if start_ns <= t_ns < end_ns:
                b.away_delivered += 1
                return


def expected_strict(
    intervals: Iterable[Interval],
    sends_by_room: Mapping[str, Sequence[int]],
    start_ns: int,
    end_ns: int,
) -> int:
    """Σ over strict intervals of the window sends in that room inside the interval.

    ``sends_by_room`` values must be sorted send instants (``t_ns``).
    """
    total = 0
    for _receiver, room, a, b in intervals:
        sends = sends_by_room.get(room)
        if not sends:
            continue
        lo = a if a > start_ns else start_ns
        hi = b if b < end_ns else end_ns
        if hi > lo:
            total += bisect_left(sends, hi) - bisect_left(sends, lo)
    return total
