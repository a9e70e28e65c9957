"""WebSocket framing (RFC 6455), pure: the upgrade, client frames out, server frames in.

The lean client reads large chunks and parses every complete frame in one
call (``FrameParser.feed``), so one ``recv`` of many frames costs one Python
call, not one per frame. Client frames are masked as the RFC requires; the
XOR runs on whole integers (C speed), not byte by byte.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class ProtocolError(Exception):
    """The peer broke the WebSocket protocol (bad handshake, bad frame)."""


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
    """Incremental parser of server frames; reassembles fragmented messages.

    ``feed(chunk)`` returns the list of complete ``(opcode, payload)`` messages
    (text/binary after reassembly, control frames as they come), keeping any
    incomplete tail for the next call.
    """

    __slots__ = ("_buf", "_fragments", "_fragment_opcode")

    def __init__(self) -> None:
        self._buf = b""
        self._fragments: list[bytes] = []
        self._fragment_opcode = 0

    def feed(self, chunk: bytes) -> list[tuple[int, bytes]]:
        buf = self._buf + chunk if self._buf else chunk
        out: list[tuple[int, bytes]] = []
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            b0 = buf[pos]
            b1 = buf[pos + 1]
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = struct.unpack_from("!Q", buf, pos + 2)[0]
                head = 10
                if length > MAX_MESSAGE_BYTES:
                    raise ProtocolError(f"frame of {length} bytes exceeds {MAX_MESSAGE_BYTES}")
            masked = b1 & 0x80
            if masked:
                head += 4
            end = pos + head + length
            if end > size:
                break
            payload = buf[pos + head : end]
            if masked:
                payload = mask_bytes(payload, buf[pos + head - 4 : pos + head])
            pos = end
            opcode = b0 & 0x0F
            if b0 & 0x80:  # FIN
                if opcode == OP_CONTINUATION:
                    if not self._fragments:
                        raise ProtocolError("continuation frame without a first fragment")
                    self._fragments.append(payload)
                    out.append((self._fragment_opcode, b"".join(self._fragments)))
                    self._fragments = []
                else:
                    out.append((opcode, payload))
            elif opcode >= OP_CLOSE:
                raise ProtocolError("fragmented control frame")
            else:
                if opcode != OP_CONTINUATION:
                    self._fragment_opcode = opcode
                    self._fragments = []
                self._fragments.append(payload)
        self._buf = buf[pos:]
        return out
