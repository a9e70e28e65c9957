"""Long-polling sessions with the websocket's guards (only with ``--allow-polling``).

python-engineio 4.15's polling transport (``Socket.handle_post_request``,
``Server.handle_request``) trusted the client:

* a POST of ``6`` (NOOP, a packet only servers send) raised
  ``UnknownPacketError``; the handler then called ``Server.disconnect(sid)``,
  whose ``Socket.close()`` waits (``queue.join()``) until a GET has taken
  every queued packet. A client that never GETs left that request unanswered
  for ever, holding its descriptor (and its thread under threading);
* the body was decoded with ``bytes.decode("utf-8")`` and
  ``Payload(encoded_payload=...)`` outside the EngineIOError handling, so an
  invalid-UTF-8 byte or ``x`` logged a 1-3 kB ERROR traceback per request,
  uncounted;
* ``int(CONTENT_LENGTH)`` of ``-1`` passed the size check and
  ``wsgi.input.read(-1)`` read the whole body (Werkzeug: all of it into
  memory); an absent length read nothing and left the body on the connection;
* nothing bounded the packets queued for a client that never GETs.

``install`` switches every long-polling session's class to
``GuardedPollingSocket`` from its connect handler (no cost for websocket
sessions): its POST handler demands a Content-Length in
``0..max_frame_bytes``, reads exactly that, and refuses (counted as
``bad_poll``, one log line per kind per ``--log-interval-s``, session closed,
HTTP 400) a body that is not UTF-8 or holds any packet a polling client may
not send; each body is charged to the inbound bucket like a websocket
message; queued packets count against ``--max-outbound-bytes`` (taken off
when a GET returns them) so a client that never GETs is disconnected as a
slow consumer; and ``close`` never waits for a GET.
"""

from __future__ import annotations

import socket as socket_module
from typing import Any
from urllib.parse import parse_qs

import flask_socketio
from engineio import exceptions, packet
from engineio.socket import Socket

from target_app import protocol as p
from target_app.socket_tuning import request_socket
from target_app.transport_guard import ConnectionGuard, TransportGuard

# Engine.IO packets a polling client may POST: CLOSE, PONG, MESSAGE (whose
# data must be a Socket.IO packet, starting with its type digit). PING is the
# websocket upgrade probe, UPGRADE goes over the websocket, NOOP is the
# server's: none of them belongs in a POST.
_POLL_CONTROL = frozenset({"1", "3"})
_DIGITS = frozenset("0123456789")
# Engine.IO's own limit on packets per payload (``Payload.max_decode_packets``).
MAX_PACKETS_PER_POST = 16


class PollRefused(exceptions.EngineIOError):
    """A POST that was counted and logged; Engine.IO answers 400 and closes the session."""


def poll_body_problem(body: str) -> str | None:
    """None when every packet of a POST body is one a polling client may send, else why not."""
    pieces = body.split("\x1e")
    if len(pieces) > MAX_PACKETS_PER_POST:
        return f"{len(pieces)} packets in one POST"
    for piece in pieces:
        if piece in _POLL_CONTROL:
            continue
        if len(piece) >= 2 and piece[0] == "4" and piece[1] in _DIGITS:
            continue
        return f"packet {piece[:8]!r} is not one a polling client sends"
    return None


def content_length_problem(raw: object, max_bytes: int) -> tuple[int, str | None]:
    """The body length to read, or why the request's Content-Length cannot be used."""
    if raw in (None, ""):
        return 0, "no Content-Length"
    try:
        length = int(str(raw))
    except ValueError:
        return 0, f"Content-Length {str(raw)[:16]!r} is not a number"
    if length < 0:
        return 0, f"negative Content-Length {length}"
    if length > max_bytes:
        return 0, f"Content-Length {length} over {max_bytes}"
    return length, None


def _stop_reading(environ: Any) -> None:
    """Make the request's unread body end here: no web server drains it after the answer.

    Werkzeug reads whatever a client sends after a response, 10 MB at a time,
    to let it see the status: an unbounded body with no usable length was read
    in full (the 400 MiB case). Shutting the socket's reading side makes those
    reads return at once; the answer is still written.
    """
    sock = request_socket(environ)
    try:
        sock.shutdown(socket_module.SHUT_RD)
    except (OSError, AttributeError):
        pass  # already closed, or not a socket


class GuardedPollingSocket(Socket):  # type: ignore[misc]
    """An Engine.IO socket whose polling requests are bounded (see the module docstring)."""

    roombench_guard: ConnectionGuard

    def handle_post_request(self, environ: Any) -> None:
        guard = self.roombench_guard
        length, problem = content_length_problem(
            environ.get("CONTENT_LENGTH"), guard.shared.max_frame_bytes
        )
        if problem is not None:
            guard.refused(p.BAD_POLL, problem)
            _stop_reading(environ)
            raise PollRefused(problem)
        try:
            body = environ["wsgi.input"].read(length).decode("utf-8")
        except UnicodeDecodeError:
            problem = "body is not UTF-8"
        else:
            problem = poll_body_problem(body)
        if problem is not None:
            guard.refused(p.BAD_POLL, problem)
            raise PollRefused(problem)
        if not guard.inbound(length):
            raise PollRefused("inbound flood")
        for piece in body.split("\x1e"):
            self.receive(packet.Packet(encoded_packet=piece))

    def poll(self) -> Any:
        packets = super().poll()
        if not self.upgraded:  # once upgraded, the websocket counts what it writes
            guard = self.roombench_guard
            guard.written(sum(len(pkt.encode()) for pkt in packets))
        return packets

    def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        # Waiting means until a GET has taken every queued packet: a client
        # that never GETs would hold the caller (an HTTP request) for ever.
        super().close(wait=wait and self.upgraded, abort=abort, reason=reason)


def _guard_polling_session(eio: Any, shared: TransportGuard, sid: str, environ: Any) -> None:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if query.get("transport", ["polling"])[0] != "polling":
        return  # a websocket session: its guarded websocket sets its own guard
    socket = eio.sockets.get(sid)
    if socket is None:
        return

    def abort() -> None:
        socket.close(wait=False, abort=True, reason=eio.reason.SERVER_DISCONNECT)
        eio.sockets.pop(sid, None)

    socket.__class__ = GuardedPollingSocket
    socket.roombench_guard = ConnectionGuard(shared, abort)


def install(sio: flask_socketio.SocketIO, shared: TransportGuard) -> None:
    """Guard every long-polling session of ``sio`` (after ``transport_guard.install``)."""
    eio = sio.server.eio
    on_connect = eio.handlers["connect"]

    def connect(sid: str, environ: Any, *args: Any) -> Any:
        _guard_polling_session(eio, shared, sid, environ)
        return on_connect(sid, environ, *args)

    eio.on("connect", connect)
