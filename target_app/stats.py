"""Counters of what the node did, and the ``GET /stats`` document built from them.

Counters are incremented from handler greenlets or threads (threading mode
runs every event in its own thread), so each update takes a lock: a lost
increment would make the exact counts the tests and reports rely on wrong.
Unknown event names are counted under one key, ``"*"``, because the names are
chosen by clients and must not grow this dictionary without bound; protocol
errors, likewise, by a fixed set of kinds (``protocol.PROTOCOL_ERROR_KINDS``).
"""

from __future__ import annotations

import gc
import resource
import threading
import time
from collections import Counter

import psutil

from target_app.protocol import ERROR_CODES, PROTOCOL_ERROR_KINDS
from target_app.replies import (
    CounterSnapshot,
    FaultsDescription,
    ProcessSample,
    QueueDescription,
    StatsDocument,
)

UNKNOWN_EVENT_KEY = "*"


class Counters:
    """Events in by type, packets out by event, errors by code, protocol errors by kind.

    Also: ``slow_consumer_disconnects`` (clients disconnected for exceeding
    ``--max-outbound-bytes``), ``inbound_flood_disconnects`` (clients closed
    for staying over ``--max-inbound-bytes-per-s``), ``sessions_refused`` (new
    sessions refused at ``--max-threading-sessions``) and ``accept_errors``
    (``accept()`` failures that were survived, e.g. EMFILE at the
    file-descriptor limit, by errno name).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events_in: Counter[str] = Counter()
        self._emits_out: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._protocol_errors: Counter[str] = Counter()
        self._accept_errors: Counter[str] = Counter()
        self._slow_consumers = 0
        self._inbound_floods = 0
        self._sessions_refused = 0

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

    def protocol_error(self, kind: str) -> None:
        """Count one of ``PROTOCOL_ERROR_KINDS``."""
        with self._lock:
            self._protocol_errors[kind] += 1

    def slow_consumer(self) -> None:
        with self._lock:
            self._slow_consumers += 1

    def inbound_flood(self) -> None:
        with self._lock:
            self._inbound_floods += 1

    def session_refused(self) -> None:
        with self._lock:
            self._sessions_refused += 1

    def accept_error(self, errno_name: str) -> None:
        with self._lock:
            self._accept_errors[errno_name] += 1

    def snapshot(self) -> CounterSnapshot:
        with self._lock:
            return {
                "events_in": dict(self._events_in),
                "emits_out": dict(self._emits_out),
                "errors": {code: self._errors.get(code, 0) for code in ERROR_CODES},
                "protocol_errors": {
                    kind: self._protocol_errors.get(kind, 0) for kind in PROTOCOL_ERROR_KINDS
                },
                "slow_consumer_disconnects": self._slow_consumers,
                "inbound_flood_disconnects": self._inbound_floods,
                "sessions_refused": self._sessions_refused,
                "accept_errors": dict(self._accept_errors),
            }


class ProcessClock:
    """Uptime, CPU time, resident memory, open file descriptors and threads of this process.

    ``threads`` counts OS threads (one per connection and more in threading
    mode; greenlets are not threads). ``fd_limit`` is the soft RLIMIT_NOFILE
    in force (raised to the hard limit at start-up).
    """

    def __init__(self) -> None:
        self._started_s = time.monotonic()
        self._process = psutil.Process()

    def sample(self) -> ProcessSample:
        cpu = self._process.cpu_times()
        return {
            "uptime_s": round(time.monotonic() - self._started_s, 3),
            "cpu_s": round(cpu.user + cpu.system, 3),
            "rss_bytes": self._process.memory_info().rss,
            "open_fds": self._process.num_fds(),
            "threads": self._process.num_threads(),
            "fd_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        }


def stats_document(
    *,
    node_id: str,
    async_mode: str,
    message_queue: QueueDescription | None,
    connections: int,
    rooms: int,
    counters: Counters,
    clock: ProcessClock,
    faults: FaultsDescription | None,
    gc_mode: str,
) -> StatsDocument:
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
