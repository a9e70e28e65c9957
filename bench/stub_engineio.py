"""Engine.IO sends replaced by counters, so a benchmark times Socket.IO alone.

This is the seam python-socketio's own ``tests/performance`` uses: the Socket.IO
server hands every packet to ``server.eio.send`` / ``server.eio.send_packet``;
replacing those two bound methods on the instance (not the class) keeps every
line of python-socketio — manager, room lookup, packet encoding — on the timed
path and removes only the per-socket queue and the transport. Counting instead
of doing nothing lets a benchmark prove each emit reached exactly the expected
number of recipients.
"""

from __future__ import annotations

import threading
from typing import Any


class CountingSends:
    """Counts packets handed to engine.io; ``packets`` is the running total."""

    def __init__(self) -> None:
        self.packets = 0

    def send(self, eio_sid: str, data: Any) -> None:
        self.packets += 1

    def send_packet(self, eio_sid: str, pkt: Any) -> None:
        self.packets += 1


class ExtraWorkSends(CountingSends):
    """Counting sends that also do one fixed, small piece of Python work per packet.

    The known answer of the instruction gate (docs/bench.md, "Instruction
    counts"): for every recipient of an emit it also remembers the last
    recipient and packet (two attribute stores), the size of a stray piece of
    bookkeeping left on the path. That is about 2 % of the handler path's
    per-delivery count (measured there, not assumed).
    """

    def __init__(self) -> None:
        super().__init__()
        self.last_sid: str | None = None
        self.last_packet: Any = None

    def send(self, eio_sid: str, data: Any) -> None:
        self.packets += 1
        self.last_sid = eio_sid
        self.last_packet = data

    def send_packet(self, eio_sid: str, pkt: Any) -> None:
        self.packets += 1
        self.last_sid = eio_sid
        self.last_packet = pkt


class AwaitedSends(CountingSends):
    """Counting sends that set ``done`` once ``expect(n)`` packets have arrived.

    Used where delivery happens on another thread (the Redis listener): the
    timed code waits on ``done`` for the last local enqueue.
    """

    def __init__(self) -> None:
        super().__init__()
        self.done = threading.Event()
        self._remaining = 0

    def expect(self, packets: int) -> None:
        """Arm for the next ``packets`` sends (call before the emit)."""
        self.done.clear()
        self._remaining = packets

    def send_packet(self, eio_sid: str, pkt: Any) -> None:
        self.packets += 1
        self._remaining -= 1
        if self._remaining == 0:
            self.done.set()


def stub_engineio_sends(server: Any, sends: CountingSends | None = None) -> CountingSends:
    """Point ``server.eio.send`` and ``send_packet`` at ``sends`` (default: a new counter)."""
    sends = sends if sends is not None else CountingSends()
    server.eio.send = sends.send
    server.eio.send_packet = sends.send_packet
    return sends
