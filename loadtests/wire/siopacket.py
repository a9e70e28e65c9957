"""Engine.IO v4 / Socket.IO v5 packets over websocket text frames, pure.

Over the websocket transport each Engine.IO packet is one text frame: a type
digit then data (``0{open json}``, ``1`` close, ``2`` ping, ``3`` pong,
``4<socket.io>`` message, ``5`` upgrade, ``6`` noop). A Socket.IO packet is a
type digit, ``/namespace,`` unless it is ``/``, an optional ack id, then JSON:
``0`` connect, ``1`` disconnect, ``2[event, args...]`` event, ``3<id>[args]``
ack, ``4{"message": ..., "data": ...}`` connect error (a bare string from
older servers). Binary packets (types 5 and 6) are not used by roombench's
events.
The server encodes JSON with ``separators=(',', ':')``, as python-socketio does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

EIO_OPEN = "0"
EIO_CLOSE = "1"
EIO_PING = "2"
EIO_PONG = "3"
EIO_MESSAGE = "4"
EIO_UPGRADE = "5"
EIO_NOOP = "6"

SIO_CONNECT = "0"
SIO_DISCONNECT = "1"
SIO_EVENT = "2"
SIO_ACK = "3"
SIO_CONNECT_ERROR = "4"
SIO_BINARY_EVENT = "5"
SIO_BINARY_ACK = "6"
_SIO_KINDS = frozenset("0123456")

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


@dataclass(frozen=True)
class SioPacket:
    """A decoded Socket.IO packet: ``kind`` (one of SIO_*), ``ack_id`` (or None), ``data``,
    ``namespace`` (``/`` unless the packet names another)."""

    kind: str
    ack_id: int | None
    data: Any
    namespace: str = "/"


def engineio_path(path: str = "/socket.io/") -> str:
    return f"{path}?EIO=4&transport=websocket"


def encode_event(event: str, *args: Any, ack_id: int | None = None) -> str:
    """``42[event,args...]`` (``42<id>[...]`` when an ack is wanted)."""
    return f"42{'' if ack_id is None else ack_id}{_dumps([event, *args])}"


def encode_connect(auth: Any = None) -> str:
    return "40" if auth is None else "40" + _dumps(auth)


def decode_open(text: str) -> dict[str, object]:  # model.JsonObject: wire imports only units
    """The Engine.IO open packet's JSON (sid, pingInterval, pingTimeout, maxPayload)."""
    if not text.startswith(EIO_OPEN):
        raise ValueError(f"expected an Engine.IO open packet, got {text[:40]!r}")
    doc = json.loads(text[1:])
    if not isinstance(doc, dict):
        raise ValueError(f"Engine.IO open packet is not a JSON object: {text[:60]!r}")
    return doc


def decode_socketio(text: str) -> SioPacket:
    """Decode the Socket.IO part of an Engine.IO message (``text`` without the leading ``4``).

    Raise ValueError for an empty packet, an unknown type or bad JSON."""
    kind = text[:1]
    if kind not in _SIO_KINDS:
        raise ValueError(f"unknown Socket.IO packet type {kind!r} in {text[:60]!r} (known: 0-6)")
    pos = 1
    namespace = "/"
    if len(text) > 1 and text[1] == "/":  # a namespace other than "/": "/ns,..."
        comma = text.find(",")
        pos = comma + 1 if comma > 0 else len(text)
        namespace = text[1 : comma if comma > 0 else len(text)]
    start = pos
    while pos < len(text) and text[pos].isdigit():
        pos += 1
    ack_id = int(text[start:pos]) if pos > start else None
    data = json.loads(text[pos:]) if pos < len(text) else None
    return SioPacket(kind, ack_id, data, namespace)


def refusal(data: Any) -> tuple[str, Any]:
    """A CONNECT_ERROR packet's ``(message, details)``: ``{"message": m, "data": d}`` from
    Socket.IO v5 servers (python-socketio's ``ConnectionRefusedError(m, d)``, Node's
    ``next(err)`` with ``err.data``), a bare string from older ones and for unknown namespaces."""
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"], data.get("data")
    if isinstance(data, str):
        return data, None
    return "(the server gave no reason)", data
