"""What abusive clients send, byte for byte: each frame decoded as a server would."""

from __future__ import annotations

import json

import pytest

from loadtests.abuse import frames
from loadtests.abuse.polling import NEGATIVE_BODY_BYTES, hostile_body
from loadtests.abuse.polling import VARIANTS as POLLING_VARIANTS
from loadtests.abuse.spec import VARIANTS
from loadtests.abuse.upload_flood import upload_frame
from loadtests.wire.wsframe import OP_PONG, OP_TEXT, FrameParser


def _decoded(frame: bytes) -> tuple[int, bytes]:
    """The one message a server reads from ``frame`` (masked, as a client must send)."""
    messages = FrameParser(max_message_bytes=1 << 20, client=False).feed(frame)
    assert len(messages) == 1
    return messages[0]


def _text(frame: bytes) -> str:
    opcode, payload = _decoded(frame)
    assert opcode == OP_TEXT
    return payload.decode()


def test_handshake_and_join_frames() -> None:
    request, key = frames.upgrade_request(5000, key="dGhlIHNhbXBsZSBub25jZQ==")
    assert request.startswith(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n")
    assert b"Host: 127.0.0.1:5000\r\n" in request and request.endswith(b"\r\n\r\n")
    assert key == "dGhlIHNhbXBsZSBub25jZQ=="
    assert _text(frames.CONNECT_NAMESPACE) == "40"
    assert _text(frames.PONG) == "3"
    assert _text(frames.join(["room-0", "room-1"], ack_id=7)) == (
        '427["join",{"rooms":["room-0","room-1"]}]'
    )
    assert _decoded(frames.encode_control(OP_PONG, b"hi")) == (OP_PONG, b"hi")


def test_partial_headers_never_finish_a_request() -> None:
    half = frames.partial_headers(5000)
    full, _key = frames.upgrade_request(5000)
    assert half.startswith(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n")
    assert b"\r\n\r\n" not in half
    assert len(half) == len(full) // 2


def test_an_echo_request_is_a_message_event_of_the_asked_size() -> None:
    name, body = json.loads(_text(frames.echo_request(1000))[2:])
    assert (name, body) == ("message", "e" * 1000)


EXPECTED = {
    "truncated": ("42[", False, "protocol_errors.bad_packet"),
    "bad_json": ('42["broadcast",{]', False, "protocol_errors.bad_packet"),
    "not_an_event": ("42{}", False, "protocol_errors.bad_event"),
    "non_finite": ('42["broadcast",{"x":NaN}]', False, "errors.bad_payload"),
    "reserved_event": ('42["disconnect"]', False, "protocol_errors.reserved_event"),
    "binary_event": (
        '451-["broadcast",{"_placeholder":true,"num":0}]',
        False,
        "protocol_errors.binary",
    ),
    "bad_frame": ("x", True, "protocol_errors.bad_frame"),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_each_bad_input_variant(name: str) -> None:
    variant = frames.variant(name)
    assert variant.name == name
    text = _text(variant.frame)
    if name in EXPECTED:
        assert (text, variant.closes, variant.counter) == EXPECTED[name]
    elif name == "too_deep":
        assert text == '42["broadcast",{"x":' + "[" * 40 + "]" * 40 + "}]"
        assert frames.TOO_DEEP_LEVELS > 32  # the server's default --max-depth
        assert (variant.closes, variant.counter) == (False, "errors.bad_payload")
    elif name == "too_large":
        # over the 64 KiB application limit, under the transport cap: a reply, no close
        assert frames.APP_LIMIT_BYTES < len(text) < frames.FRAME_CAP_BYTES
        assert json.loads(text[2:])[0] == "message"
        assert (variant.closes, variant.counter) == (False, "errors.too_large")
    else:
        assert name == "frame_too_large"
        assert len(text) > frames.FRAME_CAP_BYTES
        assert (variant.closes, variant.counter) == (True, "protocol_errors.frame_too_large")


def test_an_unknown_variant_is_named() -> None:
    with pytest.raises(ValueError, match=r"bad-input variant 'nul': unknown; allowed: truncated"):
        frames.variant("nul")


def test_an_upload_frame_is_an_unknown_event_just_under_the_message_cap() -> None:
    frame = upload_frame(60_000)
    assert 60_000 < len(frame) < 64 * 1024
    name, body = json.loads(_text(frame)[2:])
    assert (name, body) == ("upload_flood", "u" * 60_000)


@pytest.mark.parametrize(
    ("variant", "body", "length"),
    [
        ("noop", b"6", "auto"),
        ("bad_utf8", b"\xff", "auto"),
        ("garbage", b"x", "auto"),
        ("no_length", b'42["message","no length"]', None),
    ],
)
def test_each_polling_variant(variant: str, body: bytes, length: str | None) -> None:
    assert hostile_body(variant) == (body, length)


def test_the_negative_length_variant_sends_a_mebibyte_it_does_not_declare() -> None:
    body, length = hostile_body("negative_length")
    assert length == "-1" and len(body) == 1 + NEGATIVE_BODY_BYTES
    assert set(POLLING_VARIANTS) == {"noop", "bad_utf8", "garbage", "negative_length", "no_length"}
    with pytest.raises(ValueError, match="unknown"):
        hostile_body("nul")
