"""Log lines about hostile traffic, at most one per kind per interval.

A 2-byte malformed packet used to write about 1.4 kB of traceback to the log:
a client could fill the disk faster than it used its own bandwidth. Every such
event is still counted exactly in ``/stats``; the log only says that it is
happening, one WARNING per kind per ``--log-interval-s``, with how many were
not logged since the last line.
"""

from __future__ import annotations

import logging
import threading
import time


class RateLimitedLog:
    """``warn(kind, message, *args)`` logs at most once per ``interval_s`` per ``kind``."""

    def __init__(self, logger: logging.Logger, interval_s: float) -> None:
        self._logger = logger
        self._interval_s = interval_s
        self._lock = threading.Lock()
        self._last_s: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def warn(self, kind: str, message: str, *args: object) -> None:
        now_s = time.monotonic()
        with self._lock:
            last_s = self._last_s.get(kind)
            if last_s is not None and now_s - last_s < self._interval_s:
                self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
                return
            self._last_s[kind] = now_s
            suppressed = self._suppressed.pop(kind, 0)
        suffix = f" ({suppressed} more of this kind not logged)" if suppressed else ""
        self._logger.warning(f"{kind}: {message}{suffix}", *args)
