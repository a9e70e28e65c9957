"""A raw Engine.IO long-polling client for hostile-client tests: any request, byte for byte.

Each request is one HTTP/1.1 exchange on its own TCP connection (``Connection:
close``), so a request the server never answers shows up as a timeout here,
and one it refuses by closing shows up as ``CLOSED``.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass

POLL_PATH = "/socket.io/?EIO=4&transport=polling"
WAIT_S = 5.0
CLOSED = -1  # the server closed the connection without a status line


@dataclass(frozen=True)
class Answer:
    status: int  # HTTP status, or CLOSED
    body: bytes


def request(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    content_length: str | None = "auto",
    timeout_s: float = WAIT_S,
) -> Answer:
    """Send one request (``content_length`` None: no header; "auto": ``len(body)``)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
    if content_length == "auto":
        content_length = str(len(body))
    if content_length is not None:
        head += f"Content-Length: {content_length}\r\n"
    if body:
        head += "Content-Type: text/plain;charset=UTF-8\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        try:
            sock.sendall(head.encode() + b"\r\n" + body)
        except OSError:
            pass  # refused mid-body: read what the server said
        return read_answer(sock)


def read_answer(sock: socket.socket) -> Answer:
    """The status and body of one response on ``sock`` (the server closes after it)."""
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    if not data.startswith(b"HTTP/1."):
        return Answer(CLOSED, data)
    head, _, payload = data.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        payload = dechunk(payload)
    return Answer(int(head.split(b" ", 2)[1]), payload)


def dechunk(data: bytes) -> bytes:
    """The body of a chunked transfer encoding (as far as it was received)."""
    body = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        body += rest[:size]
        data = rest[size + 2 :]
    return body


class PollingSession:
    """An Engine.IO session over long-polling, connected to namespace ``/``."""

    def __init__(self, port: int) -> None:
        self.port = port
        opened = request(port, "GET", POLL_PATH)
        assert opened.status == 200, opened
        self.sid = json.loads(opened.body.split(b"\x1e")[0][1:])["sid"]
        self.path = f"{POLL_PATH}&sid={self.sid}"

    def connect(self) -> PollingSession:
        """Connect namespace ``/`` and read its answer (and ``welcome``)."""
        assert self.post(b"40").status == 200
        assert self.get().body.startswith(b"40")
        return self

    def post(self, body: bytes, content_length: str | None = "auto") -> Answer:
        return request(self.port, "POST", self.path, body, content_length)

    def get(self) -> Answer:
        return request(self.port, "GET", self.path)
