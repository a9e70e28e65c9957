"""Encoding cost of one ``room_message`` packet by message size.

A room emit encodes its Socket.IO packet once (``Packet.encode``: a JSON dump)
whatever the room size, so this is the fixed part of every emit that grows with
the message. Sizes are the length of the payload's ``text`` field
(``bench.payloads``); ``encoded_bytes`` in ``extra_info`` is the whole packet.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.payloads import room_message_packet
from bench.plan import RoundPlan

TEXT_SIZES_BYTES = (64, 1024, 16 * 1024)
PLAN = RoundPlan(rounds=500, iterations=50, warmup_rounds=5)


@pytest.mark.benchmark(group="payload-encode")
@pytest.mark.parametrize("text_bytes", TEXT_SIZES_BYTES, ids=lambda b: f"text={b}B")
def test_encode_room_message(benchmark: Any, text_bytes: int) -> None:
    pkt = room_message_packet("payload-room", text_bytes)
    encoded = benchmark.pedantic(pkt.encode, **PLAN.as_kwargs())
    assert isinstance(encoded, str) and f'"text":"{"x" * text_bytes}"' in encoded
    benchmark.extra_info.update(payload_bytes=text_bytes, encoded_bytes=len(encoded.encode()))
