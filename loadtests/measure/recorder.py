"""One generator process's measurements, and the deltas it reports to the master.

Every Locust process that runs users holds one ``Recorder``: the per-send-second
``RawSecond``s its receivers and senders fill, connect and join latencies, event
counters, the send log (``t_ns`` per room), closed strict membership intervals,
connected-user samples and its own CPU/RSS samples. ``take_delta`` turns what
accumulated since the last call into a plain, msgpack-able dict — histograms
encoded (HDR, so they merge exactly), counters as increments — and starts
afresh, so nothing is sent twice and nothing is lost between two deltas
(measurement rule 7, docs/measurement.md). The master adds deltas up in
``loadtests.measure.aggregate``.

Latencies are buffered as raw integers and recorded into HDR histograms here,
in bulk, off the receive path (``hdr.record_many``). Values clamped into the
histogram's range are counted per second and kind (``range``: [below 0, above
60 s]). Fan-out latencies split by sender worker rank (across hosts, for the
master's clock correction) travel as signed pairs (``fanout_split``), since
they may be negative until corrected.
"""

from __future__ import annotations

import os
import socket
import time
from array import array
from collections.abc import Callable

import psutil

from loadtests.measure import hdr, schedstat
from loadtests.measure.accounting import (
    Interval,
    RawSecond,
    ReceiverLedger,
    bucket,
)
from loadtests.model.delta import Delta, DeltaSamples, DeltaSecond, EmptyDelta, LatencyKind
from loadtests.units import NS_PER_S
from loadtests.wire import readpoll

# Whole-run event counters (not windowed). ``disconnects`` counts every close;
# ``unexpected_disconnects`` those the harness did not ask for (server close, reset,
# node death, ping timeout); ``reconnects`` every new connection after the first.
# ``reconnect_failures``: connect attempts refused while coming back after a drop.
COUNTER_NAMES = (
    "errors",
    "connects",
    "disconnects",
    "unexpected_disconnects",
    "reconnects",
    "reconnect_failures",
)
Sampler = Callable[[str, int], None]  # (kind, latency_us): feeds Locust's UI
HOSTNAME = socket.gethostname()  # the results say where each generator process ran


class Recorder:
    """Measurements of one generator process, named ``name`` with ``role``."""

    def __init__(
        self,
        name: str,
        role: str = "generator",
        grace_s: float = 1.0,
        rank: int = 0,
        split_workers: int = 0,
    ) -> None:
        self.name = name
        self.role = role
        self.grace_s = grace_s
        self.rank = rank  # this worker's rank: the receiver side of split fan-out
        self.split_workers = split_workers  # W > 1: fan-out split by sender rank
        self.buckets: dict[int, RawSecond] = {}
        self.intervals: list[Interval] = []
        self.away_intervals: list[Interval] = []
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
        self._samples = _empty_samples()

    def ledger(self, receiver: int) -> ReceiverLedger:
        found = ReceiverLedger(
            receiver,
            self.buckets,
            self.intervals,
            self.grace_s,
            self.away_intervals,
            self.split_workers,
            self.receive_stats,
        )
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

    def record_skip(self, t_ns: int) -> None:
        """A scheduled send that could not go out: the sender was not connected."""
        bucket(self.buckets, t_ns // NS_PER_S).skipped += 1

    def record_drop(self, t_ns: int) -> None:
        """A connection the harness did not close was lost."""
        self.counters["unexpected_disconnects"] += 1
        bucket(self.buckets, t_ns // NS_PER_S).dropped += 1

    def record_rejoin(self, dropped_ns: int, rejoined_ns: int) -> None:
        """A dropped user is back in all its rooms: reconnect time, by drop second."""
        bucket(self.buckets, rejoined_ns // NS_PER_S).rejoined += 1
        bucket(self.buckets, dropped_ns // NS_PER_S).reconnect_us.append(
            (rejoined_ns - dropped_ns) // 1000
        )

    def sample(self, now_ns: int | None = None) -> None:
        """Sample this process's CPU and RSS, and the connected users (once a second)."""
        now_ns = time.time_ns() if now_ns is None else now_ns
        try:
            with self._process.oneshot():
                times = self._process.cpu_times()
                rss = self._process.memory_info().rss
        except psutil.Error:
            return
        wait_ns = schedstat.wait_ns(self._process.pid)
        self._samples["t_ns"].append(now_ns)
        self._samples["cpu_s"].append(times.user + times.system)
        self._samples["rss_bytes"].append(rss)
        self._samples["wait_s"].append(None if wait_ns is None else wait_ns / NS_PER_S)
        self._connected_by_second[now_ns // NS_PER_S] = self.connected

    def take_delta(
        self, sampler: Sampler | None = None, sample_every: int = 32, final: bool = False
    ) -> Delta | EmptyDelta:
        """Everything since the last delta, as a msgpack-able dict; then start afresh.

        ``sampler`` gets every ``sample_every``-th latency (for Locust's UI only).
        ``final`` adds the still-open membership intervals and closes the recorder.
        """
        if self.closed:
            return {}
        buckets: dict[str, DeltaSecond] = {}
        for second, b in self.buckets.items():
            entry: DeltaSecond = {**b.counts()}
            clamped: dict[str, list[int]] = {}
            kinds: tuple[tuple[LatencyKind, array], ...] = (
                ("fanout", b.fanout_us),
                ("self", b.self_us),
                ("lag", b.lag_us),
                ("reconnect", b.reconnect_us),
            )
            for kind, values in kinds:
                if values:
                    out = hdr.OutOfRange()
                    entry[kind] = _encode(values, out)
                    if out.negative or out.over:
                        clamped[kind] = out.to_list()
                    if sampler is not None and kind in ("fanout", "self"):
                        for value in values[::sample_every]:
                            sampler(kind, value)
            if clamped:
                entry["range"] = clamped
            if b.fanout_split:
                entry["fanout_split"] = {
                    str(rank): list(hdr.signed(values)) for rank, values in b.fanout_split.items()
                }
                if sampler is not None:
                    for values in b.fanout_split.values():
                        for value in values[::sample_every]:
                            sampler("fanout", value)
            buckets[str(second)] = entry
        self.buckets.clear()
        intervals = list(self.intervals)
        self.intervals.clear()
        away = list(self.away_intervals)
        self.away_intervals.clear()
        # Every delta carries a snapshot of the memberships still open, so a
        # worker that vanishes before its final delta leaves its receivers
        # expected (rule 5) instead of delivered-but-never-expected.
        open_now: list[Interval] = []
        away_now: list[Interval] = []
        for ledger in self.ledgers:
            open_now.extend(ledger.open_intervals())
            away_now.extend(ledger.open_away())
        if sampler is not None:
            for value in self.connect_us:
                sampler("connect", value)
            for value in self.join_us:
                sampler("join", value)
        connect_range, join_range = hdr.OutOfRange(), hdr.OutOfRange()
        delta: Delta = {
            "name": self.name,
            "role": self.role,
            "rank": self.rank,
            "pid": self._process.pid,
            "host": HOSTNAME,
            "buckets": buckets,
            "connect": _encode(self.connect_us, connect_range) if self.connect_us else "",
            "join": _encode(self.join_us, join_range) if self.join_us else "",
            "connect_range": connect_range.to_list(),
            "join_range": join_range.to_list(),
            "counters": dict(self.counters),
            "sends": {room: log.tobytes() for room, log in self.sends.items()},
            "intervals": [list(i) for i in intervals],
            "away_intervals": [list(i) for i in away],
            "open_intervals": [list(i) for i in open_now],
            "open_away": [list(i) for i in away_now],
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
        self._samples = _empty_samples()
        if final:
            self.closed = True
        return delta


def _empty_samples() -> DeltaSamples:
    return {"t_ns": [], "cpu_s": [], "rss_bytes": [], "wait_s": []}


def _encode(values_us: array, out_of_range: hdr.OutOfRange | None = None) -> str:
    histogram = hdr.new_histogram()
    hdr.record_many(histogram, values_us, out_of_range)
    return hdr.encode(histogram)
