"""Engine.IO v4 / Socket.IO v5 packets over websocket text frames, pure.

Over the websocket transport each Engine.IO packet is one text frame: a type
digit then data (``0{open json}``, ``2`` ping, ``3`` pong, ``4<socket.io>``
message, ``1`` close). A Socket.IO packet for the default namespace is a type
digit, an optional ack id, then JSON: ``0`` connect, ``1`` disconnect,
``2[event, args...]`` event, ``3<id>[args]`` ack, ``4{...}`` connect error.
Binary packets (types 5 and 6) are not used by roombench's events.
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

SIO_CONNECT = "0"
SIO_DISCONNECT = "1"
SIO_EVENT = "2"
SIO_ACK = "3"
SIO_CONNECT_ERROR = "4"

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


@dataclass(frozen=True)
class SioPacket:
    """A decoded Socket.IO packet: ``kind`` (one of SIO_*), ``ack_id`` (or None), ``data``."""

    kind: str
    ack_id: int | None
    data: Any


def engineio_path(path: str = "/socket.io/") -> str:
    return f"{path}?EIO=4&transport=websocket"


def encode_event(event: str, *args: Any, ack_id: int | None = None) -> str:
    """``42[event,args...]`` (``42<id>[...]`` when an ack is wanted)."""
    return f"42{'' if ack_id is None else ack_id}{_dumps([event, *args])}"


def encode_connect(auth: Any = None) -> str:
    return "40" if auth is None else "40" + _dumps(auth)


def decode_open(text: str) -> dict[str, Any]:
    """The Engine.IO open packet's JSON (sid, pingInterval, pingTimeout, maxPayload)."""
    if not text.startswith(EIO_OPEN):
        raise ValueError(f"expected an Engine.IO open packet, got {text[:40]!r}")
    doc: dict[str, Any] = json.loads(text[1:])
    return doc


def decode_socketio(text: str) -> SioPacket:
    """Decode the Socket.IO part of an Engine.IO message (``text`` without the leading ``4``)."""
    kind = text[0]
    pos = 1
    if len(text) > 1 and text[1] == "/":  # a namespace other than "/": "/ns,..."
        comma = text.find(",")
        pos = comma + 1 if comma > 0 else len(text)
    start = pos
    while pos < len(text) and text[pos].isdigit():
        pos += 1
    ack_id = int(text[start:pos]) if pos > start else None
    data = json.loads(text[pos:]) if pos < len(text) else None
    return SioPacket(kind, ack_id, data)
