"""WebSocket close frames (RFC 6455 5.5.1, 7.4): close codes, their payload, and
``ProtocolError``, which ends a connection with one of them.

Validation follows wsproto's rules, so a server's bad close frame is named as
such instead of being echoed back blindly.
"""

from __future__ import annotations

import struct
from enum import IntEnum

MAX_CONTROL_BYTES = 125  # RFC 6455 5.5: a control frame's payload, close frames included


class CloseCode(IntEnum):
    """RFC 6455 7.4.1 close status codes (and 1012-1014 from the IANA registry)."""

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    NO_STATUS_RCVD = 1005  # local only: a close frame without a code
    ABNORMAL_CLOSURE = 1006  # local only
    INVALID_FRAME_PAYLOAD_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXT = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE_FAILED = 1015  # local only


_CLOSE_CODES = frozenset(int(code) for code in CloseCode)
_LOCAL_ONLY_CODES = frozenset((1005, 1006, 1015))


class ProtocolError(Exception):
    """The peer broke the WebSocket protocol; ``close_code`` is the code to close with."""

    def __init__(self, message: str, close_code: int = CloseCode.PROTOCOL_ERROR) -> None:
        super().__init__(message)
        self.close_code = close_code


def encode_close(code: int = CloseCode.NORMAL_CLOSURE, reason: str = "") -> bytes:
    """A close frame's payload: the code, then a UTF-8 reason cut to fit 125 bytes."""
    raw = reason.encode("utf-8")[: MAX_CONTROL_BYTES - 2]
    return struct.pack("!H", code) + raw.decode("utf-8", "ignore").encode("utf-8")


def decode_close(payload: bytes) -> tuple[int, str]:
    """A close frame's ``(code, reason)``; ``(1005, "")`` when it has no code. Validated as RFC 6455
    7.4 says (wsproto's rules): no 1-byte payload, codes 1000-4999 only, no reserved or local-only
    code, a UTF-8 reason."""
    if not payload:
        return CloseCode.NO_STATUS_RCVD, ""
    if len(payload) == 1:
        raise ProtocolError("close frame with a 1-byte payload: a code takes 2 bytes")
    code = (payload[0] << 8) | payload[1]
    if not 1000 <= code <= 4999:
        raise ProtocolError(f"close frame with code {code}: valid codes are 1000-4999")
    if code in _LOCAL_ONLY_CODES:
        raise ProtocolError(f"close frame with code {code}: it may not be sent, only reported")
    if code < 3000 and code not in _CLOSE_CODES:
        raise ProtocolError(f"close frame with code {code}: reserved, no meaning is defined")
    try:
        reason = payload[2:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            f"close frame reason is not UTF-8: {exc}", CloseCode.INVALID_FRAME_PAYLOAD_DATA
        ) from exc
    return code, reason


def describe_close(code: int, reason: str) -> str:
    """``1001 GOING_AWAY 'shutting down'`` for messages."""
    name = CloseCode(code).name if code in _CLOSE_CODES else "application code"
    return f"{code} {name}" + (f" {reason!r}" if reason else "")
