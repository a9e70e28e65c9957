"""Differential tests against wsproto: the same bytes must give the same messages (or both fail).

Streams are random (seeded, so a failure replays): text and binary messages cut
into frames at random byte offsets (a UTF-8 character may straddle two frames),
pings between fragments, sometimes a close frame and junk after it, the whole
cut into random reads. Our side is ``FrameParser`` plus the UTF-8 decode the
client applies to every text message; wsproto's is its ``FrameProtocol`` as a
client. A second test corrupts one frame header in ways a broken server could
and requires both to refuse, or both to accept with the same messages.
"""

from __future__ import annotations

import random
import struct
from typing import Any

import pytest
from wsproto.frame_protocol import FrameProtocol, Opcode, ParseFailed

from loadtests.wire import wsclose
from loadtests.wire.wsframe import FrameParser, ProtocolError

CASES = 400
ALPHABET = 'abc xyz{}[]",:0123456789éß€漢字😀'  # 1- to 4-byte UTF-8 characters


def header(opcode: int, fin: bool, n: int) -> bytes:
    first = (0x80 if fin else 0) | opcode
    if n < 126:
        return struct.pack("!BB", first, n)
    if n < 65536:
        return struct.pack("!BBH", first, 126, n)
    return struct.pack("!BBQ", first, 127, n)


def cut(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` in pieces ending at the sorted offsets ``cuts``."""
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def random_message(rng: random.Random, ascii_only: bool) -> tuple[int, bytes]:
    size = rng.choice((0, 1, 5, 60, 125, 126, 300, 2000)) if rng.random() < 0.97 else 70_000
    if rng.random() < 0.5:
        alphabet = ALPHABET[:20] if ascii_only else ALPHABET
        return Opcode.TEXT, "".join(rng.choices(alphabet, k=size)).encode("utf-8")
    if ascii_only:
        return Opcode.BINARY, bytes(rng.choices(range(32, 127), k=size))
    return Opcode.BINARY, rng.randbytes(size)


def random_stream(
    rng: random.Random, ascii_only: bool = False
) -> tuple[list[bytes], list[tuple[str, Any]]]:
    """Frames of a few messages, and the events a correct decoder reports for them."""
    frames: list[bytes] = []
    expected: list[tuple[str, Any]] = []
    for _ in range(rng.randint(1, 6)):
        opcode, payload = random_message(rng, ascii_only)
        cuts = sorted(rng.sample(range(len(payload) + 1), k=min(rng.randint(0, 3), len(payload))))
        pieces = cut(payload, cuts)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            frames.append(header(opcode if i == 0 else Opcode.CONTINUATION, last, len(piece)))
            frames[-1] += piece
            if not last and rng.random() < 0.3:
                ping = rng.randbytes(rng.randint(0, 125))
                frames.append(header(Opcode.PING, True, len(ping)) + ping)
                expected.append(("ping", ping))
        expected.append(("text", payload.decode()) if opcode == Opcode.TEXT else ("bin", payload))
    if rng.random() < 0.3:
        code = rng.choice((1000, 1001, 1011, 3000, 4999))
        alphabet = ALPHABET[:20] if ascii_only else ALPHABET
        reason = "".join(rng.choices(alphabet, k=rng.randint(0, 20)))
        close = wsclose.encode_close(code, reason)
        frames.append(header(Opcode.CLOSE, True, len(close)) + close)
        frames.append(header(Opcode.TEXT, True, 4) + b"junk")  # after a close: ignored
        expected.append(("close", wsclose.decode_close(close)))
    return frames, expected


def reads(rng: random.Random, stream: bytes) -> list[bytes]:
    cuts = sorted(rng.sample(range(1, len(stream)), k=min(rng.randint(0, 12), len(stream) - 1)))
    return cut(stream, cuts)


def ours(chunks: list[bytes]) -> list[tuple[str, Any]]:
    parser = FrameParser()
    events: list[tuple[str, Any]] = []
    for chunk in chunks:
        for opcode, payload in parser.feed(chunk):
            if opcode == Opcode.TEXT:
                events.append(("text", payload.decode("utf-8")))  # as the client decodes
            elif opcode == Opcode.BINARY:
                events.append(("bin", payload))
            elif opcode == Opcode.CLOSE:  # read leniently: validating it is the parser's job
                code = int.from_bytes(payload[:2], "big") if payload else 1005
                events.append(("close", (code, payload[2:].decode("utf-8", "replace"))))
            else:
                events.append((Opcode(opcode).name.lower(), payload))
    return events


def theirs(chunks: list[bytes]) -> list[tuple[str, Any]]:
    proto = FrameProtocol(client=True, extensions=[])
    events: list[tuple[str, Any]] = []
    parts: list[Any] = []
    for chunk in chunks:
        proto.receive_bytes(chunk)
        for frame in proto.received_frames():
            if frame.opcode == Opcode.CLOSE:
                assert isinstance(frame.payload, tuple)
                code, reason = frame.payload
                events.append(("close", (int(code), reason)))
            elif frame.opcode in (Opcode.PING, Opcode.PONG):
                events.append((frame.opcode.name.lower(), frame.payload))
            else:
                parts.append(frame.payload)  # wsproto hands out partial frames too
                if frame.frame_finished and frame.message_finished:
                    text = frame.opcode == Opcode.TEXT
                    events.append(("text", "".join(parts)) if text else ("bin", b"".join(parts)))
                    parts = []
    return events


def test_random_fragmented_streams_decode_like_wsproto() -> None:
    rng = random.Random(20261201)
    messages = 0
    for case in range(CASES):
        frames, expected = random_stream(rng)
        chunks = reads(rng, b"".join(frames))
        got = ours(chunks)
        assert got == theirs(chunks), f"case {case}"
        assert got == expected, f"case {case}"
        messages += len(expected)
    assert messages > CASES * 3  # the streams are not trivially short


@pytest.mark.parametrize("seed", [1, 2])
def test_corrupted_headers_are_refused_like_wsproto(seed: int) -> None:
    """Flip a header bit (FIN, RSV1-3, opcode, MASK) or lengthen a length field of one frame."""
    rng = random.Random(seed)
    outcomes = {"both refused": 0, "both accepted": 0}
    for case in range(CASES // 2):
        frames, _ = random_stream(rng, ascii_only=True)  # ASCII: no UTF-8 difference to find
        i = rng.randrange(len(frames))
        raw = bytearray(frames[i])
        if rng.random() < 0.8:
            bit = rng.choice((0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01, "mask"))
            if bit == "mask":
                raw[1] |= 0x80
            else:
                assert isinstance(bit, int)
                raw[0] ^= bit
        elif raw[1] & 0x7F < 126:  # the same length in 2 or 8 bytes: not the shortest
            n = raw[1] & 0x7F
            raw[1:2] = rng.choice((struct.pack("!BH", 126, n), struct.pack("!BQ", 127, n)))
        frames[i] = bytes(raw)
        chunks = reads(rng, b"".join(frames))
        try:
            mine: list[tuple[str, Any]] | None = ours(chunks)
        except ProtocolError:
            mine = None
        try:
            wsp: list[tuple[str, Any]] | None = theirs(chunks)
        except ParseFailed:
            wsp = None
        assert mine == wsp, f"seed {seed} case {case}: {bytes(raw[:4])!r}"
        outcomes["both refused" if mine is None else "both accepted"] += 1
    assert min(outcomes.values()) > CASES // 20, outcomes  # both branches really exercised
