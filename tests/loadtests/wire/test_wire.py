"""WebSocket framing and Engine.IO / Socket.IO packets, without a server."""

from __future__ import annotations

import struct

import pytest

from loadtests.wire import siopacket, wsframe


def server_frame(payload: bytes, opcode: int = wsframe.OP_TEXT, fin: bool = True) -> bytes:
    n = len(payload)
    first = (0x80 if fin else 0) | opcode
    if n < 126:
        return struct.pack("!BB", first, n) + payload
    if n < 65536:
        return struct.pack("!BBH", first, 126, n) + payload
    return struct.pack("!BBQ", first, 127, n) + payload


def test_client_frame_is_masked_and_decodes() -> None:
    for size in (0, 5, 125, 126, 65535, 65536, 70000):
        payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
        frame = wsframe.encode_frame(payload, mask=b"\x01\x02\x03\x04")
        assert frame[0] == 0x81 and frame[1] & 0x80
        assert wsframe.FrameParser(client=False).feed(frame) == [(wsframe.OP_TEXT, payload)]


def test_parser_handles_many_frames_split_anywhere() -> None:
    frames = [b"40", b'42["a",1]', b"x" * 300, b"y" * 70000]
    stream = b"".join(server_frame(f) for f in frames)
    for step in (1, 7, 1000, len(stream)):
        parser = wsframe.FrameParser()
        got = []
        for i in range(0, len(stream), step):
            got += [p for _, p in parser.feed(stream[i : i + step])]
        assert got == frames


def test_fragmented_message_with_interleaved_ping() -> None:
    stream = (
        server_frame(b'42["a",', fin=False)
        + server_frame(b"ping!", wsframe.OP_PING)
        + server_frame(b'"b"]', wsframe.OP_CONTINUATION)
    )
    assert wsframe.FrameParser().feed(stream) == [
        (wsframe.OP_PING, b"ping!"),
        (wsframe.OP_TEXT, b'42["a","b"]'),
    ]


def test_continuation_without_start_is_an_error() -> None:
    with pytest.raises(wsframe.ProtocolError):
        wsframe.FrameParser().feed(server_frame(b"x", wsframe.OP_CONTINUATION))


def test_handshake_accept() -> None:
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    assert wsframe.accept_for(key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 example
    good = (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    )
    wsframe.check_handshake_response(good, key)
    with pytest.raises(wsframe.ProtocolError, match="refused"):
        wsframe.check_handshake_response(b"HTTP/1.1 400 Bad Request", key)


def test_socketio_packets() -> None:
    assert siopacket.encode_event("join", {"room": "r"}) == '42["join",{"room":"r"}]'
    assert siopacket.encode_event("join", {"room": "r"}, ack_id=7) == '427["join",{"room":"r"}]'
    assert siopacket.encode_connect() == "40"
    assert siopacket.decode_open('0{"sid":"abc","pingInterval":25000}')["sid"] == "abc"
    assert siopacket.decode_socketio('0{"sid":"x"}') == siopacket.SioPacket("0", None, {"sid": "x"})
    assert siopacket.decode_socketio('312[{"ok":true}]') == siopacket.SioPacket(
        "3", 12, [{"ok": True}]
    )
    assert siopacket.decode_socketio('2["welcome",{"sid":"s"}]').data == ["welcome", {"sid": "s"}]
    assert siopacket.decode_socketio("1") == siopacket.SioPacket("1", None, None)
    assert siopacket.decode_socketio('2/admin,["x"]').data == ["x"]
    with pytest.raises(ValueError):
        siopacket.decode_open("4hello")


def test_client_dispatch_fast_path_parses_like_json_loads() -> None:
    from loadtests.wire.client import SioClient

    got: list[tuple[object, int]] = []
    client = SioClient("http://127.0.0.1:1", {"m": lambda arg, now: got.append((arg, now))})
    client._dispatch([(wsframe.OP_TEXT, b'42["m",{"a":[1,2.5,"\\u00e9"]}]')], 7)
    client._dispatch([(wsframe.OP_TEXT, b'42["m"] ')], 8)  # trailing whitespace is fine
    client._dispatch([(wsframe.OP_TEXT, b'42["other",1]')], 9)  # no handler: ignored
    assert got == [({"a": [1, 2.5, "\u00e9"]}, 7), (None, 8)]
    for bad in (b'42["m",1]x', b'42["m",', b"42[nope]"):
        with pytest.raises(ValueError):
            client._dispatch([(wsframe.OP_TEXT, bad)], 10)
