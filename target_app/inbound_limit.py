"""A token bucket of inbound bytes per connection: how fast one client may make the server work.

Under eventlet and gevent a websocket reader never yields while its socket has
data: one client streaming 64 kB frames just under the message cap kept the
hub busy reading, and each frame spawned a handler task that only ran when the
reader paused. ``/healthz`` went unanswered for the whole upload and the
queued tasks grew the process past 1 GiB. Every refused frame was still
counted, but nothing bounded how many a client could send per second.

Why a token bucket rather than yielding between frames: a yield after every
frame costs a greenlet switch on every message of every client (the fan-out
path's inbound side too) and still lets one client make the server parse
without limit; it bounds nothing that can be counted or stated. The bucket
costs a clock read and a few float operations per message, lets a client
burst, and names a bound (``rate_bytes_per_s``): a reader that finds the
bucket empty *sleeps* until it refills, which yields to every other
connection and pushes back on the client through TCP (the server stops
reading, the client's sends block), so the work queued behind the connection
is what ``burst_bytes`` lets in. A client whose every message has had to wait
for ``flood_s`` is not bursting but flooding: the caller disconnects and
counts it.

Pure logic with an injectable clock; the transports call it (``transport_guard``).
"""

from __future__ import annotations

import time
from collections.abc import Callable


class InboundBucket:
    """Bytes one connection may send: ``rate_bytes_per_s`` sustained, ``burst_bytes`` at once.

    ``charge(size_bytes)`` takes a message's bytes and returns the seconds the
    reader must pause before reading on (0.0 when the bucket had them).
    ``over_for_s()`` is how long every message has had to wait (0.0 once one
    did not).
    """

    def __init__(
        self,
        rate_bytes_per_s: float,
        burst_bytes: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate_bytes_per_s = rate_bytes_per_s
        self.burst_bytes = burst_bytes
        self._clock = clock
        self._tokens = burst_bytes
        self._stamp_s = clock()
        self._over_since_s: float | None = None

    def charge(self, size_bytes: int) -> float:
        now_s = self._clock()
        tokens = min(
            self.burst_bytes, self._tokens + (now_s - self._stamp_s) * self.rate_bytes_per_s
        )
        tokens -= size_bytes
        self._tokens = tokens
        self._stamp_s = now_s
        if tokens >= 0:
            self._over_since_s = None
            return 0.0
        if self._over_since_s is None:
            self._over_since_s = now_s
        return -tokens / self.rate_bytes_per_s

    def over_for_s(self) -> float:
        if self._over_since_s is None:
            return 0.0
        return self._clock() - self._over_since_s
