"""A raw websocket Socket.IO client for hostile-client tests: any frame, byte for byte.

``RawClient`` does the HTTP upgrade and the Engine.IO/Socket.IO handshake by
hand and then sends whatever a test asks for (text, binary, fragments, bad
opcodes, half a frame), so the tests reproduce each defect the way an
attacker would, not through a well-behaved client library. Reads are bounded
by a deadline; every wait fails with what was received so far.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from typing import Any

TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA
WAIT_S = 5.0


class Closed(Exception):
    """The server closed the connection (close frame or EOF)."""


def encode_frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """A masked client frame."""
    header = bytes([(0x80 if fin else 0) | opcode])
    length = len(payload)
    if length < 126:
        header += bytes([0x80 | length])
    elif length < 1 << 16:
        header += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", length)
    mask = os.urandom(4)
    pad = (mask * (length // 4 + 1))[:length]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(pad, "big")).to_bytes(length, "big")
    return header + mask + (masked if length else b"")


class RawClient:
    """One websocket to ``127.0.0.1:port``; ``connect()`` completes the Socket.IO handshake."""

    def __init__(self, port: int, rcvbuf_bytes: int | None = None) -> None:
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf_bytes is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf_bytes)
        self.sock.settimeout(WAIT_S)
        self.buffer = b""
        self.transcript = bytearray()  # every byte received after the upgrade response
        self._upgraded = False
        self.sid: str | None = None
        self.received: list[str | bytes] = []  # every data message, in order
        self._unread: list[str | bytes] = []  # received, not yet returned by next_message

    def upgrade(self) -> RawClient:
        """TCP connect and websocket upgrade; returns once the 101 response is read."""
        self.sock.connect(("127.0.0.1", self.port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{self.port}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        while b"\r\n\r\n" not in self.buffer:
            self._fill(time.monotonic() + WAIT_S)
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        self.transcript += self.buffer
        self._upgraded = True
        if not head.startswith(b"HTTP/1.1 101"):
            raise AssertionError(f"upgrade refused: {head[:200]!r}")
        return self

    def connect(self) -> RawClient:
        """Upgrade, read Engine.IO OPEN, connect namespace ``/`` and read ``welcome``."""
        self.upgrade()
        assert self.next_message().startswith("0{")
        self.send_text("40")
        assert str(self.next_message()).startswith("40")
        welcome = self.wait_event("welcome")
        self.sid = welcome[1]["sid"]
        return self

    # -- sending -------------------------------------------------------------

    def send_text(self, text: str) -> None:
        self.sock.sendall(encode_frame(TEXT, text.encode()))

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        self.sock.sendall(encode_frame(opcode, payload, fin))

    def emit(self, event: str, *args: Any, ack_id: int | None = None) -> None:
        ack = "" if ack_id is None else str(ack_id)
        self.send_text(f"42{ack}" + json.dumps([event, *args], separators=(",", ":")))

    def call(self, event: str, *args: Any, ack_id: int = 1) -> Any:
        """Emit with an ack id and return the ack's single value."""
        self.emit(event, *args, ack_id=ack_id)
        prefix = f"43{ack_id}"
        message = self.next_message(lambda m: isinstance(m, str) and m.startswith(prefix + "["))
        return json.loads(str(message)[len(prefix) :])[0]

    # -- receiving -----------------------------------------------------------

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"nothing more within the deadline; got {self.received[-5:]}")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError) as exc:
            raise Closed(str(exc)) from exc
        except TimeoutError as exc:
            raise TimeoutError(
                f"nothing more within the deadline; got {self.received[-5:]}"
            ) from exc
        if not chunk:
            raise Closed("EOF")
        self.buffer += chunk
        if self._upgraded:
            self.transcript += chunk

    def _frame(self, deadline: float) -> tuple[int, bytes]:
        while True:
            if len(self.buffer) >= 2:
                length, start = self.buffer[1] & 0x7F, 2
                if length == 126:
                    start = 4
                elif length == 127:
                    start = 10
                if len(self.buffer) >= start and start > 2:
                    fmt = "!H" if start == 4 else "!Q"
                    length = struct.unpack(fmt, self.buffer[2:start])[0]
                if len(self.buffer) >= start and len(self.buffer) >= start + length:
                    opcode = self.buffer[0] & 0x0F
                    payload = self.buffer[start : start + length]
                    self.buffer = self.buffer[start + length :]
                    return opcode, payload
            self._fill(deadline)

    def next_message(self, wanted: Any = None, timeout_s: float = WAIT_S) -> str | bytes:
        """The next data message (matching ``wanted``); answers pings; Closed on close.

        Messages skipped while waiting for another stay unread, in order, for
        a later call (an echo may arrive before the ack that was waited for).
        """
        for index, message in enumerate(self._unread):
            if wanted is None or wanted(message):
                return self._unread.pop(index)
        deadline = time.monotonic() + timeout_s
        while True:
            opcode, payload = self._frame(deadline)
            if opcode == CLOSE:
                raise Closed(f"close frame {payload[:2].hex()} {payload[2:]!r}")
            if opcode not in (TEXT, BINARY):
                continue
            message: str | bytes = payload.decode() if opcode == TEXT else payload
            self.received.append(message)
            if message == "2":
                self.send_text("3")
                continue
            if wanted is None or wanted(message):
                return message
            self._unread.append(message)

    def wait_event(self, name: str, timeout_s: float = WAIT_S) -> list[Any]:
        """The next ``42[name, ...]`` event's array."""
        prefix = f'42["{name}"'
        message = self.next_message(
            lambda m: isinstance(m, str) and m.startswith(prefix), timeout_s
        )
        return list(json.loads(str(message)[2:]))

    def wait_closed(self, timeout_s: float = WAIT_S) -> str:
        """Read until the server closes; returns how (fails if it stays open)."""
        try:
            while True:
                self.next_message(timeout_s=timeout_s)
        except Closed as closed:
            return str(closed)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
