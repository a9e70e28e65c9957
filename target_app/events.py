"""The Socket.IO protocol handlers (README.md's table), one method per event.

Each method takes the client's sid and the event's arguments and *returns* its
reply: ``{"ok": true, ...}`` or an error body. python-socketio sends the reply
as the ack when one was asked for; ``acks.AckingServer`` turns an error reply
into an ``error`` event when none was. Because the methods take ``sid``
explicitly instead of reading Flask's request context, micro-benchmarks can
call them directly (``app.extensions["roombench"].events.room_message(sid, p)``).

``register`` binds them to Flask-SocketIO through one adapter that counts the
event, refuses arguments that are not plain JSON (``check_plain_json``),
supplies ``request.sid`` and turns an unexpected exception into an
``internal_error`` reply, so a bug never kills the connection. The lifecycle
handlers (``connect``, ``disconnect``) can only be reached by the lifecycle:
``packet_guard`` refuses client events of those names before dispatch.

``--dispatch socketio`` registers the same adapter for ``room_message`` on
python-socketio's server instead (``DIRECT_EVENTS``), where it is called as
``(sid, *args)`` and takes the sid from there: that event then skips
Flask-SocketIO's per-event dispatch (``SocketIO._handle_event`` builds a Flask
request context from the connection's environ on every event). Nothing else
changes, so comparing the two measures what that dispatch costs; the
reference server keeps Flask-SocketIO's path.

Emits go straight to ``socketio.Server.emit``. Replies addressed to the sender
alone (``welcome``, ``message``) use ``ignore_queue=True``: that client is on
this node, so publishing them to Redis would only make every other node decode
a message with no recipient.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from itertools import islice
from typing import Any

import flask_socketio
import socketio
from flask import request

from target_app import protocol as p
from target_app.replies import (
    ErrorReply,
    JoinReply,
    LeaveReply,
    MembersReply,
    OkReply,
    Status,
    Welcome,
)
from target_app.state import NodeState
from target_app.stats import UNKNOWN_EVENT_KEY
from target_app.validation import (
    Rejection,
    check_plain_json,
    check_room_budget,
    parse_broadcast,
    parse_join,
    parse_message,
    parse_room_field,
    parse_room_message,
    unknown_event,
)

logger = logging.getLogger(__name__)


class RoomEvents:
    """The handlers of one node."""

    def __init__(self, server: socketio.Server, state: NodeState) -> None:
        self.server = server
        self.state = state
        self.limits = state.config.limits
        self.membership = state.membership
        self.presence = state.config.presence

    # -- connection lifecycle ------------------------------------------------

    def connect(self, sid: str, auth: Any = None) -> None:
        self.membership.connect(sid)
        welcome: Welcome = {"sid": sid, "node": self.state.config.node_id}
        self.server.emit(
            p.WELCOME,
            welcome,
            to=sid,
            namespace=p.NAMESPACE,
            ignore_queue=True,
        )

    def disconnect(self, sid: str, reason: Any = None) -> None:
        # python-socketio removes the sid from every room after this returns.
        rooms = self.membership.disconnect(sid)
        if self.presence:
            for room in rooms:
                self._status(room, sid, "disconnected")

    # -- rooms -----------------------------------------------------------------

    def join(self, sid: str, *args: Any) -> JoinReply | ErrorReply:
        rooms = parse_join(args, self.limits)
        if isinstance(rooms, Rejection):
            return self.reject(rooms)
        current = self.membership.rooms_of(sid)
        new = [room for room in rooms if room not in current]
        budget = check_room_budget(len(current), len(new), self.limits)
        if budget is not None:
            return self.reject(budget)
        for room in new:
            self.server.enter_room(sid, room, namespace=p.NAMESPACE)
            self.membership.add(sid, room)
            if self.presence:
                self._status(room, sid, "joined")
        return {"ok": True, "rooms": rooms}

    def leave(self, sid: str, *args: Any) -> LeaveReply | ErrorReply:
        room = parse_room_field(args, self.limits)
        if isinstance(room, Rejection):
            return self.reject(room)
        if not self.membership.remove(sid, room):
            return self.reject(Rejection(p.NOT_A_MEMBER, f"not in room {room!r}"))
        self.server.leave_room(sid, room, namespace=p.NAMESPACE)
        if self.presence:
            self._status(room, sid, "left")
        return {"ok": True, "room": room}

    def members(self, sid: str, *args: Any) -> MembersReply | ErrorReply:
        room = parse_room_field(args, self.limits)
        if isinstance(room, Rejection):
            return self.reject(room)
        sids = self.server.manager.rooms.get(p.NAMESPACE, {}).get(room, {})
        listed = list(islice(sids, self.limits.max_member_sids))
        return {"ok": True, "room": room, "count": len(sids), "sids": listed}

    # -- messages --------------------------------------------------------------

    def room_message(self, sid: str, *args: Any) -> OkReply | ErrorReply:
        parsed = parse_room_message(args, self.limits)
        if isinstance(parsed, Rejection):
            return self.reject(parsed)
        room, payload = parsed
        if not self.membership.is_member(sid, room):
            return self.reject(Rejection(p.NOT_A_MEMBER, f"join {room!r} before sending to it"))
        if self.state.faults is not None:
            self.state.faults.burn_cpu()  # --inject-cpu-ms: a known capacity
        self.server.emit(p.ROOM_MESSAGE, payload, to=room, namespace=p.NAMESPACE)
        return {"ok": True}

    def broadcast(self, sid: str, *args: Any) -> OkReply | ErrorReply:
        payload = parse_broadcast(args, self.limits)
        if isinstance(payload, Rejection):
            return self.reject(payload)
        self.server.emit(p.BROADCAST, payload, namespace=p.NAMESPACE)
        return {"ok": True}

    def message(self, sid: str, *args: Any) -> OkReply | ErrorReply:
        text = parse_message(args, self.limits)
        if isinstance(text, Rejection):
            return self.reject(text)
        self.server.emit(
            p.MESSAGE, f"Received: {text}", to=sid, namespace=p.NAMESPACE, ignore_queue=True
        )
        return {"ok": True}

    def unknown(self, sid: str, event: Any, *args: Any) -> ErrorReply:
        return self.reject(unknown_event(event))

    # -- helpers ---------------------------------------------------------------

    def reject(self, rejection: Rejection) -> ErrorReply:
        self.state.counters.error(rejection.code)
        return rejection.reply()

    def _status(self, room: str, sid: str, change: str) -> None:
        status: Status = {"room": room, "sid": sid, "change": change}
        self.server.emit(
            p.STATUS,
            status,
            to=room,
            skip_sid=sid,
            namespace=p.NAMESPACE,
        )


LIFECYCLE = ("connect", "disconnect")

# event name -> (RoomEvents method, key under which /stats counts it)
EVENTS: dict[str, tuple[Callable[..., Any], str]] = {
    "connect": (RoomEvents.connect, "connect"),
    "disconnect": (RoomEvents.disconnect, "disconnect"),
    p.JOIN: (RoomEvents.join, p.JOIN),
    p.LEAVE: (RoomEvents.leave, p.LEAVE),
    p.MEMBERS: (RoomEvents.members, p.MEMBERS),
    p.ROOM_MESSAGE: (RoomEvents.room_message, p.ROOM_MESSAGE),
    p.BROADCAST: (RoomEvents.broadcast, p.BROADCAST),
    p.MESSAGE: (RoomEvents.message, p.MESSAGE),
    "*": (RoomEvents.unknown, UNKNOWN_EVENT_KEY),
}


# --dispatch -> the events registered on python-socketio's server directly.
DIRECT_EVENTS: dict[str, frozenset[str]] = {
    "flask-socketio": frozenset(),
    "socketio": frozenset({p.ROOM_MESSAGE}),
}

# How an adapter finds the sid: (the handler's arguments) -> (sid, the event's arguments).
SidFrom = Callable[[tuple[Any, ...]], tuple[str, tuple[Any, ...]]]


def _sid_from_flask(args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """Flask-SocketIO passes the event's arguments; the sid is in its request context."""
    return request.sid, args  # type: ignore[attr-defined]


def _sid_first(args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """python-socketio passes the sid first, then the event's arguments."""
    return args[0], args[1:]


def register(
    sio: flask_socketio.SocketIO, events: RoomEvents, dispatch: str = "flask-socketio"
) -> None:
    """Register every handler of ``EVENTS`` on ``sio`` (namespace ``/``).

    ``dispatch`` (default "flask-socketio", one of ``config.DISPATCHES``) picks
    the events of ``DIRECT_EVENTS`` that go on ``sio.server`` itself instead.
    Each event is registered once, on one path: python-socketio keeps one
    handler per (namespace, event) in ``sio.server.handlers``, the table
    ``SocketIO.on`` also writes to (its wrapper calls ``_handle_event``), in
    every async mode.
    """
    direct = DIRECT_EVENTS[dispatch]
    for name, (method, stats_key) in EVENTS.items():
        if name in direct:
            handler = _adapter(events, method, stats_key, _sid_first)
            sio.server.on(name, handler, namespace=p.NAMESPACE)
        else:
            sio.on(name, namespace=p.NAMESPACE)(
                _adapter(events, method, stats_key, _sid_from_flask)
            )


def _adapter(
    events: RoomEvents, method: Callable[..., Any], stats_key: str, sid_from: SidFrom
) -> Callable[..., Any]:
    counters = events.state.counters
    max_depth = events.limits.max_depth
    check_args = stats_key not in LIFECYCLE

    def on_event(*args: Any) -> Any:
        counters.event_in(stats_key)
        sid, args = sid_from(args)
        try:
            rejection = check_plain_json(args, max_depth) if check_args else None
            if rejection is not None:
                return events.reject(rejection)
            return method(events, sid, *args)
        except Exception:
            logger.exception("handler for %s failed (sid %s)", stats_key, sid)
            counters.error(p.INTERNAL_ERROR)
            return p.error_reply(p.INTERNAL_ERROR, "the server failed handling this event")

    on_event.__name__ = f"on_{stats_key}"
    return on_event
