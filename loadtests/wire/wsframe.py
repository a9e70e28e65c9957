"""WebSocket framing (RFC 6455), pure: the upgrade, client frames out, server frames in.

The lean client reads large chunks and parses every complete frame in one
call (``FrameParser.feed``), so one ``recv`` of many frames costs one Python
call, not one per frame. Client frames are masked as the RFC requires; the
XOR runs on whole integers (C speed), not byte by byte.

Strict as python-hyper/wsproto, so a foreign server's mistake is an error
naming it, never a misparse: reserved bits (no extension is negotiated),
unknown opcodes, masked server frames, fragmented or over-long control
frames, non-minimal lengths, stray or missing continuations, invalid close
payloads, and messages above ``max_message_bytes`` are all ``ProtocolError``.
The price on the hot path is nil: the common frame (final text, no reserved
bits, unmasked, length under 64 KiB) is recognised by two integer tests on its
first two bytes; every other frame goes through the full checks.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from enum import IntEnum

from loadtests.wire.wsclose import MAX_CONTROL_BYTES, decode_close
from loadtests.wire.wsclose import CloseCode as CloseCode
from loadtests.wire.wsclose import ProtocolError as ProtocolError


class Opcode(IntEnum):
    """RFC 6455 5.2 frame opcodes; the parser returns them as plain ints (equal to these)."""

    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


OP_CONTINUATION = Opcode.CONTINUATION
OP_TEXT = Opcode.TEXT
OP_BINARY = Opcode.BINARY
OP_CLOSE = Opcode.CLOSE
OP_PING = Opcode.PING
OP_PONG = Opcode.PONG
_OPCODES = frozenset(int(op) for op in Opcode)
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_FAST_B0 = 0x80 | Opcode.TEXT  # FIN, no reserved bits, text
_FRAGMENTING = -1  # a first byte no frame has: while a message is in pieces, no fast path

MAX_MESSAGE_BYTES = 1024 * 1024
"""Default cap on one received message, a frame or a reassembled fragmented one.

1 MiB: 16x the reference server's 64 KiB message limit and just above
Engine.IO's default ``maxPayload`` (1,000,000 bytes in python-engineio and Node
socket.io), so no well-behaved server reaches it, while a broken or hostile one
cannot make a generator buffer without bound. A frame announcing more is refused
from its header, before its payload is read. Pass ``max_message_bytes`` to
``FrameParser`` (or ``SioClient``) to change it.
"""


def handshake_request(host: str, port: int, path: str, key: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode("ascii")


def new_key() -> str:
    return base64.b64encode(os.urandom(16)).decode("ascii")


def accept_for(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest()).decode("ascii")


def check_handshake_response(head: bytes, key: str) -> None:
    """Raise ProtocolError unless ``head`` (up to the blank line) accepts the upgrade."""
    lines = head.decode("latin-1").split("\r\n")
    if not lines or " 101 " not in lines[0] + " ":
        raise ProtocolError(f"websocket upgrade refused: {lines[0] if lines else '(no response)'}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("sec-websocket-accept") != accept_for(key):
        raise ProtocolError("websocket upgrade: wrong Sec-WebSocket-Accept")


def mask_bytes(payload: bytes, mask: bytes) -> bytes:
    n = len(payload)
    if not n:
        return b""
    repeated = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(repeated, "little")).to_bytes(
        n, "little"
    )


def encode_frame(payload: bytes, opcode: int = OP_TEXT, mask: bytes | None = None) -> bytes:
    """One final, masked client frame."""
    if mask is None:
        mask = os.urandom(4)
    n = len(payload)
    first = 0x80 | opcode
    if n < 126:
        header = struct.pack("!BB", first, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", first, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, n)
    return header + mask + mask_bytes(payload, mask)


class FrameParser:
    """Incremental, strict parser of a peer's frames; reassembles fragmented messages.

    ``feed(chunk)`` returns the list of complete ``(opcode, payload)`` messages
    (text/binary after reassembly, control frames as they come; ``opcode`` a
    plain int), keeping any incomplete tail for the next call, and raises
    ``ProtocolError`` naming the first violation. After a close frame the rest
    of the stream is ignored, as RFC 6455 5.5.1 says.

    ``client=True`` (the default): we are the client, frames come from a server
    and must not be masked. ``client=False`` reads a client's masked frames (for
    tests playing the server). ``max_message_bytes`` caps a message, see
    ``MAX_MESSAGE_BYTES``.
    """

    __slots__ = (
        "_buf",
        "_fragments",
        "_fragment_opcode",
        "_fragment_bytes",
        "_fast_b0",
        "_fast_b1_max",
        "_mask_bit",
        "_closed",
        "max_message_bytes",
    )

    def __init__(self, max_message_bytes: int = MAX_MESSAGE_BYTES, *, client: bool = True) -> None:
        if max_message_bytes < MAX_CONTROL_BYTES:
            raise ValueError(f"max_message_bytes={max_message_bytes}: must be at least 125")
        self.max_message_bytes = max_message_bytes
        self._buf = b""
        self._fragments: list[bytes] = []
        self._fragment_opcode = 0
        self._fragment_bytes = 0
        self._fast_b0 = _FAST_B0
        # Second bytes taken by the fast path: unmasked, 7-bit or 16-bit length.
        # A server (client=False) reads masked frames only: never the fast path.
        self._fast_b1_max = 126 if client else -1
        self._mask_bit = 0 if client else 0x80
        self._closed = False

    @property
    def pending(self) -> bool:
        """Bytes of a frame not yet complete are buffered (the last read ended inside one)."""
        return bool(self._buf)

    def feed(self, chunk: bytes) -> list[tuple[int, bytes]]:
        if self._closed:
            return []
        buf = self._buf + chunk if self._buf else chunk
        out: list[tuple[int, bytes]] = []
        pos = 0
        size = len(buf)
        fast_b0 = self._fast_b0
        fast_b1_max = self._fast_b1_max
        cap = self.max_message_bytes
        while size - pos >= 2:
            b0 = buf[pos]
            b1 = buf[pos + 1]
            if b0 == fast_b0 and b1 <= fast_b1_max:
                # Final text frame, no reserved bits, unmasked: all a server sends us
                # in a run, so these two tests are the whole per-frame validation.
                if b1 < 126:
                    start = pos + 2
                    end = start + b1
                elif size - pos < 4:
                    break
                else:
                    length = (buf[pos + 2] << 8) | buf[pos + 3]
                    if length < 126 or length > cap:
                        raise _length_error(length, 2, cap)
                    start = pos + 4
                    end = start + length
                if end > size:
                    break
                out.append((1, buf[start:end]))
                pos = end
            else:
                end = self._frame(buf, pos, size, out)
                if end < 0:
                    break
                if self._closed:
                    self._buf = b""
                    return out
                pos = end
                fast_b0 = self._fast_b0
        self._buf = buf[pos:]
        return out

    def _frame(self, buf: bytes, pos: int, size: int, out: list[tuple[int, bytes]]) -> int:
        """Check and take the frame at ``pos`` (appending a message to ``out`` if one completes);
        return where the next frame starts, or -1 if the frame is not all in ``buf`` yet."""
        b0 = buf[pos]
        b1 = buf[pos + 1]
        if b0 & 0x70:
            bits = "/".join(f"RSV{i}" for i, bit in ((1, 0x40), (2, 0x20), (3, 0x10)) if b0 & bit)
            raise ProtocolError(
                f"frame with reserved bit {bits} set: no extension was negotiated, so the server"
                " must not use them (RSV1 is permessage-deflate: is it compressing regardless?)"
            )
        opcode = b0 & 0x0F
        if opcode not in _OPCODES:
            raise ProtocolError(f"frame with unknown opcode {opcode:#x} (RFC 6455 5.2 reserves it)")
        control = opcode >= Opcode.CLOSE
        length = b1 & 0x7F
        if control:
            if not b0 & 0x80:
                raise ProtocolError(f"fragmented control frame ({Opcode(opcode).name} without FIN)")
            if length > MAX_CONTROL_BYTES:
                raise ProtocolError(
                    f"{Opcode(opcode).name} frame of {'over 125' if length > 125 else length}"
                    " bytes: control frames carry at most 125"
                )
        head = 2
        if length == 126:
            if size - pos < 4:
                return -1
            length = (buf[pos + 2] << 8) | buf[pos + 3]
            head = 4
            if length < 126:
                raise _length_error(length, 2, self.max_message_bytes)
        elif length == 127:
            if size - pos < 10:
                return -1
            length = struct.unpack_from("!Q", buf, pos + 2)[0]
            head = 10
            if length < 65536 or length >> 63:
                raise _length_error(length, 8, self.max_message_bytes)
        masked = b1 & 0x80
        if masked != self._mask_bit:
            raise ProtocolError(
                "masked frame from the server: RFC 6455 5.1 forbids a server to mask"
                if masked
                else "unmasked frame from a client: RFC 6455 5.1 requires a client to mask"
            )
        if not control and self._fragment_bytes + length > self.max_message_bytes:
            raise _too_big(self._fragment_bytes + length, self.max_message_bytes)
        if masked:
            head += 4
        end = pos + head + length
        if end > size:
            return -1
        payload = buf[pos + head : end]
        if masked:
            payload = mask_bytes(payload, buf[pos + head - 4 : pos + head])
        if control:
            if opcode == Opcode.CLOSE:
                decode_close(payload)  # validate: a bad close frame is a protocol error too
                self._closed = True
            out.append((opcode, payload))
        elif opcode == Opcode.CONTINUATION:
            if not self._fragments:
                raise ProtocolError("continuation frame without a first fragment")
            self._fragments.append(payload)
            self._fragment_bytes += length
            if b0 & 0x80:
                out.append((self._fragment_opcode, b"".join(self._fragments)))
                self._fragments = []
                self._fragment_bytes = 0
                self._fast_b0 = _FAST_B0
        elif self._fragments:
            raise ProtocolError(
                f"{Opcode(opcode).name} frame inside a fragmented"
                f" {Opcode(self._fragment_opcode).name} message: expected a continuation frame"
            )
        elif b0 & 0x80:
            out.append((opcode, payload))
        else:
            self._fragment_opcode = opcode
            self._fragments = [payload]
            self._fragment_bytes = length
            self._fast_b0 = _FRAGMENTING
        return end


def _length_error(length: int, length_bytes: int, cap: int) -> ProtocolError:
    if length > cap and length < (1 << 63):
        return _too_big(length, cap)
    if length >> 63:
        return ProtocolError("frame with an 8-byte length whose top bit is set (RFC 6455 5.2)")
    return ProtocolError(
        f"frame length {length} encoded in {length_bytes} extra bytes: RFC 6455 5.2 requires the"
        " shortest encoding"
    )


def _too_big(length: int, cap: int) -> ProtocolError:
    return ProtocolError(
        f"message of {length} bytes exceeds max_message_bytes={cap}: raise the cap if the server"
        " really sends messages this large",
        CloseCode.MESSAGE_TOO_BIG,
    )
