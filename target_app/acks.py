"""Error replies reach the client whether or not it asked for an ack.

Handlers return their reply (``{"ok": true, ...}`` or an error body) and
python-socketio sends it as the ack when the client asked for one. When the
client did not, python-socketio drops the return value, and a handler cannot
tell which case it is in: only ``Server._handle_event_internal`` sees the ack
id. ``AckingServer`` overrides that one method so that an error reply to an
event without an ack id goes out as an ``error`` event to that client, as
README.md's protocol table ("The reference server") says. Flask-SocketIO
constructs its ``socketio.Server`` itself, so ``install`` switches that
instance's class to this subclass, which adds behaviour and no state.
"""

from __future__ import annotations

from typing import Any

import flask_socketio
import socketio
from socketio import packet

from target_app.protocol import ERROR, is_error_reply


class AckingServer(socketio.Server):
    """``socketio.Server`` that emits an ``error`` event for an un-acked error reply."""

    def _handle_event_internal(  # type: ignore[override]
        self,
        server: socketio.Server,
        sid: str,
        eio_sid: str,
        data: list[Any],
        namespace: str,
        id: int | None,
    ) -> None:
        if id is not None:
            super()._handle_event_internal(server, sid, eio_sid, data, namespace, id)
            return
        reply = server._trigger_event(data[0], namespace, sid, *data[1:])
        if is_error_reply(reply):
            server._send_packet(
                eio_sid, self.packet_class(packet.EVENT, namespace=namespace, data=[ERROR, reply])
            )


def install(sio: flask_socketio.SocketIO) -> None:
    """Make ``sio``'s server an ``AckingServer`` (call right after constructing ``sio``)."""
    if not isinstance(sio.server, AckingServer):
        sio.server.__class__ = AckingServer
