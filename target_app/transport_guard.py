"""Bounds on each websocket connection: frames in, bytes queued out, silence.

python-engineio 4.15 hands every websocket message to ``Packet(encoded_packet=...)``
outside its error handling: an empty text frame or ``x`` raised out of the
websocket handler, so the web server wrote an HTTP 500 (under eventlet with a
full traceback) into the upgraded stream and the session lingered in its
rooms until the ping timeout. Its only size check runs after a whole message
has been buffered, and no async mode's websocket reader was given a limit for
fragmented messages (eventlet) or any limit at all (simple-websocket, used by
gevent and threading). Its outbound queue per client is unbounded, so a client
that never reads grows the server without limit. Under gevent and threading,
Engine.IO's ping timeout closed the session but never the socket: a silent
peer kept its file descriptor and (threading) two threads forever.

Engine.IO builds each connection's websocket from ``server._async["websocket"]``,
the class its async driver names. ``install`` gives this server's Engine.IO a
copy of that table naming a guarded subclass for the mode (``ws_eventlet``,
``ws_simple``), and switches the Engine.IO server to ``BoundedEngineServer``:

* every incoming message is checked to be an Engine.IO packet the client may
  send (``frame_problem``); a bad one is counted and closes that session
  cleanly at once (close frame, socket shut down, rooms released);
* every mode stops reading a message, fragments included, at
  ``ServerConfig.max_frame_bytes`` and closes the connection (1009);
* each connection counts the bytes queued for it and not yet written; a
  packet that would take it over ``--max-outbound-bytes`` is not queued, the
  client is disconnected (its socket shut down so a blocked writer returns)
  and counted as a slow consumer;
* the websocket's socket gets Engine.IO's own read timeout (ping interval +
  ping timeout) in every mode, and closing a websocket shuts its socket down,
  so a silent peer's descriptor and threads are released;
* every message a client sends is charged to its ``InboundBucket``
  (``--max-inbound-bytes-per-s``): the reader pauses while the bucket is
  empty, and a client over the bound for ``--inbound-flood-s`` is closed
  (1008) and counted (``inbound_flood_disconnects``).

Long-polling sessions (``--allow-polling``) get the same outbound cap and
their own request checks (``polling_guard``, which builds on this module).
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import engineio
import flask_socketio

from target_app import protocol as p
from target_app.inbound_limit import InboundBucket
from target_app.log_limit import RateLimitedLog
from target_app.memory_trim import trim_heap
from target_app.stats import Counters

logger = logging.getLogger("target_app.guard")

# Engine.IO packet types a client may send over a websocket: CLOSE, PING
# (the upgrade probe), PONG, MESSAGE, UPGRADE, NOOP.
_CLIENT_TYPES = frozenset("123456")
_DIGITS = frozenset("0123456789")
# "2probe", "3probe": the longest non-MESSAGE packet a client sends. Engine.IO
# would json-decode anything after the type, deep nesting included.
_MAX_CONTROL_CHARS = 6


def frame_problem(frame: str | bytes) -> str | None:
    """None when ``frame`` is an Engine.IO packet a client may send, else why not.

    Binary frames pass (Socket.IO attachments; ``packet_guard`` refuses them
    with a reply). A MESSAGE must carry a Socket.IO packet, which starts with
    its type digit.
    """
    if isinstance(frame, (bytes, bytearray)):
        return None
    if not frame:
        return "empty text frame"
    if frame[0] not in _CLIENT_TYPES:
        return f"unknown Engine.IO packet type {frame[:1]!r}"
    if frame[0] == "4":
        if len(frame) < 2 or frame[1] not in _DIGITS:
            return "MESSAGE without a Socket.IO packet"
    elif len(frame) > _MAX_CONTROL_CHARS:
        return f"control packet of {len(frame)} characters"
    return None


@dataclass
class TransportGuard:
    """What every connection's guard shares: limits, counters, the rate-limited log."""

    counters: Counters
    log: RateLimitedLog
    max_frame_bytes: int
    max_outbound_bytes: int
    max_inbound_bytes_per_s: int
    inbound_flood_s: float
    # Most Engine.IO sessions at once (None: no cap); threading mode only.
    max_sessions: int | None = None
    # The async mode's sleep (Engine.IO's ``server.sleep``): it yields under
    # eventlet and gevent; set by ``install``.
    sleep: Callable[[float], None] = lambda seconds: None
    spawn: Callable[[Callable[[], None]], Any] = lambda task: None

    @property
    def inbound_burst_bytes(self) -> int:
        """What a client may send at once: a second at the bound, and two whole messages."""
        return max(self.max_inbound_bytes_per_s, 2 * self.max_frame_bytes)


class ConnectionGuard:
    """One websocket's inbound checks and outbound byte count.

    ``abort`` (set by the transport) shuts the socket down so that both the
    reader and a writer blocked on a full socket return at once.
    """

    def __init__(self, shared: TransportGuard, abort: Callable[[], None]) -> None:
        self.shared = shared
        self.abort = abort
        self._lock = threading.Lock()
        self._queued_bytes = 0
        self._condemned = False
        self._inbound = InboundBucket(shared.max_inbound_bytes_per_s, shared.inbound_burst_bytes)

    def admit(self, frame: str | bytes) -> bool:
        """True when ``frame`` may go on to Engine.IO; else it is counted and logged."""
        problem = frame_problem(frame)
        if problem is None:
            return True
        self.refused(p.BAD_FRAME, problem)
        return False

    def inbound(self, size_bytes: int) -> bool:
        """Charge a received message; pause while over the bound; False for a flooder.

        A False return has been counted (``inbound_flood_disconnects``); the
        caller closes the connection.
        """
        wait_s = self._inbound.charge(size_bytes)
        if wait_s <= 0.0:
            return True
        if self._inbound.over_for_s() >= self.shared.inbound_flood_s:
            self.shared.counters.inbound_flood()
            self.shared.log.warn(
                "inbound_flood",
                "closed a websocket over %d bytes/s for %.1f s",
                self.shared.max_inbound_bytes_per_s,
                self.shared.inbound_flood_s,
            )
            self.shared.spawn(_trim_after_close)
            return False
        self.shared.sleep(wait_s)
        return True

    def refused(self, kind: str, detail: str) -> None:
        self.shared.counters.protocol_error(kind)
        self.shared.log.warn(kind, "closed a session: %s", detail)

    def reserve(self, size_bytes: int) -> bool:
        """Account ``size_bytes`` about to be queued; False when that would exceed the cap.

        The first refusal condemns the connection: it is counted as a slow
        consumer and aborted (from a background task: the caller may be in
        the middle of a room fan-out). Later packets are dropped silently.
        """
        with self._lock:
            if self._condemned:
                return False
            if self._queued_bytes + size_bytes <= self.shared.max_outbound_bytes:
                self._queued_bytes += size_bytes
                return True
            self._condemned = True
            queued = self._queued_bytes
        self.shared.counters.slow_consumer()
        self.shared.log.warn("slow_consumer", "disconnecting a client with %d bytes unsent", queued)
        return False

    def written(self, size_bytes: int) -> None:
        """``size_bytes`` left the queue for the socket (pings were never reserved: clamp)."""
        with self._lock:
            self._queued_bytes = max(0, self._queued_bytes - size_bytes)

    @property
    def condemned(self) -> bool:
        return self._condemned


def _trim_after_close() -> None:
    # Runs as its own task after the flooder's reader has returned, so the
    # messages it held are garbage by then.
    time.sleep(1.0)
    trim_heap()


class BoundedEngineServer(engineio.Server):
    """``engineio.Server`` whose ``send_packet`` enforces each connection's outbound cap.

    The cap applies to any Engine.IO socket that carries a ``roombench_guard``:
    websockets (set by the guarded websocket classes) and, with
    ``--allow-polling``, long-polling sessions (``polling_guard``).
    ``_handle_connect`` refuses a new session past ``TransportGuard.max_sessions``.
    """

    roombench_transport: TransportGuard

    def _handle_connect(self, environ: Any, start_response: Any, *args: Any, **kw: Any) -> Any:
        shared = self.roombench_transport
        if shared.max_sessions is not None and len(self.sockets) >= shared.max_sessions:
            # Under Werkzeug a websocket session ends with an exception that skips
            # python-engineio's ``del self.sockets[sid]``; closed ones linger until
            # its service task sweeps them, so only the open ones are counted
            # (O(sessions), on a new connection only, and only near the cap).
            open_sessions = sum(1 for sock in list(self.sockets.values()) if not sock.closed)
            if open_sessions >= shared.max_sessions:
                shared.counters.session_refused()
                shared.log.warn(
                    "sessions_refused", "refused a session: %d sessions open", open_sessions
                )
                return {
                    "status": "503 Service Unavailable",
                    "headers": [("Content-Type", "text/plain")],
                    "response": b"too many sessions",
                }
        return super()._handle_connect(environ, start_response, *args, **kw)

    def send_packet(self, sid: str, pkt: Any) -> None:  # type: ignore[override]
        socket = self.sockets.get(sid)
        guard: ConnectionGuard | None = getattr(socket, "roombench_guard", None)
        if guard is not None and not guard.reserve(len(pkt.encode())):
            if guard.condemned and not getattr(socket, "roombench_aborting", False):
                socket.roombench_aborting = True  # type: ignore[union-attr]
                self.start_background_task(guard.abort)
            return
        super().send_packet(sid, pkt)


# async mode -> module whose ``guarded_websocket_class(base, shared)`` wraps that mode's class
_TRANSPORTS = {
    "eventlet": "target_app.ws_eventlet",
    "gevent": "target_app.ws_simple",
    "threading": "target_app.ws_simple",
}


def install(sio: flask_socketio.SocketIO, shared: TransportGuard) -> None:
    """Guard every websocket ``sio`` accepts from now on (call right after building ``sio``)."""
    eio = sio.server.eio
    module = importlib.import_module(_TRANSPORTS[eio.async_mode])
    websocket_class = module.guarded_websocket_class(eio._async["websocket"], shared)
    # A copy: the driver's table is module-level and shared by every server.
    eio._async = {**eio._async, "websocket": websocket_class}
    eio.__class__ = BoundedEngineServer
    eio.roombench_transport = shared
    shared.sleep = eio.sleep
    shared.spawn = eio.start_background_task
