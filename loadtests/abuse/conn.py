"""One abusive client's socket: a bounded Socket.IO handshake, then whatever its kind does.

Every wait has a deadline (``HANDSHAKE_S``) and every read a size, so a server
that stalls costs the abuse process time it has budgeted, never a hang. The
socket goes to ``127.0.0.1`` only. ``Tally`` is what the process reports: the
only figures it keeps are counts, so they add up exactly.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field

from loadtests.abuse import frames
from loadtests.model.results import AbuseTally
from loadtests.wire.wsclose import ProtocolError
from loadtests.wire.wsframe import OP_CLOSE, OP_PING, OP_PONG, FrameParser, check_handshake_response

HOST = "127.0.0.1"
HANDSHAKE_S = 5.0
READ_BYTES = 65536
MAX_HEAD_BYTES = 16384


@dataclass
class Tally:
    """What the abuse process did (the results' ``abuse`` section, with its ``kind``)."""

    connections_opened: int = 0  # TCP connects that succeeded
    handshakes: int = 0  # Socket.IO sessions completed (namespace connected)
    connect_failures: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    frames_sent: int = 0
    closed_by_server: int = 0  # close frame, EOF or reset seen by an abusive client
    errors: int = 0  # socket errors other than the server closing
    sends_stalled: int = 0  # clients whose send the server stopped taking (slow_consumer)
    storms: int = 0  # connection_churn: storms completed
    reconnects: int = 0  # bad_input, upload_flood: new sessions after the server closed one
    requests_unanswered: int = 0  # polling_abuse: HTTP requests with no answer in time
    by_variant: dict[str, int] = field(default_factory=dict)  # bad_input: frames of each
    last_error: str = ""

    def error(self, exc: BaseException) -> None:
        self.errors += 1
        self.last_error = f"{type(exc).__name__}: {exc}"[:300]

    def to_dict(self) -> AbuseTally:
        return {
            "connections_opened": self.connections_opened,
            "handshakes": self.handshakes,
            "connect_failures": self.connect_failures,
            "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received,
            "frames_sent": self.frames_sent,
            "closed_by_server": self.closed_by_server,
            "errors": self.errors,
            "sends_stalled": self.sends_stalled,
            "storms": self.storms,
            "reconnects": self.reconnects,
            "requests_unanswered": self.requests_unanswered,
            "by_variant": dict(self.by_variant),
            "last_error": self.last_error,
        }


class ServerClosed(Exception):
    """The server closed (close frame, EOF or reset)."""


# What a client's attempt may end in, short of a bug: counted, never raised out of a kind.
FAILURES = (OSError, ServerClosed, ProtocolError)


class AbuseConn:
    """A client socket to ``127.0.0.1:port``; ``rcvbuf_bytes`` set before connecting."""

    def __init__(self, port: int, tally: Tally, rcvbuf_bytes: int | None = None) -> None:
        self.port = port
        self.tally = tally
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf_bytes is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf_bytes)
        self.parser = FrameParser(max_message_bytes=4 * 1024 * 1024)
        self.closed = False
        self._pending: list[tuple[int, bytes]] = []  # read during the upgrade, not yet seen

    def open_tcp(self, timeout_s: float = HANDSHAKE_S) -> AbuseConn:
        self.sock.settimeout(timeout_s)
        self.sock.connect((HOST, self.port))
        self.tally.connections_opened += 1
        return self

    def send(self, data: bytes) -> None:
        """Send all of ``data`` (blocking up to the socket timeout)."""
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as exc:
            self.closed = True
            self.tally.closed_by_server += 1
            raise ServerClosed(str(exc)) from exc
        self.tally.bytes_sent += len(data)
        self.tally.frames_sent += 1

    def _read(self, deadline: float) -> bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no answer within the deadline")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(READ_BYTES)
        except ConnectionResetError as exc:
            raise self._server_closed(str(exc)) from exc
        if not chunk:
            raise self._server_closed("EOF")
        self.tally.bytes_received += len(chunk)
        return chunk

    def _server_closed(self, how: str) -> ServerClosed:
        if not self.closed:
            self.closed = True
            self.tally.closed_by_server += 1
        return ServerClosed(how)

    def expect_upgrade(self, key: str, timeout_s: float = HANDSHAKE_S) -> None:
        """Read the upgrade response (bounded); what follows it goes to the frame parser."""
        deadline = time.monotonic() + timeout_s
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            if len(buffer) > MAX_HEAD_BYTES:
                raise ProtocolError("upgrade response headers over 16 KiB")
            buffer += self._read(deadline)
        head, rest = buffer.split(b"\r\n\r\n", 1)
        check_handshake_response(head, key)
        self._pending = self._answer(self.parser.feed(rest)) if rest else []

    def expect_text(self, prefix: str, timeout_s: float = HANDSHAKE_S) -> None:
        """Read until a text message starting with ``prefix``; pings answered on the way."""
        deadline = time.monotonic() + timeout_s
        pending, self._pending = self._pending, []
        while True:
            for opcode, payload in pending:
                if opcode == OP_CLOSE:
                    raise self._server_closed("close frame")
                if payload.startswith(prefix.encode()):
                    return
            pending = self._answer(self.parser.feed(self._read(deadline)))

    def handshake(self, timeout_s: float = HANDSHAKE_S) -> AbuseConn:
        """TCP connect, websocket upgrade, Engine.IO OPEN, namespace CONNECT (bounded)."""
        deadline = time.monotonic() + timeout_s
        self.open_tcp(timeout_s)
        request, key = frames.upgrade_request(self.port)
        self.send(request)
        self.expect_upgrade(key, deadline - time.monotonic())
        self.expect_text("0", deadline - time.monotonic())
        self.send(frames.CONNECT_NAMESPACE)
        self.expect_text("40", deadline - time.monotonic())
        self.tally.handshakes += 1
        return self

    def _answer(self, messages: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
        for opcode, payload in messages:
            if opcode == OP_PING:
                self.send(frames.encode_control(OP_PONG, payload))
            elif payload == b"2":  # Engine.IO ping: answer, or the server drops us
                self.send(frames.PONG)
        return messages

    def drain(self) -> None:
        """Read whatever has arrived, without waiting; answer pings. ServerClosed on close."""
        if self.closed:
            raise ServerClosed("already closed")
        self.sock.setblocking(False)
        try:
            for _ in range(64):  # bounded: at most 4 MiB a call
                try:
                    chunk = self.sock.recv(READ_BYTES)
                except BlockingIOError:
                    return
                except ConnectionResetError as exc:
                    raise self._server_closed(str(exc)) from exc
                if not chunk:
                    raise self._server_closed("EOF")
                self.tally.bytes_received += len(chunk)
                try:
                    messages = self.parser.feed(chunk)
                except ProtocolError as exc:
                    raise self._server_closed(f"bad frame from the server: {exc}") from exc
                if any(opcode == OP_CLOSE for opcode, _ in messages):
                    raise self._server_closed("close frame")
                self._answer(messages)
        finally:
            if not self.closed:
                self.sock.settimeout(HANDSHAKE_S)

    def reset(self) -> None:
        """Close abruptly: SO_LINGER 0 makes the kernel send RST, no close handshake."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def close(self) -> None:
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass
