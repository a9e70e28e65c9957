"""The guarded websocket of gevent and threading (python-engineio's simple-websocket wrapper).

``simple_websocket.Server`` takes a ``max_message_size`` that it checks as
each chunk arrives, fragments included, and closes with 1009 when exceeded;
python-engineio never passes one, so it is set here to
``ServerConfig.max_frame_bytes``. Engine.IO sets its read timeout (ping
interval + ping timeout) on ``ws._sock`` or ``ws.socket`` when the wrapper
has one, and this wrapper had neither, so a silent peer blocked the reader
thread forever; ``_sock`` now names the real socket. That timeout is also set
*before* simple-websocket starts its reader: the reader's first ``recv``
would otherwise run under the server's shorter ``--header-timeout-s`` (a
timeout applies to calls made after it is set) and drop a client that stays
quiet for that long after connecting. simple-websocket's
``close`` sends a close frame but leaves its reader blocked in ``recv`` until
the peer answers, which a vanished or hostile peer never does: closing here
also shuts the socket down, which ends that reader (and its thread) at once.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import simple_websocket

from target_app import protocol as p
from target_app.socket_tuning import request_socket
from target_app.transport_guard import ConnectionGuard, TransportGuard

POLICY_VIOLATION = 1008


# Messages the reader may hold that Engine.IO has not taken yet. Engine.IO
# takes each at once unless the inbound bucket paused it (see ``wait``).
MAX_PENDING_MESSAGES = 4
_BACKLOG_POLL_S = 0.01


class _ReaderEndsWaits(simple_websocket.Server):  # type: ignore[misc]
    """``simple_websocket.Server`` whose reader wakes the receiver when it ends,
    and stops reading while ``MAX_PENDING_MESSAGES`` wait to be taken.

    simple-websocket's reader appends every message it decodes to
    ``input_buffer`` with no bound; under gevent it never yields while the
    socket has data, so a client uploading large frames grew that list by
    hundreds of MB. Pausing the reader leaves the bytes in the kernel, which
    pushes back on the client through TCP.
    """

    def _handle_events(self) -> bool:
        keep_going: bool = super()._handle_events()
        while keep_going and self.connected and len(self.input_buffer) >= MAX_PENDING_MESSAGES:
            time.sleep(_BACKLOG_POLL_S)  # monkey-patched under gevent: yields
        return keep_going

    def _thread(self) -> None:
        try:
            super()._thread()
        finally:
            self.connected = False
            self.event.set()


def guarded_websocket_class(base: type, shared: TransportGuard) -> type:
    """A subclass of ``base`` (the driver's simple-websocket wrapper) enforcing ``shared``."""

    class GuardedSimpleWebSocket(base):  # type: ignore[misc, valid-type]
        def __init__(self, handler: Any, server: Any, **kwargs: Any) -> None:
            super().__init__(handler, server, **kwargs)
            self.server_args["max_message_size"] = shared.max_frame_bytes
            self.guard = ConnectionGuard(shared, self._abort)
            self._read_timeout_s = server.ping_interval + server.ping_timeout
            # ``handler`` is the Engine.IO socket's bound ``_websocket_handler``.
            handler.__self__.roombench_guard = self.guard

        def __call__(self, environ: Any, start_response: Any) -> Any:
            sock = request_socket(environ)
            if sock is not None:  # gevent's dup() copies the timeout
                sock.settimeout(self._read_timeout_s)
            # python-engineio's SimpleWebSocketWSGI.__call__, with the subclass.
            self.ws = _ReaderEndsWaits(environ, **self.server_args)
            ret = self.app(self)
            if self.ws.mode == "gunicorn":
                raise StopIteration()
            if self.ws.mode == "werkzeug":
                raise ConnectionError()
            return ret

        @property
        def _sock(self) -> Any:
            return self.ws.sock

        def wait(self) -> Any:
            frame = super().wait()
            if frame is None:
                if self.ws.incoming_message_len > shared.max_frame_bytes:
                    self.guard.refused(p.FRAME_TOO_LARGE, "message over the size limit")
                return None
            if not self.guard.admit(frame):
                self._close(POLICY_VIOLATION, "bad frame")
                return None
            if not self.guard.inbound(len(frame)):
                self._close(POLICY_VIOLATION, "inbound flood")
                return None
            return frame

        def send(self, message: Any) -> Any:
            self.guard.written(len(message))
            return super().send(message)

        def close(self) -> None:
            self._close(None, None)

        def _close(self, code: int | None, reason: str | None) -> None:
            try:
                if self.ws.connected:
                    self.ws.close(reason=code, message=reason)
            except Exception:  # noqa: BLE001 - the peer is gone: nothing left to tell it
                pass
            self._abort()

        def _abort(self) -> None:
            try:
                self.ws.sock.shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError):
                pass  # already closed

    return GuardedSimpleWebSocket
