"""Counters of what the node did, and the ``GET /stats`` document built from them.

Counters are incremented from handler greenlets or threads (threading mode
runs every event in its own thread), so each update takes a lock: a lost
increment would make the exact counts the tests and reports rely on wrong.
Unknown event names are counted under one key, ``"*"``, because the names are
chosen by clients and must not grow this dictionary without bound.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import Counter
from typing import Any

import psutil

from target_app.protocol import ERROR_CODES

UNKNOWN_EVENT_KEY = "*"


class Counters:
    """Events in by type, packets out by event, errors by code."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events_in: Counter[str] = Counter()
        self._emits_out: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()

    def event_in(self, event: str) -> None:
        with self._lock:
            self._events_in[event] += 1

    def emitted(self, event: str, packets: int) -> None:
        """``packets`` packets of ``event`` were queued to local clients."""
        if packets:
            with self._lock:
                self._emits_out[event] += packets

    def error(self, code: str) -> None:
        with self._lock:
            self._errors[code] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {
                "events_in": dict(self._events_in),
                "emits_out": dict(self._emits_out),
                "errors": {code: self._errors.get(code, 0) for code in ERROR_CODES},
            }


class ProcessClock:
    """Uptime, CPU time and resident memory of this process."""

    def __init__(self) -> None:
        self._started_s = time.monotonic()
        self._process = psutil.Process()

    def sample(self) -> dict[str, float | int]:
        cpu = self._process.cpu_times()
        return {
            "uptime_s": round(time.monotonic() - self._started_s, 3),
            "cpu_s": round(cpu.user + cpu.system, 3),
            "rss_bytes": self._process.memory_info().rss,
        }


def stats_document(
    *,
    node_id: str,
    async_mode: str,
    message_queue: dict[str, Any] | None,
    connections: int,
    rooms: int,
    counters: Counters,
    clock: ProcessClock,
    faults: dict[str, Any] | None,
    gc_mode: str,
) -> dict[str, Any]:
    """The ``GET /stats`` JSON: what this node holds and has done since it started.

    ``connections`` and ``rooms`` are this node's (with a Redis queue every
    node reports its own clients); ``emits_out`` counts packets queued to
    local clients by event (a room emit to 10 local members counts 10);
    ``faults`` is None when no fault is injected; ``gc`` shows the ``--gc``
    mode in force as the collector reports it (frozen objects, enabled).
    """
    return {
        "node": node_id,
        "async_mode": async_mode,
        "message_queue": message_queue,
        "connections": connections,
        "rooms": rooms,
        **counters.snapshot(),
        **clock.sample(),
        "gc": {
            "mode": gc_mode,
            "enabled": gc.isenabled(),
            "frozen_objects": gc.get_freeze_count(),
        },
        "faults": faults,
    }
