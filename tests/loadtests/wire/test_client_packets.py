"""The client against a scripted peer: a loopback socket that upgrades, then writes real frames.

No server logic is imitated: each test writes the exact bytes an unusual or
broken server would send, and reads back the close frame the client answers
with. (A real server refusing a namespace: ``test_refusing_server.py``.)
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterator

import gevent
import pytest
from gevent import socket as gsocket

from loadtests.wire import wsclose, wsframe
from loadtests.wire.client import ConnectError, ConnectRefused, SioClient
from loadtests.wire.wsframe import CloseCode, FrameParser, Opcode

OPEN = '0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'
TIMEOUT_S = 5.0


def frame(payload: bytes, first: int = 0x81, mask: bytes | None = None) -> bytes:
    n = len(payload)
    mask_bit = 0 if mask is None else 0x80
    head = (
        struct.pack("!BB", first, mask_bit | n)
        if n < 126
        else struct.pack("!BBH", first, mask_bit | 126, n)
    )
    return head + (payload if mask is None else mask + wsframe.mask_bytes(payload, mask))


def text(packet: str) -> bytes:
    return frame(packet.encode("utf-8"))


class Peer:
    """One scripted connection: upgrade, the Engine.IO open, then what a test sends."""

    def __init__(self) -> None:
        self._listener = gsocket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.sock: gsocket.socket | None = None
        self._parser = FrameParser(client=False)
        self._pending: list[tuple[int, bytes]] = []

    def serve(self, *after_connect: bytes) -> None:
        """Accept, upgrade, open, wait for the client's ``40``, then send ``after_connect``."""
        sock, _ = self._listener.accept()
        self.sock = sock
        request = b""
        while b"\r\n\r\n" not in request and len(request) < 65536:
            request += sock.recv(4096)
        found = re.search(rb"Sec-WebSocket-Key: (\S+)", request)
        assert found is not None
        accept = wsframe.accept_for(found.group(1).decode())
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept.encode() + b"\r\n\r\n" + text(OPEN)
        )
        assert self.receive() == (Opcode.TEXT, b"40")
        self.send(*after_connect)

    def send(self, *raw: bytes) -> None:
        assert self.sock is not None
        self.sock.sendall(b"".join(raw))

    def receive(self) -> tuple[int, bytes]:
        """The client's next frame (or ``(-1, b"")`` if it closed the socket first)."""
        assert self.sock is not None
        with gevent.Timeout(TIMEOUT_S):
            while not self._pending:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return -1, b""
                self._pending += self._parser.feed(chunk)
        return self._pending.pop(0)

    def close_code(self) -> int:
        """The code of the close frame the client sent, skipping anything before it."""
        for _ in range(10):
            opcode, payload = self.receive()
            if opcode == Opcode.CLOSE:
                return wsclose.decode_close(payload)[0]
            assert opcode != -1, "the client closed without a close frame"
        raise AssertionError("no close frame among the client's first 10")

    def stop(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self._listener.close()


@pytest.fixture
def peer() -> Iterator[Peer]:
    scripted = Peer()
    try:
        yield scripted
    finally:
        scripted.stop()


def connect_failure(
    peer: Peer, *after_connect: bytes, max_message_bytes: int = wsframe.MAX_MESSAGE_BYTES
) -> ConnectError:
    server = gevent.spawn(peer.serve, *after_connect)
    client = SioClient(peer.url, {}, max_message_bytes=max_message_bytes)
    with pytest.raises(ConnectError) as info:
        client.connect(timeout_s=TIMEOUT_S)
    server.get(timeout=TIMEOUT_S)
    assert not client.connected
    return info.value


def wait_for(reasons: list[str]) -> str:
    for _ in range(500):
        if reasons:
            return reasons[0]
        gevent.sleep(0.01)
    raise AssertionError("the client never closed")


def test_noop_upgrade_and_pong_are_ignored_and_engineio_close_ends_the_session(
    peer: Peer,
) -> None:
    got: list[object] = []
    reasons: list[str] = []
    client = SioClient(peer.url, {"m": lambda arg, _now: got.append(arg)}, on_close=reasons.append)
    server = gevent.spawn(peer.serve, text("6"), text("5"), text("3"), text('40{"sid":"s1"}'))
    client.connect(timeout_s=TIMEOUT_S)
    server.get(timeout=TIMEOUT_S)
    assert client.connected and client.sid == "s1" and client.engine_sid == "e1"
    peer.send(text("6"), text('42["m",{"x":1}]'), text("2"))
    assert peer.receive() == (Opcode.TEXT, b"3")  # the ping after the noop still answered
    assert got == [{"x": 1}]
    peer.send(text("1"))
    assert wait_for(reasons) == "Engine.IO close packet from the server: it ended the session"
    assert peer.close_code() == CloseCode.NORMAL_CLOSURE
    assert not client.connected


@pytest.mark.parametrize(
    ("packet", "namespace", "message", "data"),
    [
        (
            '44{"message":"authentication failed","data":{"need":"token"}}',
            "/",
            "authentication failed",
            {"need": "token"},
        ),
        ('44{"message":"Not authorized"}', "/", "Not authorized", None),
        ('44"Unable to connect"', "/", "Unable to connect", None),  # older servers: a string
        ('44/admin,{"message":"no admins here"}', "/admin", "no admins here", None),
    ],
)
def test_connect_error_carries_the_servers_reason(
    peer: Peer, packet: str, namespace: str, message: str, data: object
) -> None:
    error = connect_failure(peer, text(packet))
    assert isinstance(error, ConnectRefused)
    assert (error.namespace, error.message, error.data) == (namespace, message, data)
    details = "" if data is None else f" (data: {json.dumps(data)})"
    assert str(error) == (
        f"Socket.IO server 127.0.0.1:{peer.url.rsplit(':', 1)[1]} refused namespace"
        f" {namespace!r}: {message}{details}; check the auth, query or headers its connect"
        " handler expects"
    )
    assert peer.close_code() == CloseCode.NORMAL_CLOSURE


@pytest.mark.parametrize(
    ("raw", "match", "code"),
    [
        (text("1"), "Engine.IO close packet from the server", CloseCode.NORMAL_CLOSURE),
        (text('41{"message":"bye"}'), "namespace '/' disconnected by the server: ", 1000),
        (
            frame(wsclose.encode_close(CloseCode.GOING_AWAY, "restarting"), 0x88),
            "websocket closed by server: 1001 GOING_AWAY 'restarting'",
            CloseCode.GOING_AWAY,  # echoed, as RFC 6455 5.5.1 asks
        ),
        (frame(b"", 0x88), "websocket closed by server: 1005 NO_STATUS_RCVD", 1000),
    ],
)
def test_session_ended_before_the_namespace_connect_fails_connect(
    peer: Peer, raw: bytes, match: str, code: int
) -> None:
    error = connect_failure(peer, raw)
    assert type(error) is ConnectError
    assert re.search(re.escape(match), str(error)), str(error)
    assert str(error).startswith(f"connect to 127.0.0.1:{peer.url.rsplit(':', 1)[1]} failed: ")
    assert peer.close_code() == code


@pytest.mark.parametrize(
    ("raw", "match", "code"),
    [
        (frame(b"40", 0xC1), "reserved bit RSV1 set", CloseCode.PROTOCOL_ERROR),
        (frame(b"40", mask=b"\x01\x02\x03\x04"), "masked frame from the server", 1002),
        (frame(b"40", 0x83), "unknown opcode 0x3", CloseCode.PROTOCOL_ERROR),
        (frame(b"p" * 126, 0x89), "PING frame of over 125 bytes", CloseCode.PROTOCOL_ERROR),
        (frame(b"p", 0x09), "fragmented control frame", CloseCode.PROTOCOL_ERROR),
        (frame(b"4" * 1001)[:4], "exceeds max_message_bytes=1000", CloseCode.MESSAGE_TOO_BIG),
        (text("9"), "unknown Engine.IO packet type '9'", CloseCode.POLICY_VIOLATION),
        (text(""), "unknown Engine.IO packet type ''", CloseCode.POLICY_VIOLATION),
        (text("47"), "unknown Socket.IO packet type '7'", CloseCode.POLICY_VIOLATION),
        (text("0[1]"), "Engine.IO open packet is not a JSON object", 1008),
        (frame(b"4\xff"), "UnicodeDecodeError", CloseCode.INVALID_FRAME_PAYLOAD_DATA),
    ],
)
def test_protocol_violations_fail_connect_and_tell_the_server(
    peer: Peer, raw: bytes, match: str, code: int
) -> None:
    error = connect_failure(peer, raw, max_message_bytes=1000)
    assert match in str(error), str(error)
    assert peer.close_code() == code


def test_json_nested_too_deep_fails_connect_and_tells_the_server(peer: Peer) -> None:
    error = connect_failure(peer, text("42" + "[" * 50_000))  # 50 KB, under the message cap
    assert "RecursionError: maximum recursion depth exceeded" in str(error), str(error)
    assert peer.close_code() == CloseCode.POLICY_VIOLATION


def test_violation_after_connect_ends_the_connection_with_its_reason(peer: Peer) -> None:
    reasons: list[str] = []
    client = SioClient(peer.url, {}, on_close=reasons.append)
    server = gevent.spawn(peer.serve, text('40{"sid":"s1"}'))
    client.connect(timeout_s=TIMEOUT_S)
    server.get(timeout=TIMEOUT_S)
    peer.send(frame(b'42["m"]', 0xC1))
    assert wait_for(reasons).startswith("ProtocolError: frame with reserved bit RSV1 set")
    assert peer.close_code() == CloseCode.PROTOCOL_ERROR


def test_events_without_a_usable_name_are_errors() -> None:
    client = SioClient("http://127.0.0.1:1", {"m": lambda arg, now: None})
    for bad in (b"42[]", b"42[[1],2]", b"42[{}]"):  # the fast path
        with pytest.raises(ValueError, match="Socket.IO event without a name"):
            client._dispatch([(Opcode.TEXT, bad)], 1)
    for bad in (b"421[]", b"42/x,[]", b"421[7]", b'421{"m":1}'):  # the general path
        with pytest.raises(ValueError, match=r"Socket.IO event is not \[name, args...\]"):
            client._dispatch([(Opcode.TEXT, bad)], 1)
    with pytest.raises(ValueError, match="ack is not a list"):
        client._dispatch([(Opcode.TEXT, b'431{"ok":true}')], 1)
