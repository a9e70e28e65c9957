"""The bytes abusive clients send: handshakes, events and malformed frames, all pure.

Built on the harness's own strict framing (``loadtests.wire.wsframe``): every
frame here is a correctly masked client frame unless its variant is about the
frame itself, so the server refuses what the variant means to test and
nothing else. Each bad-input variant names the ``/stats`` counter a hardened
reference server moves for it (docs/target_app-hardening.md), so a run can say
what was sent beside what was counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from loadtests.wire.wsframe import OP_TEXT, encode_frame, handshake_request, new_key

SOCKET_PATH = "/socket.io/?EIO=4&transport=websocket"
# The reference server's application limit (64 KiB) and its transport cap
# (limit + 4096): ``too_large`` is just over the first, ``frame_too_large`` over the second.
APP_LIMIT_BYTES = 64 * 1024
FRAME_CAP_BYTES = APP_LIMIT_BYTES + 4096
TOO_DEEP_LEVELS = 40  # past the server's default --max-depth (32)


def upgrade_request(port: int, key: str | None = None) -> tuple[bytes, str]:
    """The websocket upgrade of an Engine.IO v4 session, and its key."""
    key = key if key is not None else new_key()
    return handshake_request("127.0.0.1", port, SOCKET_PATH, key), key


def partial_headers(port: int) -> bytes:
    """The first half of an upgrade request: a slowloris socket sends this and stops."""
    request, _key = upgrade_request(port)
    return request[: len(request) // 2]


def text(message: str) -> bytes:
    """One masked client text frame."""
    return encode_frame(message.encode(), OP_TEXT)


def event(name: str, *args: object, ack_id: int | None = None) -> bytes:
    """A Socket.IO EVENT in an Engine.IO MESSAGE, as one text frame."""
    ack = "" if ack_id is None else str(ack_id)
    return text(f"42{ack}" + json.dumps([name, *args], separators=(",", ":")))


def encode_control(opcode: int, payload: bytes) -> bytes:
    """A masked control frame (a websocket pong answering a ping)."""
    return encode_frame(payload, opcode)


CONNECT_NAMESPACE = text("40")
PONG = text("3")


def join(rooms: list[str], ack_id: int = 1) -> bytes:
    return event("join", {"rooms": rooms}, ack_id=ack_id)


def echo_request(size_bytes: int) -> bytes:
    """A ``message`` event the server answers to the sender only (``Received: ...``)."""
    return event("message", "e" * size_bytes)


@dataclass(frozen=True)
class Variant:
    """A bad-input variant: its frame, whether the server closes the session for it,
    and the ``/stats`` counter a hardened server moves (``protocol_errors.<kind>``
    or ``errors.<code>``)."""

    name: str
    frame: bytes
    closes: bool
    counter: str


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def variant(name: str) -> Variant:
    """The frame of bad-input variant ``name`` (one of ``spec.VARIANTS``)."""
    builders = {
        "truncated": lambda: Variant(name, text("42["), False, "protocol_errors.bad_packet"),
        "bad_json": lambda: Variant(
            name, text('42["broadcast",{]'), False, "protocol_errors.bad_packet"
        ),
        "not_an_event": lambda: Variant(name, text("42{}"), False, "protocol_errors.bad_event"),
        "non_finite": lambda: Variant(
            name, text('42["broadcast",{"x":NaN}]'), False, "errors.bad_payload"
        ),
        "too_deep": lambda: Variant(
            name,
            text('42["broadcast",{"x":' + _deep(TOO_DEEP_LEVELS) + "}]"),
            False,
            "errors.bad_payload",
        ),
        "reserved_event": lambda: Variant(
            name, text('42["disconnect"]'), False, "protocol_errors.reserved_event"
        ),
        "binary_event": lambda: Variant(
            name,
            text('451-["broadcast",{"_placeholder":true,"num":0}]'),
            False,
            "protocol_errors.binary",
        ),
        "too_large": lambda: Variant(
            name, echo_request(APP_LIMIT_BYTES + 64), False, "errors.too_large"
        ),
        "bad_frame": lambda: Variant(name, text("x"), True, "protocol_errors.bad_frame"),
        "frame_too_large": lambda: Variant(
            name, echo_request(FRAME_CAP_BYTES + 1024), True, "protocol_errors.frame_too_large"
        ),
    }
    if name not in builders:
        raise ValueError(f"bad-input variant {name!r}: unknown; allowed: {', '.join(builders)}")
    return builders[name]()
