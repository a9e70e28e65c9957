"""Reconnection delays as socket.io-client computes them (its ``Backoff``).

Defaults are the client's: ``reconnectionDelay`` 1 s, doubled per attempt up
to ``reconnectionDelayMax`` 5 s, with ``randomizationFactor`` 0.5 of jitter,
so a thousand users dropped by one dead node do not all come back at once.

    >>> rng = random.Random(0)
    >>> [delay_s(n, rng) <= 5.0 for n in range(4)]
    [True, True, True, True]
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """``initial_s`` (default 1.0) × ``factor`` (2) per attempt, at most ``max_s`` (5.0),
    each delay moved by up to ``jitter`` (0.5) of itself, up or down."""

    initial_s: float = 1.0
    factor: float = 2.0
    max_s: float = 5.0
    jitter: float = 0.5

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """The wait before reconnection attempt ``attempt`` (0 = the first)."""
        delay = self.initial_s * self.factor ** min(attempt, 32)
        if self.jitter:
            rand = rng.random()
            deviation = rand * self.jitter * delay
            # socket.io-client picks the sign from the same draw.
            delay = delay - deviation if int(rand * 10) & 1 == 0 else delay + deviation
        return min(delay, self.max_s)


SOCKETIO_CLIENT = Backoff()


def delay_s(attempt: int, rng: random.Random) -> float:
    """socket.io-client's default delay before attempt ``attempt``."""
    return SOCKETIO_CLIENT.delay_s(attempt, rng)
