"""The frame parser refuses what RFC 6455 forbids a server to send, naming it."""

from __future__ import annotations

import struct

import pytest

from loadtests.wire import wsclose, wsframe
from loadtests.wire.wsframe import CloseCode, FrameParser, Opcode, ProtocolError


def frame(
    payload: bytes,
    opcode: int = Opcode.TEXT,
    fin: bool = True,
    rsv: int = 0,
    mask: bytes | None = None,
    length_bytes: int | None = None,
) -> bytes:
    """A server frame, with knobs for each way to get one wrong."""
    n = len(payload)
    if length_bytes is None:
        length_bytes = 0 if n < 126 else 2 if n < 65536 else 8
    first = (0x80 if fin else 0) | rsv | opcode
    mask_bit = 0x80 if mask is not None else 0
    if length_bytes == 0:
        head = struct.pack("!BB", first, mask_bit | n)
    elif length_bytes == 2:
        head = struct.pack("!BBH", first, mask_bit | 126, n)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, n)
    if mask is None:
        return head + payload
    return head + mask + wsframe.mask_bytes(payload, mask)


def refused(stream: bytes, match: str, parser: FrameParser | None = None) -> ProtocolError:
    with pytest.raises(ProtocolError, match=match) as info:
        (parser or FrameParser()).feed(stream)
    return info.value


def test_enums_match_the_rfc_and_the_old_names() -> None:
    assert [int(op) for op in Opcode] == [0, 1, 2, 8, 9, 10]
    assert (wsframe.OP_TEXT, wsframe.OP_CLOSE, wsframe.OP_PONG) == (1, 8, 10)
    assert CloseCode.PROTOCOL_ERROR == 1002 and CloseCode.MESSAGE_TOO_BIG == 1009


@pytest.mark.parametrize(("bit", "name"), [(0x40, "RSV1"), (0x20, "RSV2"), (0x10, "RSV3")])
def test_reserved_bits_are_refused(bit: int, name: str) -> None:
    error = refused(frame(b'42["m",1]', rsv=bit), f"reserved bit {name} set")
    assert error.close_code == CloseCode.PROTOCOL_ERROR
    refused(frame(b"", Opcode.PING, rsv=bit), name)  # on control frames too


@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
def test_unknown_opcodes_are_refused(opcode: int) -> None:
    refused(frame(b"x", opcode), f"unknown opcode {opcode:#x}")


def test_masked_server_frame_is_refused_and_a_client_frame_must_be_masked() -> None:
    masked = frame(b"40", mask=b"\x01\x02\x03\x04")
    refused(masked, "masked frame from the server")
    assert FrameParser(client=False).feed(masked) == [(Opcode.TEXT, b"40")]
    refused(frame(b"40"), "unmasked frame from a client", FrameParser(client=False))
    # The encoder's own (masked) frames: a server-side parser takes them, a client's refuses.
    refused(wsframe.encode_frame(b"hello"), "masked frame from the server")


def test_control_frames_over_125_bytes_or_fragmented_are_refused() -> None:
    assert FrameParser().feed(frame(b"p" * 125, Opcode.PING)) == [(Opcode.PING, b"p" * 125)]
    refused(frame(b"p" * 126, Opcode.PING), "PING frame of over 125 bytes")
    refused(frame(b"p" * 5, Opcode.PONG, length_bytes=2), "control frames carry at most 125")
    refused(frame(b"p", Opcode.PING, fin=False), r"fragmented control frame \(PING")
    refused(frame(b"", Opcode.CLOSE, fin=False), "fragmented control frame")


def test_lengths_must_use_the_shortest_encoding() -> None:
    refused(frame(b"x" * 125, length_bytes=2), "length 125 encoded in 2 extra bytes")
    refused(frame(b"x" * 65535, length_bytes=8), "length 65535 encoded in 8 extra bytes")
    refused(struct.pack("!BBQ", 0x82, 127, 1 << 63), "top bit is set")
    assert FrameParser().feed(frame(b"x" * 126)) == [(Opcode.TEXT, b"x" * 126)]
    assert FrameParser().feed(frame(b"x" * 65536)) == [(Opcode.TEXT, b"x" * 65536)]


def test_message_cap_refuses_a_frame_from_its_header_alone() -> None:
    assert wsframe.MAX_MESSAGE_BYTES == 16 * 64 * 1024
    for opcode in (Opcode.TEXT, Opcode.BINARY):
        header = frame(b"x" * (wsframe.MAX_MESSAGE_BYTES + 1), opcode)[:10]
        error = refused(header, f"message of {wsframe.MAX_MESSAGE_BYTES + 1} bytes exceeds")
        assert error.close_code == CloseCode.MESSAGE_TOO_BIG
    small = FrameParser(max_message_bytes=1000)
    assert small.feed(frame(b"x" * 1000)) == [(Opcode.TEXT, b"x" * 1000)]
    refused(frame(b"x" * 1001)[:4], "max_message_bytes=1000", small)  # the 16-bit fast path
    with pytest.raises(ValueError, match="at least 125"):
        FrameParser(max_message_bytes=100)


def test_message_cap_counts_every_fragment_of_a_message() -> None:
    parser = FrameParser(max_message_bytes=1000)
    first = frame(b"a" * 600, fin=False)
    ping = frame(b"!", Opcode.PING)  # control frames in between do not count
    assert parser.feed(first + ping + frame(b"b" * 400, Opcode.CONTINUATION)) == [
        (Opcode.PING, b"!"),
        (Opcode.TEXT, b"a" * 600 + b"b" * 400),
    ]
    parser = FrameParser(max_message_bytes=1000)
    parser.feed(first + frame(b"b" * 300, Opcode.CONTINUATION, fin=False))
    refused(frame(b"c" * 101, Opcode.CONTINUATION)[:4], "message of 1001 bytes", parser)


def test_fragment_order_is_checked() -> None:
    refused(frame(b"x", Opcode.CONTINUATION), "continuation frame without a first fragment")
    stray = frame(b"a", fin=False) + frame(b"b", Opcode.BINARY)
    refused(stray, "BINARY frame inside a fragmented TEXT message: expected a continuation")
    refused(frame(b"a", fin=False) + frame(b"b"), "TEXT frame inside a fragmented TEXT")


def test_fast_path_resumes_after_a_fragmented_message() -> None:
    stream = (
        frame(b"40")
        + frame(b"4", fin=False)
        + frame(b"2", Opcode.CONTINUATION, fin=False)
        + frame(b'["m"]', Opcode.CONTINUATION)
        + frame(b"41")
        + frame(b"z" * 200)
    )
    parser = FrameParser()
    got = [parser.feed(stream[i : i + 3]) for i in range(0, len(stream), 3)]
    assert [p for batch in got for _, p in batch] == [b"40", b'42["m"]', b"41", b"z" * 200]
    refused(frame(b"q", rsv=0x40), "RSV1", parser)  # and strictness with it


def test_a_violation_split_over_reads_is_refused_once_its_header_is_in() -> None:
    parser = FrameParser()
    stream = frame(b"ok") + frame(b"x" * 300, mask=b"abcd")
    assert parser.feed(stream[:5]) == [(Opcode.TEXT, b"ok")]
    assert parser.feed(stream[5:6]) == []  # the mask bit is known, the length is not yet
    refused(stream[6:9], "masked frame from the server", parser)


def test_close_frame_ends_the_stream_and_is_validated() -> None:
    close = frame(wsclose.encode_close(CloseCode.GOING_AWAY, "bye"), Opcode.CLOSE)
    parser = FrameParser()
    assert parser.feed(frame(b"40") + close + frame(b"ignored") + b"\xff\xff") == [
        (Opcode.TEXT, b"40"),
        (Opcode.CLOSE, b"\x03\xe9bye"),
    ]
    assert parser.feed(frame(b"after")) == []  # RFC 6455 5.5.1: nothing after a close
    assert FrameParser().feed(frame(b"", Opcode.CLOSE)) == [(Opcode.CLOSE, b"")]
    for payload, match in [
        (b"\x03", "1-byte payload"),
        (struct.pack("!H", 999), "code 999: valid codes are 1000-4999"),
        (struct.pack("!H", 5000), "code 5000"),
        (struct.pack("!H", 1004), "code 1004: reserved"),
        (struct.pack("!H", 2999), "code 2999: reserved"),
        (struct.pack("!H", 1005), "code 1005: it may not be sent"),
        (struct.pack("!H", 1006), "may not be sent"),
        (struct.pack("!H", 1015), "may not be sent"),
    ]:
        error = refused(frame(payload, Opcode.CLOSE), match)
        assert error.close_code == CloseCode.PROTOCOL_ERROR
    error = refused(frame(b"\x03\xe8\xff", Opcode.CLOSE), "reason is not UTF-8")
    assert error.close_code == CloseCode.INVALID_FRAME_PAYLOAD_DATA


def test_close_payload_round_trip_and_description() -> None:
    assert wsclose.decode_close(wsclose.encode_close()) == (1000, "")
    assert wsclose.decode_close(b"") == (CloseCode.NO_STATUS_RCVD, "")
    assert wsclose.decode_close(wsclose.encode_close(4321, "app")) == (4321, "app")
    long_reason = wsclose.encode_close(1000, "é" * 200)  # cut to 123 bytes, whole characters
    assert len(long_reason) == 2 + 122 and wsclose.decode_close(long_reason)[1] == "é" * 61
    assert wsclose.describe_close(1001, "bye") == "1001 GOING_AWAY 'bye'"
    assert wsclose.describe_close(4000, "") == "4000 application code"
