"""Socket.IO clients that exist only inside the server, without any network.

A client is attached the way engine.io itself attaches one: the engine.io
``connect`` callback (``Server._handle_eio_connect``) followed by the engine.io
``message`` callback carrying a Socket.IO CONNECT packet (``"0"``) — the same
seam python-socketio's ``tests/performance`` drives. Everything above engine.io
(namespace connect, the app's connect handler, the manager's bookkeeping) runs
for real; what engine.io would send back goes wherever ``server.eio`` sends it
(a stub from ``bench.stub_engineio``, or real sockets from
:func:`attach_engineio_socket`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import engineio.socket

NAMESPACE = "/"
CONNECT_PACKET = "0"  # Socket.IO CONNECT to the default namespace, no auth


@dataclass(frozen=True)
class FakeClient:
    """A connected client: its Socket.IO ``sid`` and its engine.io ``eio_sid``."""

    sid: str
    eio_sid: str


def connect_client(
    server: Any, eio_sid: str, environ: Mapping[str, Any] | None = None
) -> FakeClient:
    """Connect ``eio_sid`` to namespace ``/`` of ``server`` (a ``socketio.Server``).

    ``environ`` is the WSGI environ the app's handlers see (default: empty);
    Flask-SocketIO needs one carrying ``flask.app`` (:func:`bench.app_room.flask_environ`).
    """
    server._handle_eio_connect(eio_sid, dict(environ) if environ is not None else {})
    server._handle_eio_message(eio_sid, CONNECT_PACKET)
    sid = server.manager.sid_from_eio_sid(eio_sid, NAMESPACE)
    if sid is None or not server.manager.is_connected(sid, NAMESPACE):
        raise RuntimeError(f"fake client {eio_sid} was refused by the server's connect handler")
    return FakeClient(sid, eio_sid)


def connect_clients(
    server: Any,
    count: int,
    rooms_of: Any = None,
    prefix: str = "eio",
    environ: Mapping[str, Any] | None = None,
) -> list[FakeClient]:
    """Connect ``count`` clients (``<prefix>-0`` ...) and enter each into ``rooms_of(i)``.

    ``rooms_of`` maps the client index to an iterable of room names (default: none).
    """
    clients = []
    for index in range(count):
        client = connect_client(server, f"{prefix}-{index}", environ)
        if rooms_of is not None:
            enter_rooms(server, client, rooms_of(index))
        clients.append(client)
    return clients


def enter_rooms(server: Any, client: FakeClient, rooms: Iterable[str]) -> None:
    """Enter ``client`` into ``rooms`` through the manager (what ``join_room`` does)."""
    for room in rooms:
        server.manager.enter_room(client.sid, NAMESPACE, room)


def attach_engineio_socket(server: Any, eio_sid: str) -> engineio.socket.Socket:
    """Give ``eio_sid`` a real ``engineio.socket.Socket`` (with its send queue) on ``server.eio``.

    No transport is attached, so nothing drains the queue: the caller does. The
    socket is marked as inside a ping cycle (``last_ping = None``) because no
    ping task runs here, and otherwise ``Socket.send`` closes a socket older
    than ``ping_timeout`` (20 s) as "client is gone".
    """
    sock = engineio.socket.Socket(server.eio, eio_sid)
    sock.connected = True
    sock.upgraded = True
    sock.last_ping = None
    server.eio.sockets[eio_sid] = sock
    return sock


def drain(sock: engineio.socket.Socket) -> int:
    """Empty ``sock``'s send queue without blocking; return how many packets it held."""
    drained = 0
    queue = sock.queue
    while not queue.empty():
        queue.get_nowait()
        queue.task_done()
        drained += 1
    return drained
