"""Names on the wire: events, error codes and reply shapes (README.md's protocol table).

Kept in one place so the handlers, the fault injector (which targets
``room_message`` only) and the ack layer (which turns an error reply into an
``error`` event when no ack was asked) agree on spelling.
"""

from __future__ import annotations

from target_app.replies import ErrorReply

NAMESPACE = "/"

# client -> server
JOIN = "join"
LEAVE = "leave"
ROOM_MESSAGE = "room_message"
BROADCAST = "broadcast"
MESSAGE = "message"
MEMBERS = "members"

# server -> client (ROOM_MESSAGE, BROADCAST and MESSAGE are echoed under their own names)
WELCOME = "welcome"
STATUS = "status"
ERROR = "error"

# error codes
BAD_PAYLOAD = "bad_payload"
BAD_ROOM = "bad_room"
TOO_MANY_ROOMS = "too_many_rooms"
TOO_LARGE = "too_large"
NOT_A_MEMBER = "not_a_member"
UNKNOWN_EVENT = "unknown_event"
# Not in README.md's list: a handler raised (a server bug). Counted and replied
# to like any error so that a bug shows in /stats instead of a silent no-ack.
INTERNAL_ERROR = "internal_error"

ERROR_CODES = (
    BAD_PAYLOAD,
    BAD_ROOM,
    TOO_MANY_ROOMS,
    TOO_LARGE,
    NOT_A_MEMBER,
    UNKNOWN_EVENT,
    INTERNAL_ERROR,
)

# Kinds of protocol error (``/stats`` ``protocol_errors``): traffic refused
# below the event handlers, by the transport guard or the packet guard.
BAD_FRAME = "bad_frame"  # a websocket message that is no Engine.IO packet: session closed
FRAME_TOO_LARGE = "frame_too_large"  # a message (all its fragments) over the cap: closed
BAD_PACKET = "bad_packet"  # a Socket.IO packet that does not decode (header, ack id, JSON)
TOO_DEEP = "too_deep"  # JSON nested past what the decoder parses at all
BAD_EVENT = "bad_event"  # an EVENT that is not [name, args...] with a string name
RESERVED_EVENT = "reserved_event"  # connect, disconnect, internal or _-prefixed names
BINARY = "binary"  # binary events, binary acks and attachments: not in this protocol
BAD_POLL = "bad_poll"  # a long-polling request refused (length, encoding, packet): session closed
BAD_HTTP = "bad_http"  # an HTTP request the web server could not read (headers, timeout)
PROTOCOL_ERROR_KINDS = (
    BAD_FRAME,
    FRAME_TOO_LARGE,
    BAD_PACKET,
    TOO_DEEP,
    BAD_EVENT,
    RESERVED_EVENT,
    BINARY,
    BAD_POLL,
    BAD_HTTP,
)


def error_reply(code: str, detail: str) -> ErrorReply:
    """The body of an error ack (or ``error`` event): ``{"ok": false, "error", "detail"}``."""
    return {"ok": False, "error": code, "detail": detail}


def is_error_reply(reply: object) -> bool:
    """True for a body made by :func:`error_reply`."""
    return isinstance(reply, dict) and reply.get("ok") is False and "error" in reply
