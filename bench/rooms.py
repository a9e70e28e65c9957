"""A server with one room of N fake members, its engine.io stubbed or real.

Shared by the fan-out benchmarks of every async mode (``test_fanout.py`` for
threading, ``eventlet_fanout.py`` under eventlet), so both time the same emit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import socketio

from bench.fake_clients import attach_engineio_socket, connect_clients, drain
from bench.payloads import EVENT, RoomMessage, room_message
from bench.stub_engineio import CountingSends, stub_engineio_sends

ROOM = "fanout-room"
# The membership benchmarks' layout (bench/test_membership.py): a private room and a shared one.
SHARED_ROOM = "lobby"


def membership_rooms(index: int) -> list[str]:
    """The rooms client ``index`` is in besides its own sid room: ``client-<i>`` and the lobby."""
    return [f"client-{index}", SHARED_ROOM]


@dataclass
class Room:
    """``server`` with ``members`` clients in ``ROOM``.

    ``sockets`` holds their real engine.io sockets (empty when stubbed);
    ``sends`` counts stubbed sends (None with real sockets).
    """

    server: socketio.Server
    members: int
    sockets: list[Any] = field(default_factory=list)
    sends: CountingSends | None = None
    payload: RoomMessage = field(default_factory=lambda: room_message(ROOM))

    def emit(self) -> None:
        self.server.emit(EVENT, self.payload, to=ROOM)

    def drain(self) -> int:
        """Empty every member's engine.io queue; return the packets removed."""
        return sum(drain(sock) for sock in self.sockets)

    def check_one_emit_reaches_everyone(self) -> None:
        """Emit once (untimed) and fail unless each member got exactly one packet."""
        self.drain()
        before = self.sends.packets if self.sends else 0
        self.emit()
        got = self.sends.packets - before if self.sends else self.drain()
        if got != self.members:
            raise AssertionError(f"one emit to {self.members} members made {got} deliveries")


def new_server(async_mode: str = "threading") -> socketio.Server:
    return socketio.Server(async_mode=async_mode, monitor_clients=False)


def stubbed_room(members: int, async_mode: str = "threading") -> Room:
    """A room whose engine.io sends are counting no-ops."""
    server = new_server(async_mode)
    sends = stub_engineio_sends(server)
    connect_clients(server, members, rooms_of=lambda _: [ROOM])
    room = Room(server, members, sends=sends)
    room.check_one_emit_reaches_everyone()
    return room


def engineio_room(members: int, async_mode: str = "threading") -> Room:
    """A room whose members have real engine.io sockets and send queues (nothing drains them)."""
    server = new_server(async_mode)
    # Sockets exist before the Socket.IO connect, as they do behind a real transport.
    sockets = [attach_engineio_socket(server, f"eio-{i}") for i in range(members)]
    connect_clients(server, members, rooms_of=lambda _: [ROOM])
    room = Room(server, members, sockets=sockets)
    room.check_one_emit_reaches_everyone()
    return room
