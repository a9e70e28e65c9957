"""Membership costs as the number of connected clients grows: join, leave, disconnect.

Layout (built once per client count, module-scoped): every client is connected
to ``/`` (so it is in its own sid room, as python-socketio always does), in a
private room ``client-<i>`` and in one shared room ``lobby`` holding everyone —
2N + 2 rooms in the namespace. That is the shape of a chat where each user has
a personal channel and all share a lobby, and it is the worst realistic case
for disconnect: ``BaseManager.basic_disconnect`` copies and scans *every* room
of the namespace to find the client's, so its cost grows with N, while join
and leave touch one room and should stay flat.

Each timed call is undone outside the timed part (pytest-benchmark's pedantic
``setup``, which also runs under ``--benchmark-disable`` where ``teardown`` does
not), so every round starts from the same N-client state:

* ``join``  — a client enters ``lobby`` (setup: it left it);
* ``leave`` — a client leaves ``lobby`` (setup: it re-entered);
* ``disconnect`` — the engine.io disconnect callback for one client
  (``Server._handle_eio_disconnect``: namespace disconnect, handler lookup,
  room cleanup); setup connects a fresh client into its rooms first.

engine.io sends are stubbed (``bench.stub_engineio``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import socketio

from bench.fake_clients import NAMESPACE, FakeClient, connect_client, connect_clients, enter_rooms
from bench.plan import RoundPlan
from bench.rooms import SHARED_ROOM
from bench.rooms import membership_rooms as rooms_of
from bench.stub_engineio import stub_engineio_sends

CLIENT_COUNTS = (1_000, 10_000, 40_000)
# O(1) operations: many cheap rounds. Disconnect is O(rooms): fewer rounds.
JOIN_LEAVE_PLAN = RoundPlan(rounds=500, iterations=1, warmup_rounds=5)
DISCONNECT_PLAN = RoundPlan(rounds=150, iterations=1, warmup_rounds=3)


@dataclass
class Population:
    server: socketio.Server
    clients: list[FakeClient]
    fresh_ids: Iterator[int]

    @property
    def size(self) -> int:
        return len(self.clients)

    def room_count(self) -> int:
        return len(self.server.manager.rooms[NAMESPACE])


@pytest.fixture(scope="module", params=CLIENT_COUNTS, ids=lambda n: f"clients={n}")
def population(request: pytest.FixtureRequest) -> Iterator[Population]:
    server = socketio.Server(async_mode="threading", monitor_clients=False)
    stub_engineio_sends(server)
    clients = connect_clients(server, request.param, rooms_of=rooms_of)
    yield Population(server, clients, itertools.count(request.param))


def record(benchmark: Any, population: Population, operation: str) -> None:
    # ``n`` and ``variant`` are the keys every bench/ benchmark carries (reports read them).
    benchmark.extra_info.update(
        n=population.size,
        variant=operation,
        clients=population.size,
        operation=operation,
        rooms=population.room_count(),
    )


@pytest.mark.benchmark(group="membership-join")
def test_join_shared_room(benchmark: Any, population: Population) -> None:
    server, client = population.server, population.clients[-1]

    def setup() -> None:
        server.leave_room(client.sid, SHARED_ROOM)

    benchmark.pedantic(
        server.enter_room,
        args=(client.sid, SHARED_ROOM),
        setup=setup,
        **JOIN_LEAVE_PLAN.as_kwargs(),
    )
    assert SHARED_ROOM in server.rooms(client.sid)
    record(benchmark, population, "join")


@pytest.mark.benchmark(group="membership-leave")
def test_leave_shared_room(benchmark: Any, population: Population) -> None:
    server, client = population.server, population.clients[-1]

    def setup() -> None:
        server.enter_room(client.sid, SHARED_ROOM)

    benchmark.pedantic(
        server.leave_room,
        args=(client.sid, SHARED_ROOM),
        setup=setup,
        **JOIN_LEAVE_PLAN.as_kwargs(),
    )
    assert SHARED_ROOM not in server.rooms(client.sid)
    server.enter_room(client.sid, SHARED_ROOM)  # back to the shared layout
    record(benchmark, population, "leave")


@pytest.mark.benchmark(group="membership-disconnect")
def test_disconnect(benchmark: Any, population: Population) -> None:
    server = population.server
    rooms_before = population.room_count()

    def setup() -> tuple[tuple[str, str], dict[str, object]]:
        # A fresh client per round, in the same rooms as everybody else, makes
        # the state before each timed disconnect N + 1 clients, always.
        index = next(population.fresh_ids)
        client = connect_client(server, f"eio-{index}")
        enter_rooms(server, client, rooms_of(index))
        return (client.eio_sid, server.reason.CLIENT_DISCONNECT), {}

    benchmark.pedantic(server._handle_eio_disconnect, setup=setup, **DISCONNECT_PLAN.as_kwargs())
    assert population.room_count() == rooms_before, "disconnect must remove the client's rooms"
    record(benchmark, population, "disconnect")
