"""The reference app (target_app) with a room of N fake members, engine.io stubbed.

Built the way a real node is: ``target_app.app.create_app(ServerConfig(...))``
in threading mode, then each fake client goes through the app's own ``connect``
handler (with a WSGI environ like the one Flask-SocketIO's middleware builds)
and its own ``join`` handler — target_app keeps a membership index beside
python-socketio's rooms, so entering the manager directly would make every
``room_message`` fail its member check.

Four ways to send one message to the room (all end in the same
``socketio.Server.emit`` through the app's own client manager):

* :meth:`AppRoom.handler` — python-socketio's per-event path after decoding and
  after the handler thread is spawned: ``Server._handle_event_internal`` with
  no ack id (the app's ``AckingServer`` override), then Flask-SocketIO's
  request context, target_app's adapter (counters), validation, the member
  check and the emit;
* :meth:`AppRoom.dispatch` — the same call on a second app built with
  ``dispatch="socketio"`` (``--dispatch socketio``, same room of N): python-socketio
  calls target_app's adapter directly, without Flask-SocketIO's request
  context, so ``handler`` − ``dispatch`` is what Flask-SocketIO's dispatch costs;
* :meth:`AppRoom.handler_direct` — ``RoomEvents.room_message`` called directly
  (validation, member check, emit; no Socket.IO dispatch, no Flask context);
* :meth:`AppRoom.raw` — the bare ``socketio.Server.emit`` the handler ends with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.test import EnvironBuilder

from bench.fake_clients import NAMESPACE, FakeClient, connect_clients
from bench.payloads import EVENT, RoomMessage, room_message
from bench.stub_engineio import CountingSends, ExtraWorkSends, stub_engineio_sends

ROOM = "handler-room"


def flask_environ(app: Any) -> dict[str, object]:
    """A websocket handshake's WSGI environ, as Flask-SocketIO's middleware passes it on."""
    environ = EnvironBuilder(
        path="/socket.io/", query_string="EIO=4&transport=websocket"
    ).get_environ()
    environ["flask.app"] = app
    return environ


@dataclass
class AppRoom:
    app: Any
    sio: Any
    sends: CountingSends
    sender: FakeClient
    members: int
    payload: RoomMessage
    plain: AppRoom | None = None  # the same room in a ``dispatch="socketio"`` app

    @property
    def server(self) -> Any:
        return self.sio.server

    def _receive(self, room: AppRoom) -> None:
        """``room``'s sender's room_message, as python-socketio hands an event on."""
        server, sender = room.server, room.sender
        server._handle_event_internal(
            server, sender.sid, sender.eio_sid, [EVENT, self.payload], NAMESPACE, None
        )

    def handler(self) -> None:
        self._receive(self)

    def dispatch(self) -> None:
        assert self.plain is not None
        self._receive(self.plain)

    def handler_direct(self) -> Any:
        return self.app.extensions["roombench"].events.room_message(self.sender.sid, self.payload)

    def raw(self) -> None:
        self.server.emit(EVENT, self.payload, to=ROOM, namespace=NAMESPACE)

    def deliveries(self, send: Any) -> int:
        """Packets one call of ``send`` hands to engine.io (untimed check)."""
        before = self.sends.packets
        send()
        return self.sends.packets - before


def build_app_room(members: int, extra_work: bool = False) -> AppRoom:
    """target_app in threading mode with ``members`` clients joined to ``ROOM`` by its handlers.

    Twice: the room returned is in an app with Flask-SocketIO's dispatch (the
    default), its ``plain`` twin in one built with ``dispatch="socketio"``.
    ``extra_work`` (default False: the reference) makes every delivery also
    do one fixed piece of work (``ExtraWorkSends``): the instruction gate's
    known answer.
    """
    room = _joined_room(members, "flask-socketio", extra_work)
    room.plain = _joined_room(members, "socketio", extra_work)
    for name, counted, send in (
        ("handler", room, room.handler),
        ("raw", room, room.raw),
        ("dispatch", room.plain, room.dispatch),
    ):
        got = counted.deliveries(send)
        if got != members:
            raise AssertionError(f"{name}: one room_message made {got} deliveries, not {members}")
    return room


def _joined_room(members: int, dispatch: str, extra_work: bool = False) -> AppRoom:
    from target_app.app import create_app
    from target_app.config import ServerConfig

    app, sio = create_app(ServerConfig(async_mode="threading", dispatch=dispatch))
    server = sio.server
    # The reference keeps the plain counter, so its path is the one the timings measure.
    sends = stub_engineio_sends(server, ExtraWorkSends() if extra_work else CountingSends())
    clients = connect_clients(server, members, environ=flask_environ(app))
    for client in clients:
        reply = server._trigger_event("join", NAMESPACE, client.sid, {"room": ROOM})
        if not (isinstance(reply, dict) and reply.get("ok")):
            raise RuntimeError(f"target_app refused the join of {client.sid}: {reply!r}")
    return AppRoom(app, sio, sends, clients[0], members, room_message(ROOM))
