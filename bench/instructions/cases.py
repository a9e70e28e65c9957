"""The benchmarks whose instructions are counted: the fan-out path without network I/O.

Each case is one pytest-benchmark benchmark of ``bench/`` (same ``name`` and
``fullname``, so its count sits beside that benchmark's times), rebuilt here
from the same helpers (``bench.rooms``, ``bench.app_room``, ``bench.payloads``)
so that the counted call is the timed one. Cases that need a server of their
own (``redis-queue``), eventlet (``fanout-engineio`` under eventlet: it would
count the hub) or the generator's sockets (``receive-path``) are not here.

A case builds its state (untimed, uncounted), then hands out one call at a
time: ``Rig.prepare()`` undoes the previous call where the benchmark's
``setup``/``teardown`` does (drain the queues, leave the room again, connect
a fresh client) and returns the call to count; ``Rig.check(calls)`` proves
afterwards that the counted calls did their work (every delivery reached
engine.io), so a count of a broken path is never written.

``deliveries_per_call`` divides the count: room members for an emit, 1 for
membership operations and packet encodes (one operation a call).
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.fake_clients import NAMESPACE, connect_client, connect_clients, enter_rooms
from bench.stub_engineio import CountingSends, stub_engineio_sends

FANOUT_SIZES = (1, 10, 100, 1000)
HANDLER_VARIANTS = ("raw", "handler", "dispatch", "handler-direct")
HANDLER_MEMBERS = 100
MEMBERSHIP_CLIENTS = 1000
TEXT_SIZES_BYTES = (64, 1024, 16 * 1024)


class Rig(ABC):
    """A built benchmark: ``prepare()`` the next call (uncounted), ``check`` the counted ones."""

    @abstractmethod
    def prepare(self) -> Callable[[], object]:
        """The next call to count, built outside the counted region."""

    @abstractmethod
    def check(self, calls: int) -> None:
        """Raise AssertionError unless ``calls`` counted calls did their work."""


class EmitRig(Rig):
    """An emit whose every delivery is counted by the engine.io stub ``sends``."""

    def __init__(self, call: Callable[[], object], sends: CountingSends | None, members: int):
        self.call, self.sends, self.members = call, sends, members
        self.drain: Callable[[], int] | None = None
        self._start = sends.packets if sends else 0
        self._drained = 0

    def prepare(self) -> Callable[[], object]:
        if self.drain is not None:
            self._drained += self.drain()
        return self.call

    def check(self, calls: int) -> None:
        if self.drain is not None:
            got = self._drained + self.drain()
        else:
            assert self.sends is not None
            got = self.sends.packets - self._start
        if got != calls * self.members:
            raise AssertionError(f"{calls} emits to {self.members} made {got} deliveries")


@dataclass(frozen=True)
class Case:
    """One counted benchmark; ``build(extra_work)`` returns its rig.

    Only the handler-vs-raw cases use ``extra_work`` (the known answer: the
    reference handler with a fixed piece of work added per recipient); the
    others ignore it, so in a known-answer run they are the A/A lines.
    """

    name: str
    fullname: str
    group: str
    deliveries_per_call: int
    build: Callable[[bool], Rig]


def _stubbed(members: int) -> Rig:
    from bench.rooms import stubbed_room

    room = stubbed_room(members)
    return EmitRig(room.emit, room.sends, members)


def _engineio(members: int) -> Rig:
    from bench.rooms import engineio_room

    room = engineio_room(members)
    rig = EmitRig(room.emit, None, members)
    rig.drain = room.drain
    room.drain()  # the construction's own check left packets behind
    return rig


def _handler(variant: str, extra_work: bool) -> Rig:
    from bench.app_room import build_app_room

    room = build_app_room(HANDLER_MEMBERS, extra_work)
    counted = room.plain if variant == "dispatch" else room
    assert counted is not None
    return EmitRig(getattr(room, variant.replace("-", "_")), counted.sends, HANDLER_MEMBERS)


class MembershipRig(Rig):
    """join / leave / disconnect of one client among ``MEMBERSHIP_CLIENTS`` (test_membership)."""

    def __init__(self, operation: str) -> None:
        from bench.rooms import SHARED_ROOM, membership_rooms, new_server

        self.operation, self.shared, self.rooms_of = operation, SHARED_ROOM, membership_rooms
        self.server = new_server()
        stub_engineio_sends(self.server)
        clients = connect_clients(self.server, MEMBERSHIP_CLIENTS, rooms_of=membership_rooms)
        self.client = clients[-1]
        self.fresh = itertools.count(MEMBERSHIP_CLIENTS)
        self.rooms_before = len(self.server.manager.rooms[NAMESPACE])

    def prepare(self) -> Callable[[], object]:
        server, sid = self.server, self.client.sid
        if self.operation == "join":
            server.leave_room(sid, self.shared)
            return lambda: server.enter_room(sid, self.shared)
        if self.operation == "leave":
            server.enter_room(sid, self.shared)
            return lambda: server.leave_room(sid, self.shared)
        index = next(self.fresh)
        client = connect_client(server, f"eio-{index}")
        enter_rooms(server, client, self.rooms_of(index))
        reason = server.reason.CLIENT_DISCONNECT
        return lambda: server._handle_eio_disconnect(client.eio_sid, reason)

    def check(self, calls: int) -> None:
        inside = self.shared in self.server.rooms(self.client.sid)
        if self.operation == "join" and not inside or self.operation == "leave" and inside:
            raise AssertionError(f"{self.operation} did not change the client's rooms")
        rooms = len(self.server.manager.rooms[NAMESPACE])
        if self.operation == "disconnect" and rooms != self.rooms_before:
            raise AssertionError(f"disconnect left {rooms} rooms, not {self.rooms_before}")


class EncodeRig(Rig):
    """``Packet.encode`` of a ``room_message`` (``test_payload``)."""

    def __init__(self, text_bytes: int) -> None:
        from bench.payloads import room_message_packet

        self.pkt, self.text_bytes = room_message_packet("payload-room", text_bytes), text_bytes
        self.encoded: Any = None

    def prepare(self) -> Callable[[], object]:
        return self._encode

    def _encode(self) -> None:
        self.encoded = self.pkt.encode()

    def check(self, calls: int) -> None:
        if f'"text":"{"x" * self.text_bytes}"' not in str(self.encoded):
            raise AssertionError("the encoded packet lacks its text")


def _cases() -> list[Case]:
    found = []
    for n in FANOUT_SIZES:
        found.append(
            Case(
                f"test_emit_stubbed[n={n}]",
                f"bench/test_fanout.py::test_emit_stubbed[n={n}]",
                "fanout-stubbed",
                n,
                lambda extra, n=n: _stubbed(n),  # type: ignore[misc]
            )
        )
    for n in FANOUT_SIZES:
        found.append(
            Case(
                f"test_emit_engineio_queues[n={n}]",
                f"bench/test_fanout.py::test_emit_engineio_queues[n={n}]",
                "fanout-engineio",
                n,
                lambda extra, n=n: _engineio(n),  # type: ignore[misc]
            )
        )
    for variant in HANDLER_VARIANTS:
        found.append(
            Case(
                f"test_room_message[{variant}]",
                f"bench/test_handler.py::test_room_message[{variant}]",
                "handler-vs-raw",
                HANDLER_MEMBERS,
                lambda extra, v=variant: _handler(v, extra),  # type: ignore[misc]
            )
        )
    for test, operation in (
        ("test_join_shared_room", "join"),
        ("test_leave_shared_room", "leave"),
        ("test_disconnect", "disconnect"),
    ):
        found.append(
            Case(
                f"{test}[clients={MEMBERSHIP_CLIENTS}]",
                f"bench/test_membership.py::{test}[clients={MEMBERSHIP_CLIENTS}]",
                f"membership-{operation}",
                1,
                lambda extra, op=operation: MembershipRig(op),  # type: ignore[misc]
            )
        )
    for text_bytes in TEXT_SIZES_BYTES:
        found.append(
            Case(
                f"test_encode_room_message[text={text_bytes}B]",
                f"bench/test_payload.py::test_encode_room_message[text={text_bytes}B]",
                "payload-encode",
                1,
                lambda extra, b=text_bytes: EncodeRig(b),  # type: ignore[misc]
            )
        )
    return found


CASES: dict[str, Case] = {case.name: case for case in _cases()}
