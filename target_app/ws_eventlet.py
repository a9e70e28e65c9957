"""The guarded websocket of eventlet (python-engineio's wrapper of ``eventlet.websocket``).

eventlet 0.41's ``RFC6455WebSocket`` checks ``max_frame_length`` per frame,
but a fragmented message may grow without bound (every fragment under the
limit, the message never finished); ``_recv_frame`` here also bounds the
message. Its ``_apply_mask`` unmasks one byte per Python-level iteration
(about 0.4 s for a 1 MB frame), during which no other greenlet runs: a single
client uploading large frames at 2.4 MiB/s froze the whole server. The
replacement XORs with one big-integer operation. The pre-RFC (hixie-76)
websocket versions, which have no length limit at all, are turned off.

python-engineio's wrapper hands the handler the ``RFC6455WebSocket`` that
eventlet builds itself, so its class is switched to the subclass right after
the handshake (it adds methods, no state beyond the guard).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventlet import greenio
from eventlet.websocket import FailedConnectionError, RFC6455WebSocket

from target_app import protocol as p
from target_app.transport_guard import ConnectionGuard, TransportGuard

MESSAGE_TOO_BIG = 1009
POLICY_VIOLATION = 1008


def unmask(data: bytes, mask: Sequence[int], length: int | None = None, offset: int = 0) -> bytes:
    """``data`` XOR the 4-byte ``mask`` (rotated by ``offset``), in one integer operation."""
    if length is None:
        length = len(data)
    if not length:
        return b""
    key = bytes(mask[(offset + i) % 4] for i in range(4))
    pad = (key * (length // 4 + 1))[:length]
    mixed = int.from_bytes(data[:length], "big") ^ int.from_bytes(pad, "big")
    return mixed.to_bytes(length, "big")


class GuardedRFC6455WebSocket(RFC6455WebSocket):  # type: ignore[misc]
    guard: ConnectionGuard

    _apply_mask = staticmethod(unmask)

    def _recv_frame(self, message: Any = None) -> Any:
        try:
            received = super()._recv_frame(message)
        except FailedConnectionError as exc:
            if exc.status == MESSAGE_TOO_BIG:
                self.guard.refused(p.FRAME_TOO_LARGE, "frame over the size limit")
            raise
        if not received.opcode & 8:
            # Running total on the message: summing every chunk per frame
            # would be quadratic in the number of fragments.
            seen = getattr(received, "roombench_seen", 0)
            total = getattr(received, "roombench_bytes", 0)
            total += sum(len(chunk) for chunk in received.data[seen:])
            received.roombench_seen = len(received.data)
            received.roombench_bytes = total
            if total > self.max_frame_length:
                self.guard.refused(p.FRAME_TOO_LARGE, "fragmented message over the size limit")
                raise FailedConnectionError(MESSAGE_TOO_BIG, "Message is too big")
        return received

    def wait(self) -> Any:
        frame = super().wait()
        if frame is None:
            return None
        if not self.guard.admit(frame):
            self._send_closing_frame(
                ignore_send_errors=True, close_data=(POLICY_VIOLATION, "bad frame")
            )
            return None
        # Engine.IO reads the next frame as soon as this one is handed over:
        # the bucket's pause is the only place this reader yields while its
        # socket has data (see inbound_limit).
        if not self.guard.inbound(len(frame)):
            self._send_closing_frame(
                ignore_send_errors=True, close_data=(POLICY_VIOLATION, "inbound flood")
            )
            return None
        return frame

    def send(self, message: Any, **kw: Any) -> None:
        if not kw.get("control_code"):
            self.guard.written(len(message))
        super().send(message, **kw)


def guarded_websocket_class(base: type, shared: TransportGuard) -> type:
    """A subclass of ``base`` (python-engineio's eventlet wrapper) enforcing ``shared``."""

    class GuardedEventletWebSocket(base):  # type: ignore[misc, valid-type]
        def __init__(self, handler: Any, server: Any) -> None:
            super().__init__(handler, server)  # max_frame_length = max_http_buffer_size
            self.support_legacy_versions = False
            self._eio_socket = handler.__self__

        def _handle_hybi_request(self, environ: Any) -> Any:
            ws = super()._handle_hybi_request(environ)
            ws.__class__ = GuardedRFC6455WebSocket
            ws.guard = ConnectionGuard(shared, lambda: greenio.shutdown_safe(ws.socket))
            self._eio_socket.roombench_guard = ws.guard
            return ws

    return GuardedEventletWebSocket
