"""The ``room_message`` payload every benchmark sends, at a chosen text size.

Shaped like the load tests' messages (measurement rule 2, docs/measurement.md): the room,
the sender, a sequence number and the sender's ``t_ns``, plus a ``text`` field of
``text_bytes`` ASCII characters that sets the message size.
"""

from __future__ import annotations

from typing import TypedDict

from socketio import packet

EVENT = "room_message"
DEFAULT_TEXT_BYTES = 64
# A fixed timestamp keeps the encoded size identical from run to run.
FIXED_T_NS = 1_700_000_000_000_000_000


class RoomMessage(TypedDict):
    """A ``room_message`` payload: the load tests' message shape."""

    room: str
    sender: str
    seq: int
    t_ns: int
    text: str


def room_message(room: str, text_bytes: int = DEFAULT_TEXT_BYTES, seq: int = 1) -> RoomMessage:
    """A ``room_message`` payload for ``room`` whose ``text`` is ``text_bytes`` long."""
    if text_bytes < 0:
        raise ValueError(f"text_bytes must be >= 0, not {text_bytes}")
    return {
        "room": room,
        "sender": "bench-sender",
        "seq": seq,
        "t_ns": FIXED_T_NS,
        "text": "x" * text_bytes,
    }


def room_message_packet(room: str, text_bytes: int = DEFAULT_TEXT_BYTES) -> packet.Packet:
    """The Socket.IO EVENT packet a room emit of :func:`room_message` encodes once."""
    return packet.Packet(packet.EVENT, namespace="/", data=[EVENT, room_message(room, text_bytes)])
