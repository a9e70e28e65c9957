"""Pure payload validation: each event's arguments in, a value or a ``Rejection`` out.

No I/O and no Socket.IO here, so every rule is unit-tested without a server.
Handlers receive the event's positional arguments as a tuple (a client may send
none, one or several); every parser first insists on exactly one.

Which code when:

* ``bad_payload`` - the shape is wrong: not exactly one argument, not a JSON
  object (or, for ``message``, not a string), unencodable data, ``join``
  with neither or both of ``room`` and ``rooms``; or, for any event, values
  that are not plain JSON (``check_plain_json``): non-finite numbers (``NaN``,
  ``Infinity``, ``1e999``: JavaScript's ``JSON.parse`` rejects a frame holding
  them, so relaying one would break every receiving browser), binary data, or
  nesting deeper than ``max_depth``.
* ``bad_room`` - the room is missing, not a string, empty or too long, has
  the shape of a client's sid (``is_sid_shaped``), or ``rooms`` is not a
  non-empty list of such names.
* ``too_many_rooms`` - the join would put the client in more rooms than allowed.
* ``too_large`` - the payload's compact JSON encoding exceeds the byte limit.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from target_app.config import Limits
from target_app.protocol import (
    BAD_PAYLOAD,
    BAD_ROOM,
    TOO_LARGE,
    TOO_MANY_ROOMS,
    UNKNOWN_EVENT,
    error_reply,
)
from target_app.replies import ErrorReply


@dataclass(frozen=True)
class Rejection:
    """Why an event was refused: an error ``code`` and a human ``detail``."""

    code: str
    detail: str

    def reply(self) -> ErrorReply:
        return error_reply(self.code, self.detail)


def single_payload(args: tuple[Any, ...]) -> Any:
    """The one argument of an event, or a ``bad_payload`` Rejection."""
    if len(args) != 1:
        return Rejection(BAD_PAYLOAD, f"expected exactly one argument, got {len(args)}")
    return args[0]


def json_object(args: tuple[Any, ...]) -> dict[str, object] | Rejection:
    """The single argument when it is a JSON object, else a ``bad_payload`` Rejection."""
    payload = single_payload(args)
    if isinstance(payload, Rejection):
        return payload
    if not isinstance(payload, dict):
        return Rejection(BAD_PAYLOAD, f"expected a JSON object, got {_json_type(payload)}")
    return payload


# python-engineio's ``generate_id``: 15 random bytes in URL-safe base64, 20
# characters. python-socketio puts every client in a room named after its sid.
_SID_SHAPE = re.compile(r"[A-Za-z0-9_-]{20}")


def is_sid_shaped(room: str) -> bool:
    """True when ``room`` could be a client's sid, on this node or any other.

    Client-given room names and sid rooms share python-socketio's room name
    space. Checking "is this a sid here?" only knows this node's clients: with
    a Redis queue a client on node 2 could join (and write into) the private
    room of a node-1 client. Every sid-shaped name is therefore reserved, so
    the two name spaces cannot meet on any node.
    """
    return _SID_SHAPE.fullmatch(room) is not None


def check_plain_json(args: tuple[Any, ...], max_depth: int) -> Rejection | None:
    """None when every argument is plain JSON: finite numbers, no binary, nesting <= ``max_depth``.

    Iterative, so no payload can make it recurse; it stops at the first offence.
    """
    stack: list[tuple[Any, int]] = [(arg, 1) for arg in args]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, float):
            if not math.isfinite(value):
                return Rejection(BAD_PAYLOAD, f"numbers must be finite, got {value!r}")
        elif isinstance(value, (dict, list)):
            if depth > max_depth:
                return Rejection(BAD_PAYLOAD, f"nested deeper than {max_depth} levels")
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
        elif isinstance(value, (bytes, bytearray)):
            return Rejection(BAD_PAYLOAD, "binary data is not part of this protocol")
    return None


def check_room(room: Any, limits: Limits) -> Rejection | None:
    """None when ``room`` is an acceptable room name."""
    if room is None:
        return Rejection(BAD_ROOM, "missing 'room'")
    if not isinstance(room, str):
        return Rejection(BAD_ROOM, f"'room' must be a string, got {_json_type(room)}")
    if not room:
        return Rejection(BAD_ROOM, "'room' must not be empty")
    if len(room) > limits.max_room_chars:
        return Rejection(
            BAD_ROOM, f"room name has {len(room)} characters, limit {limits.max_room_chars}"
        )
    if is_sid_shaped(room):
        return Rejection(
            BAD_ROOM, "room names of 20 characters A-Z a-z 0-9 _ - are reserved for client sids"
        )
    return None


def check_size(payload: Any, limits: Limits) -> Rejection | None:
    """None when the compact JSON encoding of ``payload`` fits ``max_message_bytes``.

    The encoding is the one python-socketio puts on the wire (ASCII-escaped,
    no spaces), so its length in characters is its length in bytes.
    """
    try:
        size_bytes = len(json.dumps(payload, separators=(",", ":")))
    except (TypeError, ValueError) as exc:
        return Rejection(BAD_PAYLOAD, f"payload is not JSON-encodable: {exc}")
    if size_bytes > limits.max_message_bytes:
        return Rejection(
            TOO_LARGE, f"payload is {size_bytes} bytes of JSON, limit {limits.max_message_bytes}"
        )
    return None


def parse_room_field(args: tuple[Any, ...], limits: Limits) -> str | Rejection:
    """The ``room`` of a ``{"room": str}`` payload (``leave``, ``members``)."""
    payload = json_object(args)
    if isinstance(payload, Rejection):
        return payload
    room = payload.get("room")
    rejection = check_room(room, limits)
    return rejection if rejection is not None else str(room)


def parse_join(args: tuple[Any, ...], limits: Limits) -> list[str] | Rejection:
    """The rooms a ``join`` asks for, duplicates removed, in the order given."""
    payload = json_object(args)
    if isinstance(payload, Rejection):
        return payload
    if ("room" in payload) == ("rooms" in payload):
        return Rejection(BAD_PAYLOAD, "join takes {'room': str} or {'rooms': [str, ...]}")
    if "room" in payload:
        room = payload["room"]
        return check_room(room, limits) or [str(room)]  # check_room passed: a str
    rooms = payload["rooms"]
    if not isinstance(rooms, list) or not rooms:
        return Rejection(BAD_ROOM, "'rooms' must be a non-empty list of room names")
    if len(rooms) > limits.max_rooms_per_client:
        return Rejection(
            TOO_MANY_ROOMS,
            f"{len(rooms)} rooms asked, a client may be in {limits.max_rooms_per_client}",
        )
    for room in rooms:
        rejection = check_room(room, limits)
        if rejection is not None:
            return rejection
    return list(dict.fromkeys(rooms))


def check_room_budget(current: int, adding: int, limits: Limits) -> Rejection | None:
    """None when a client in ``current`` rooms may join ``adding`` more."""
    if current + adding > limits.max_rooms_per_client:
        return Rejection(
            TOO_MANY_ROOMS,
            f"client is in {current} rooms, joining {adding} more exceeds "
            f"{limits.max_rooms_per_client}",
        )
    return None


def parse_room_message(
    args: tuple[Any, ...], limits: Limits
) -> tuple[str, dict[str, object]] | Rejection:
    """``(room, payload)`` of a ``room_message``; the payload is passed on unchanged."""
    payload = json_object(args)
    if isinstance(payload, Rejection):
        return payload
    room = payload.get("room")
    rejection = check_room(room, limits) or check_size(payload, limits)
    if rejection is not None:
        return rejection
    return str(room), payload


def parse_broadcast(args: tuple[Any, ...], limits: Limits) -> dict[str, object] | Rejection:
    """The JSON object to send to every client."""
    payload = json_object(args)
    if isinstance(payload, Rejection):
        return payload
    return check_size(payload, limits) or payload


def parse_message(args: tuple[Any, ...], limits: Limits) -> str | Rejection:
    """The text of a ``message`` event."""
    text = single_payload(args)
    if isinstance(text, Rejection):
        return text
    if not isinstance(text, str):
        return Rejection(BAD_PAYLOAD, f"message must be a string, got {_json_type(text)}")
    return check_size(text, limits) or text


def unknown_event(event: Any) -> Rejection:
    """The rejection of an event no handler is registered for."""
    name = event if isinstance(event, str) else repr(event)
    return Rejection(UNKNOWN_EVENT, f"no such event: {name[:64]!r}")


_JSON_TYPES = {
    type(None): "null",
    bool: "boolean",
    int: "number",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    bytes: "binary",
}


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)
