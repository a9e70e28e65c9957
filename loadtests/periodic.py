"""A daemon thread that calls ``tick()`` every ``interval_s`` until stopped, and once more.

The runner's sampler and process watcher both run this way beside a Locust
run; ``stop`` is idempotent and ends with one last tick, so the final state
(a last sample, an exit seen at the very end) is never missed. The owner
starts and stops it; nothing else does.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod


class Periodic(ABC):
    """Subclasses implement ``tick``; ``interval_s`` and the thread ``name`` are theirs."""

    name = "roombench-periodic"

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def tick(self) -> None:
        """One round of the work (a sample, a poll)."""

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval_s)

    def start_thread(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop_thread(self) -> None:
        """Stop the thread, then tick once more; idempotent."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.tick()
