"""A fake clock for gevent code, after trio's ``MockClock``: time moves only when code sleeps.

The class under test takes ``now_ns`` / ``monotonic`` / ``sleep`` from this
clock. ``sleep(s)`` moves time forward by exactly ``s`` (no wall-clock wait),
runs every callback scheduled with ``call_at`` whose time has come, in time
order, and then yields to gevent's hub once, so other greenlets get their turn.
Only one greenlet should sleep on it at a time (the loop under test): two
sleepers would each move the one shared time, as trio's clock never does.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

import gevent

from loadtests.units import NS_PER_S

T0_NS = 1_800_000_000 * NS_PER_S + 300_000_000  # 2027-01-15, not on a whole second


class FakeClock:
    """Unix nanoseconds starting at ``start_ns``; moved only by ``sleep`` and ``advance``."""

    def __init__(self, start_ns: int = T0_NS) -> None:
        self.t_ns = start_ns
        self.slept_s: list[float] = []
        self._timers: list[tuple[int, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def now_ns(self) -> int:
        return self.t_ns

    def monotonic(self) -> float:
        return self.t_ns / NS_PER_S

    def call_at(self, t_ns: int, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the clock reaches ``t_ns`` (during a sleep or advance)."""
        heapq.heappush(self._timers, (t_ns, next(self._order), callback))

    def advance(self, seconds: float) -> None:
        target_ns = self.t_ns + round(seconds * NS_PER_S)
        while self._timers and self._timers[0][0] <= target_ns:
            t_ns, _, callback = heapq.heappop(self._timers)
            self.t_ns = max(self.t_ns, t_ns)
            callback()
        self.t_ns = target_ns

    def sleep(self, seconds: float) -> None:
        self.slept_s.append(seconds)
        self.advance(seconds)
        gevent.sleep(0)
