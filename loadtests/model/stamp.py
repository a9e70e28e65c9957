"""The stamp: what every room message carries from its sender, through the server, to
each receiver (``loadtests.users.schedule`` writes it; the receive path reads it back
from the wire). A protocol profile may wrap it (``send_payload``), never change it.
"""

# No ``from __future__ import annotations``: TypedDict must see ``NotRequired`` itself.
from typing import NotRequired, TypedDict


class Stamp(TypedDict):
    room: str
    sender: int  # the sender's user index
    seq: int  # per (sender, room), from 0
    t_ns: int  # when it was sent (time.time_ns(), or the test's simulated clock)
    pad: NotRequired[str]  # filler up to the scenario's payload_bytes
