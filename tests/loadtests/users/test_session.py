"""One user's connection (``Session``) against fake nodes, on a fake clock.

``FakeNodes`` is the client factory: each connection is a ``FakeClient`` that
answers as the reference server does (``welcome`` on connect, an ack per join and
leave) unless the test says otherwise (a node down, a join refused or never
answered, a connection dropped by the server). The recorder and the ledger are
the real ones, so what is asserted is what a results document would count. The
clock moves only when the session sleeps, so backoffs and deadlines are exact.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from loadtests.measure.accounting import AWAY, JOINED
from loadtests.measure.recorder import Recorder
from loadtests.model.load import Load
from loadtests.units import NS_PER_S
from loadtests.users.backoff import delay_s
from loadtests.users.kinds import KINDS
from loadtests.users.session import Session
from loadtests.wire.client import ConnectError
from tests.loadtests.fake_clock import FakeClock

URLS = ["http://127.0.0.1:5000", "http://127.0.0.1:5001"]
ROOMS = ["room-0", "room-1"]
INDEX = 7  # the user's global index: the backoff's jitter is seeded with it


@dataclass
class Sent:
    url: str
    event: str
    payload: Any
    t_ns: int


@dataclass
class FakeNodes:
    """The servers behind ``URLS``; called as the session's ``client_factory``."""

    clock: FakeClock
    down: set[str] = field(default_factory=set)
    join_reply: dict[str, Any] | None = field(default_factory=lambda: {"ok": True})
    refused_rooms: set[str] = field(default_factory=set)  # joins of these get an error
    attempts: list[str] = field(default_factory=list)  # every connect, by URL
    sent: list[Sent] = field(default_factory=list)
    clients: list[FakeClient] = field(default_factory=list)

    def __call__(
        self, url: str, handlers: dict[str, Any], on_close: Callable[[str], None], **_kw: Any
    ) -> FakeClient:
        client = FakeClient(self, url, handlers, on_close)
        self.clients.append(client)
        return client

    @property
    def live(self) -> FakeClient:
        [client] = [c for c in self.clients if c.connected]
        return client


class FakeClient:
    """One connection, answering as the reference server would."""

    def __init__(
        self,
        nodes: FakeNodes,
        url: str,
        handlers: dict[str, Any],
        on_close: Callable[[str], None],
    ) -> None:
        self.nodes = nodes
        self.url = url
        self.handlers = handlers
        self.on_close = on_close
        self.connected = False
        self.closed = False

    def connect(self, timeout_s: float = 30.0) -> None:
        self.nodes.attempts.append(self.url)
        if self.url in self.nodes.down:
            self._end("ConnectionRefusedError")  # as SioClient: on_close, then raise
            raise ConnectError(f"connect to {self.url} failed: refused")
        self.connected = True
        self.handlers["welcome"]({"sid": "s", "node": 0}, self.nodes.clock.now_ns())

    def call(self, event: str, payload: Any, callback: Callable[[list[Any], int], None]) -> None:
        self.nodes.sent.append(Sent(self.url, event, payload, self.nodes.clock.now_ns()))
        reply = self.nodes.join_reply if event == "join" else {"ok": True}
        if event == "join" and payload.get("room") in self.nodes.refused_rooms:
            reply = {"ok": False, "error": "bad_room"}
        if reply is not None:
            callback([reply], self.nodes.clock.now_ns())

    def emit(self, event: str, *args: Any) -> None:
        self.nodes.sent.append(Sent(self.url, event, args[0], self.nodes.clock.now_ns()))

    def close(self) -> None:
        self._end("closed by client")

    def drop(self) -> None:
        """The server (or the network) ends the connection."""
        self._end("Engine.IO close packet from the server")

    def _end(self, reason: str) -> None:
        if not self.closed:
            self.closed = True
            self.connected = False
            self.on_close(reason)


@dataclass
class User:
    clock: FakeClock
    nodes: FakeNodes
    recorder: Recorder
    session: Session
    window_end_ns: list[int]

    @property
    def ledger(self) -> Any:
        return self.session.ledger

    def states(self) -> list[int]:
        return [self.ledger.rooms[room].state for room in ROOMS]

    def wait_for_reconnector(self) -> None:
        reconnector = self.session._reconnector
        assert reconnector is not None
        reconnector.join(timeout=10)
        assert reconnector.dead


def make_user(
    reconnect: str = "same", join_timeout_s: float = 3.0, protocol: dict[str, Any] | None = None
) -> User:
    clock = FakeClock()
    nodes = FakeNodes(clock)
    scenario = Load.from_dict(
        {
            "users": 8,
            "rooms": 2,
            "rooms_per_user": 2,
            "join_timeout_s": join_timeout_s,
            "reconnect": reconnect,
            **({"protocol": protocol} if protocol is not None else {}),
        }
    )
    recorder = Recorder("worker-0")
    window_end_ns = [clock.now_ns() + 3600 * NS_PER_S]
    session = Session(
        INDEX,
        KINDS["room"],
        ROOMS,
        URLS,
        0,
        scenario,
        recorder,
        recorder.ledger(INDEX),
        lambda now_ns: now_ns >= window_end_ns[0],
        now_ns=clock.now_ns,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
        client_factory=nodes,
    )
    return User(clock, nodes, recorder, session, window_end_ns)


@pytest.fixture
def user() -> Iterator[User]:
    made = make_user()
    yield made
    made.session.stop()


def test_start_connects_home_and_joins_every_room_in_one_acked_join(user: User) -> None:
    assert user.session.start()
    assert user.nodes.attempts == [URLS[0]]
    [join] = user.nodes.sent
    assert (join.event, join.payload) == ("join", {"rooms": ROOMS})  # the reference's form
    assert user.states() == [JOINED, JOINED]
    assert user.session.connected and user.recorder.connected == 1
    assert user.recorder.counters["connects"] == 1
    assert list(user.recorder.connect_us) == [0] and list(user.recorder.join_us) == [0]


def test_a_refused_join_is_retried_each_second_until_the_join_timeout(user: User) -> None:
    user.nodes.join_reply = {"ok": False, "error": "bad_room"}
    start_ns = user.clock.now_ns()
    assert not user.session.start()
    # Tries at 0, 1, 2, 3 s (not yet past the 3-s deadline) and 4 s (past it): five.
    assert user.nodes.attempts == [URLS[0]] * 5
    assert user.clock.now_ns() - start_ns == 4 * NS_PER_S
    # Each failed attempt was closed by the harness: no drop, nothing expected.
    assert user.recorder.counters["unexpected_disconnects"] == 0
    assert user.recorder.counters["disconnects"] == 5 and user.recorder.connected == 0
    assert all(client.closed for client in user.nodes.clients)
    assert user.ledger.open_intervals() == []


def test_a_dropped_connection_keeps_its_rooms_expected_until_the_re_join(user: User) -> None:
    assert user.session.start()
    dropped_ns = user.clock.now_ns()
    user.nodes.live.drop()
    # Away, still expected: the strict intervals stay open and an away period opens.
    assert user.states() == [AWAY, AWAY]
    assert len(user.ledger.open_intervals()) == 2 and len(user.ledger.open_away()) == 2
    assert user.recorder.counters["unexpected_disconnects"] == 1
    assert user.recorder.connected == 0
    user.wait_for_reconnector()
    # socket.io-client's first backoff, then one reconnect to the home node and a re-join.
    backoff_s = delay_s(0, random.Random(INDEX))
    assert user.nodes.attempts == [URLS[0], URLS[0]]
    assert user.states() == [JOINED, JOINED] and user.ledger.rejoined()
    assert user.recorder.counters["reconnects"] == 1
    assert user.recorder.connected == 1
    rejoined_ns = dropped_ns + round(backoff_s * NS_PER_S)
    drop_second = user.recorder.buckets[dropped_ns // NS_PER_S]
    # Drop to re-join ack, filed under the drop's second; the re-join under its own.
    assert list(drop_second.reconnect_us) == [(rejoined_ns - dropped_ns) // 1000]
    assert drop_second.dropped == 1
    assert user.recorder.buckets[rejoined_ns // NS_PER_S].rejoined == 1
    # The away periods closed at the re-join: what was sent meanwhile is lost while away.
    assert [(room, a, b) for _r, room, a, b in user.ledger.away_intervals] == [
        (room, dropped_ns, rejoined_ns) for room in ROOMS
    ]


def test_reconnect_same_waits_for_the_home_node_counting_refusals(user: User) -> None:
    assert user.session.start()
    user.nodes.down.add(URLS[0])
    up_ns = user.clock.now_ns() + 8 * NS_PER_S
    user.clock.call_at(up_ns, lambda: user.nodes.down.discard(URLS[0]))
    user.nodes.live.drop()
    user.wait_for_reconnector()
    rng = random.Random(INDEX)
    delays = [delay_s(attempt, rng) for attempt in range(5)]
    tries = next(n for n in range(1, 6) if sum(delays[:n]) * NS_PER_S >= 8 * NS_PER_S)
    assert user.nodes.attempts == [URLS[0]] * (1 + tries)  # the start, then every retry
    assert user.recorder.counters["reconnect_failures"] == tries - 1
    assert user.recorder.counters["reconnects"] == tries
    # A refused attempt is not a connection that closed: one drop, one disconnect.
    assert user.recorder.counters["disconnects"] == 1
    assert user.recorder.counters["unexpected_disconnects"] == 1
    assert user.states() == [JOINED, JOINED]


def test_reconnect_any_goes_round_robin_past_the_failed_node() -> None:
    user = make_user(reconnect="any")
    try:
        assert user.session.start()
        user.nodes.down.add(URLS[0])
        user.nodes.live.drop()
        user.wait_for_reconnector()
        assert user.nodes.attempts == [URLS[0], URLS[1]]
        assert user.nodes.live.url == URLS[1]
        assert user.recorder.counters["reconnect_failures"] == 0
        assert user.states() == [JOINED, JOINED]
    finally:
        user.session.stop()


def test_no_reconnect_after_the_window_the_rooms_stay_expected(user: User) -> None:
    assert user.session.start()
    user.nodes.down.add(URLS[0])
    user.window_end_ns[0] = user.clock.now_ns() + 3 * NS_PER_S
    user.nodes.live.drop()
    user.wait_for_reconnector()
    # It tried while the window lasted, then gave up: away, still expected (lost).
    assert user.clock.now_ns() >= user.window_end_ns[0]
    assert user.recorder.counters["reconnect_failures"] == len(user.nodes.attempts) - 1 >= 1
    assert user.states() == [AWAY, AWAY]
    assert len(user.ledger.open_away()) == 2


def test_stop_closes_on_purpose_and_a_later_drop_brings_nobody_back(user: User) -> None:
    assert user.session.start()
    client = user.nodes.live
    user.session.stop()
    assert client.closed and user.session.client is None
    assert user.recorder.counters["unexpected_disconnects"] == 0
    assert user.session._reconnector is None
    assert user.nodes.attempts == [URLS[0]]


def test_churn_reconnect_ends_the_memberships_and_joins_again_on_a_new_connection(
    user: User,
) -> None:
    assert user.session.start()
    first = user.nodes.live
    joined_ns = user.clock.now_ns()
    user.clock.advance(5)
    churn_ns = user.clock.now_ns()
    user.session.reconnect_on_purpose()
    assert first.closed and user.nodes.live is not first
    # The harness closed it: memberships ended (strict until the grace before the
    # close), nothing away, nothing lost; the new connection joined afresh.
    grace_ns = NS_PER_S
    assert sorted(user.ledger.intervals) == [
        (INDEX, room, joined_ns, churn_ns - grace_ns) for room in ROOMS
    ]
    assert user.ledger.away_intervals == [] and user.ledger.open_away() == []
    assert user.recorder.counters["reconnects"] == 1
    assert user.recorder.counters["unexpected_disconnects"] == 0
    assert user.recorder.counters["disconnects"] == 1 and user.recorder.connected == 1
    assert [s.event for s in user.nodes.sent] == ["join", "join"]
    assert user.states() == [JOINED, JOINED]


def test_leave_then_join_one_room(user: User) -> None:
    assert user.session.start()
    assert user.session.leave("room-1")
    assert "room-1" not in user.ledger.rooms  # the leave ack ended the membership
    assert user.session.join(["room-1"])
    assert [(s.event, s.payload) for s in user.nodes.sent[1:]] == [
        ("leave", {"room": "room-1"}),
        ("join", {"room": "room-1"}),
    ]
    assert user.states() == [JOINED, JOINED]


def test_one_join_per_room_is_whole_only_when_every_room_is_acked() -> None:
    # A profile without a several-rooms join sends one join per room.
    user = make_user(protocol={"name": "per-room", "join_payload": {"room": "{room}"}})
    try:
        user.nodes.refused_rooms.add("room-1")
        assert not user.session.connect_and_join(URLS[0])
        assert [s.payload for s in user.nodes.sent] == [{"room": r} for r in ROOMS]
        # room-0's ack alone joined nothing: the membership starts at the last ack.
        assert user.ledger.open_intervals() == []
        assert list(user.recorder.join_us) == []
        user.nodes.refused_rooms.clear()
        assert user.session.connect_and_join(URLS[0])
        assert user.states() == [JOINED, JOINED] and len(user.recorder.join_us) == 1
    finally:
        user.session.stop()
