"""The client's protocol options against a scripted loopback peer: the exact bytes it sends.

A foreign server may want a namespace, ``auth`` in the connect packet, and
handshake query parameters and headers; events nobody handles reach
``on_other``. For the default options nothing changes on the wire.
"""

from __future__ import annotations

import re
import struct
from typing import Any

import gevent
from gevent import socket as gsocket

from loadtests.wire import wsframe
from loadtests.wire.client import SioClient
from loadtests.wire.wsframe import FrameParser

OPEN = '0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'
TIMEOUT_S = 5.0


def text(packet: str) -> bytes:
    payload = packet.encode()
    return struct.pack("!BB", 0x81, len(payload)) + payload


class Peer:
    """Upgrade, open, read the client's frames; keep the request head."""

    def __init__(self, ipv6: bool = False) -> None:
        self.listener = gsocket.socket(gsocket.AF_INET6 if ipv6 else gsocket.AF_INET)
        self.listener.bind(("::1" if ipv6 else "127.0.0.1", 0))
        self.listener.listen(1)
        host = "[::1]" if ipv6 else "127.0.0.1"
        self.url = f"http://{host}:{self.listener.getsockname()[1]}"
        self.head = b""
        self.sock: Any = None
        self.parser = FrameParser(client=False)
        self.frames: list[bytes] = []

    def serve(self, connect_reply: str) -> bytes:
        sock, _ = self.listener.accept()
        self.sock = sock
        while b"\r\n\r\n" not in self.head:
            self.head += sock.recv(4096)
        key = re.search(rb"Sec-WebSocket-Key: (\S+)", self.head)
        assert key is not None
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: "
            + wsframe.accept_for(key.group(1).decode()).encode()
            + b"\r\n\r\n"
            + text(OPEN)
        )
        connect = self.next_frame()
        sock.sendall(text(connect_reply))
        return connect

    def next_frame(self) -> bytes:
        with gevent.Timeout(TIMEOUT_S):
            while not self.frames:
                self.frames += [p for _op, p in self.parser.feed(self.sock.recv(65536))]
        return self.frames.pop(0)

    def stop(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.listener.close()


def test_namespace_auth_query_and_headers_go_where_the_protocol_puts_them() -> None:
    peer = Peer()
    try:
        got: list[Any] = []
        other: list[tuple[str, Any]] = []
        server = gevent.spawn(peer.serve, '40/chat,{"sid":"s9"}')
        client = SioClient(
            peer.url,
            {"said": lambda arg, _ns: got.append(arg)},
            namespace="/chat",
            auth={"token": "t-1"},
            query={"client": "rb 1"},
            headers={"X-Bench": "7"},
            on_other=lambda event, arg, _ns: other.append((event, arg)),
        )
        client.connect(timeout_s=TIMEOUT_S)
        assert server.get(timeout=TIMEOUT_S) == b'40/chat,{"token":"t-1"}'
        assert client.sid == "s9"
        request_line, *lines = peer.head.decode().split("\r\n")
        assert request_line == "GET /socket.io/?EIO=4&transport=websocket&client=rb+1 HTTP/1.1"
        assert "X-Bench: 7" in lines and lines[-2:] == ["", ""]
        client.emit("say", {"a": 1})
        assert peer.next_frame() == b'42/chat,["say",{"a":1}]'
        client.call("join", "room-1", lambda _args, _ns: None)
        assert peer.next_frame() == b'42/chat,0["join","room-1"]'
        peer.sock.sendall(text('42/chat,["said",{"x":2}]') + text('42["odd",3]'))
        with gevent.Timeout(TIMEOUT_S):
            while len(got) + len(other) < 2:
                gevent.sleep(0.01)
        assert (got, other) == ([{"x": 2}], [("odd", 3)])
        client.close()
    finally:
        peer.stop()


def test_the_default_options_send_what_they_always_sent() -> None:
    peer = Peer()
    try:
        server = gevent.spawn(peer.serve, '40{"sid":"s1"}')
        client = SioClient(peer.url, {})
        client.connect(timeout_s=TIMEOUT_S)
        assert server.get(timeout=TIMEOUT_S) == b"40"
        assert peer.head.split(b"\r\n")[0] == b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1"
        assert b"X-" not in peer.head
        client.emit("room_message", {"room": "r"})
        assert peer.next_frame() == b'42["room_message",{"room":"r"}]'
        client.close()
    finally:
        peer.stop()


def test_an_ipv6_loopback_target_gets_a_bracketed_host_header() -> None:
    peer = Peer(ipv6=True)
    try:
        server = gevent.spawn(peer.serve, '40{"sid":"s1"}')
        client = SioClient(peer.url, {})
        client.connect(timeout_s=TIMEOUT_S)
        assert server.get(timeout=TIMEOUT_S) == b"40"
        assert f"Host: {peer.url[len('http://') :]}".encode() in peer.head.split(b"\r\n")
        client.close()
    finally:
        peer.stop()
