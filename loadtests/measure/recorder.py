"""One generator process's measurements, and the deltas it reports to the master.

Every Locust process that runs users holds one ``Recorder``: the per-send-second
``Bucket``s its receivers and senders fill, connect and join latencies, event
counters, the send log (``t_ns`` per room), closed strict membership intervals,
connected-user samples and its own CPU/RSS samples. ``take_delta`` turns what
accumulated since the last call into a plain, msgpack-able dict — histograms
encoded (HDR, so they merge exactly), counters as increments — and starts
afresh, so nothing is sent twice and nothing is lost between two deltas
(DESIGN rule 7). The master adds deltas up in ``loadtests.measure.aggregate``.

Latencies are buffered as raw integers and recorded into HDR histograms here,
in bulk, off the receive path (``hdr.record_many``).
"""

from __future__ import annotations

import os
import time
from array import array
from collections.abc import Callable
from typing import Any

import psutil

from loadtests.measure import hdr
from loadtests.measure.accounting import Bucket, Interval, ReceiverLedger, bucket
from loadtests.units import NS_PER_S
from loadtests.wire import readpoll

COUNTER_NAMES = ("errors", "connects", "disconnects", "reconnects")
Sampler = Callable[[str, int], None]  # (kind, latency_us): feeds Locust's UI


class Recorder:
    """Measurements of one generator process, named ``name`` with ``role``."""

    def __init__(self, name: str, role: str = "generator", grace_s: float = 1.0) -> None:
        self.name = name
        self.role = role
        self.grace_s = grace_s
        self.buckets: dict[int, Bucket] = {}
        self.intervals: list[Interval] = []
        self.connect_us = array("q")
        self.join_us = array("q")
        self.counters = dict.fromkeys(COUNTER_NAMES, 0)
        self.sends: dict[str, array] = {}
        self.connected = 0  # users connected right now
        self.joined = 0  # users that completed their first join
        self.ledgers: list[ReceiverLedger] = []
        self.receive_stats = readpoll.ReceiveStats()  # shared by the process's clients
        self.closed = False  # set after the final delta: later deltas are empty
        self._connected_by_second: dict[int, int] = {}
        self._process = psutil.Process(os.getpid())
        self._samples: dict[str, list[Any]] = {"t_ns": [], "cpu_s": [], "rss_bytes": []}

    def ledger(self, receiver: int) -> ReceiverLedger:
        found = ReceiverLedger(receiver, self.buckets, self.intervals, self.grace_s)
        self.ledgers.append(found)
        return found

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] += n

    def record_send(self, room: str, t_ns: int, lag_us: int) -> None:
        log = self.sends.get(room)
        if log is None:
            log = self.sends[room] = array("q")
        log.append(t_ns)
        b = bucket(self.buckets, t_ns // NS_PER_S)
        b.sent += 1
        b.lag_us.append(lag_us)

    def sample(self, now_ns: int | None = None) -> None:
        """Sample this process's CPU and RSS, and the connected users (once a second)."""
        now_ns = time.time_ns() if now_ns is None else now_ns
        try:
            with self._process.oneshot():
                times = self._process.cpu_times()
                rss = self._process.memory_info().rss
        except psutil.Error:
            return
        self._samples["t_ns"].append(now_ns)
        self._samples["cpu_s"].append(times.user + times.system)
        self._samples["rss_bytes"].append(rss)
        self._connected_by_second[now_ns // NS_PER_S] = self.connected

    def take_delta(
        self, sampler: Sampler | None = None, sample_every: int = 32, final: bool = False
    ) -> dict[str, Any]:
        """Everything since the last delta, as a msgpack-able dict; then start afresh.

        ``sampler`` gets every ``sample_every``-th latency (for Locust's UI only).
        ``final`` adds the still-open membership intervals and closes the recorder.
        """
        if self.closed:
            return {}
        buckets = {}
        for second, b in self.buckets.items():
            entry: dict[str, Any] = {
                "sent": b.sent,
                "strict": b.strict,
                "optional": b.optional,
                "duplicated": b.duplicated,
                "leaked": b.leaked,
                "reordered": b.reordered,
            }
            for kind, values in (("fanout", b.fanout_us), ("self", b.self_us), ("lag", b.lag_us)):
                if values:
                    entry[kind] = _encode(values)
                    if sampler is not None and kind != "lag":
                        for value in values[::sample_every]:
                            sampler(kind, value)
            buckets[str(second)] = entry
        self.buckets.clear()
        intervals = list(self.intervals)
        self.intervals.clear()
        if final:
            for ledger in self.ledgers:
                intervals.extend(ledger.open_intervals())
        if sampler is not None:
            for value in self.connect_us:
                sampler("connect", value)
            for value in self.join_us:
                sampler("join", value)
        delta: dict[str, Any] = {
            "name": self.name,
            "role": self.role,
            "pid": self._process.pid,
            "buckets": buckets,
            "connect": _encode(self.connect_us) if self.connect_us else "",
            "join": _encode(self.join_us) if self.join_us else "",
            "counters": dict(self.counters),
            "sends": {room: log.tobytes() for room, log in self.sends.items()},
            "intervals": [list(i) for i in intervals],
            "connected": {str(s): n for s, n in self._connected_by_second.items()},
            "samples": self._samples,
            "joined": self.joined,
            "receive": self.receive_stats.take(),
            "final": final,
        }
        self.connect_us = array("q")
        self.join_us = array("q")
        self.counters = dict.fromkeys(COUNTER_NAMES, 0)
        self.sends = {}
        self._connected_by_second = {}
        self._samples = {"t_ns": [], "cpu_s": [], "rss_bytes": []}
        if final:
            self.closed = True
        return delta


def _encode(values_us: array) -> str:
    histogram = hdr.new_histogram()
    hdr.record_many(histogram, values_us)
    return hdr.encode(histogram)
