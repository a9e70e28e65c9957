"""The master's sum of every generator process's deltas, and the measured part of the results.

``Aggregate.add`` takes the deltas of ``loadtests.measure.recorder`` (periodic ones via
Locust's ``worker_report``, then each worker's final one); everything in them
is additive, so the order deltas arrive in does not matter. ``measured``
applies the window: only buckets of send seconds inside it count, strict
expectations come from the send logs and membership intervals
(``accounting.expected_strict``), and the results-schema sections latency,
counters, rates, generator, timeseries, resources and flags are built.

Clock correction happens here, off the receive path: fan-out latencies that
workers filed per sender rank (``fanout_split``, signed) are kept per
(second, sender rank, receiver rank) and, in ``measured``, shifted by that
pair's correction (``clocks.ClockTable``) and recorded again. Live views
(``histograms["fanout"]``) see them uncorrected; the results only corrected.
Every value clamped into the histogram range is counted (``negative``,
``over_range`` in each latency summary; flag ``latency_out_of_range``).
Seconds more than ``DENSE_SECONDS`` older than the newest keep their histograms
encoded, not dense (``loadtests.measure.second``): the master's memory stays bounded.
"""

from __future__ import annotations

import copy
from array import array
from typing import Any

from hdrh.histogram import HdrHistogram

from loadtests.measure import hdr
from loadtests.measure.accounting import COUNT_NAMES, Interval, expected_strict
from loadtests.measure.clocks import ClockTable
from loadtests.measure.recorder import COUNTER_NAMES
from loadtests.measure.run_flags import run_flags
from loadtests.measure.sampling import ProcessSeries
from loadtests.measure.second import DENSE_SECONDS, Second
from loadtests.measure.timeseries import timeseries
from loadtests.measure.window import Window
from loadtests.model.delta import Delta, EmptyDelta, LatencyKind
from loadtests.model.results import Counters, Latency, LatencySummary, Measured

LATENCY_KINDS: tuple[LatencyKind, ...] = ("fanout", "self", "lag", "reconnect")
SUMMARY_KINDS = {"fanout": "fanout", "self": "self", "lag": "schedule_lag"}


class AccountingError(RuntimeError):
    """The counts contradict each other (e.g. lost < 0): a bug, never a figure to report."""


class Aggregate:
    """Deltas from every generator process, summed."""

    def since(self, counters: dict[str, int], receive: dict[str, int]) -> Aggregate:
        """A view of this aggregate whose whole-run counters (errors, connects, the receive
        path's counts) are only those added since ``counters`` and ``receive`` were copied:
        a stepped session's step reports its own, not the session's so far. They are
        counted as reported, so a worker's report may carry events of the second before."""
        view = copy.copy(self)
        view.counters = {k: n - counters.get(k, 0) for k, n in self.counters.items()}
        view.receive = {k: n - receive.get(k, 0) for k, n in self.receive.items()}
        return view

    def __init__(self, dense_seconds: int | None = DENSE_SECONDS) -> None:
        self.seconds: dict[int, Second] = {}
        # None: never compact (the reference the compaction tests compare against)
        self.dense_seconds = dense_seconds
        self.dense_keys: set[int] = set()  # seconds that may hold dense histograms
        self.newest_s: int | None = None
        self.connect = hdr.new_histogram()
        self.join = hdr.new_histogram()
        self.counters = dict.fromkeys(COUNTER_NAMES, 0)
        self.sends: dict[str, list[array]] = {}
        self.intervals: list[Interval] = []
        self.away_intervals: list[Interval] = []
        # each process's latest snapshot of open memberships and open away periods
        self.open_intervals: dict[str, list[Interval]] = {}
        self.open_away: dict[str, list[Interval]] = {}
        self.connected: dict[tuple[str, int], int] = {}
        self.processes: dict[str, ProcessSeries] = {}
        self.joined: dict[str, int] = {}
        self.finals: set[str] = set()
        self.receive: dict[str, int] = {}  # readpoll.ReceiveStats summed over processes
        self.connect_clamped = hdr.OutOfRange()
        self.join_clamped = hdr.OutOfRange()

    def add(self, delta: Delta | EmptyDelta) -> None:
        if not delta or "name" not in delta:  # a closed recorder's empty delta
            return
        name = delta["name"]
        for key, entry in delta["buckets"].items():
            second = self.seconds.get(int(key))
            if second is None:
                second = self.seconds[int(key)] = Second()
            for count in COUNT_NAMES:
                second.counts[count] += entry.get(count, 0)
            for kind in LATENCY_KINDS:
                if entry.get(kind):
                    hdr.add_encoded(second.histogram(kind), entry[kind])
            if entry.get("fanout"):
                hdr.add_encoded(second.histogram("fanout_plain"), entry["fanout"])
            for clamped_kind, clamped in entry.get("range", {}).items():
                second.out_of_range(clamped_kind).add(hdr.OutOfRange.from_list(clamped))
            receiver = int(delta.get("rank", 0))
            for sender, encoded in entry.get("fanout_split", {}).items():
                pair = hdr.decode_signed(encoded)
                # the live "fanout" first: add_split may keep ``pair`` itself and add to it
                hdr.record_shifted(second.histogram("fanout"), pair, 0, hdr.OutOfRange())
                second.add_split((int(sender), receiver), pair)
            self.dense_keys.add(int(key))
            if self.newest_s is None or int(key) > self.newest_s:
                self.newest_s = int(key)
        self._compact_old()
        hdr.add_encoded(self.connect, delta["connect"])
        hdr.add_encoded(self.join, delta["join"])
        self.connect_clamped.add(hdr.OutOfRange.from_list(delta.get("connect_range")))
        self.join_clamped.add(hdr.OutOfRange.from_list(delta.get("join_range")))
        for counter, n in delta["counters"].items():
            self.counters[counter] = self.counters.get(counter, 0) + n
        for room, raw in delta["sends"].items():
            log = array("q")
            log.frombytes(raw)
            self.sends.setdefault(room, []).append(log)
        self.intervals.extend(_intervals(delta["intervals"]))
        self.away_intervals.extend(_intervals(delta.get("away_intervals", [])))
        if "open_intervals" in delta:
            self.open_intervals[name] = _intervals(delta["open_intervals"])
            self.open_away[name] = _intervals(delta.get("open_away", []))
        for key, n in delta["connected"].items():
            self.connected[(name, int(key))] = n
        series = self.processes.get(name)
        if series is None:
            series = self.processes[name] = ProcessSeries(
                delta["role"], name, delta["pid"], host=delta.get("host")
            )
        samples = delta["samples"]
        waits = samples.get("wait_s") or [None] * len(samples["t_ns"])
        for t_ns, cpu_s, rss, wait_s in zip(
            samples["t_ns"], samples["cpu_s"], samples["rss_bytes"], waits, strict=True
        ):
            series.add(t_ns, cpu_s, rss, wait_s)
        self.joined[name] = delta["joined"]
        for key, n in delta.get("receive", {}).items():
            self.receive[key] = self.receive.get(key, 0) + n
        if delta.get("final"):
            self.finals.add(name)

    def _compact_old(self) -> None:
        """Encode every second more than ``dense_seconds`` older than the newest one."""
        if self.dense_seconds is None or self.newest_s is None:
            return
        oldest_dense = self.newest_s - self.dense_seconds
        for key in [k for k in self.dense_keys if k < oldest_dense]:
            self.seconds[key].compact()
            self.dense_keys.discard(key)

    def sorted_sends(self) -> dict[str, list[int]]:
        return {room: sorted(t for log in logs for t in log) for room, logs in self.sends.items()}

    def window_counts(self, window: Window) -> dict[str, int]:
        totals: dict[str, int] = dict.fromkeys(COUNT_NAMES, 0)
        for second in range(window.start_s, window.end_s):
            found = self.seconds.get(second)
            if found is not None:
                for count in COUNT_NAMES:
                    totals[count] += found.counts[count]
        return totals

    def all_intervals(self) -> tuple[list[Interval], list[Interval]]:
        """Strict intervals and away periods: closed ones plus every process's open ones."""
        strict = self.intervals + [i for found in self.open_intervals.values() for i in found]
        away = self.away_intervals + [i for found in self.open_away.values() for i in found]
        return strict, away

    def whole_run_histogram(self, kind: str) -> HdrHistogram:
        total = hdr.new_histogram()
        for found in self.seconds.values():
            histogram = found.read(kind)
            if histogram is not None:
                total.add(histogram)
        return total

    def window_histogram(self, kind: str, window: Window) -> HdrHistogram:
        total = hdr.new_histogram()
        for second in range(window.start_s, window.end_s):
            found = self.seconds.get(second)
            histogram = found.read(kind) if found is not None else None
            if histogram is not None:
                total.add(histogram)
        return total

    def window_out_of_range(self, kind: str, window: Window) -> hdr.OutOfRange:
        total = hdr.OutOfRange()
        for second in range(window.start_s, window.end_s):
            found = self.seconds.get(second)
            if found is not None and kind in found.clamped:
                total.add(found.clamped[kind])
        return total

    def corrected_fanout(
        self, clocks: ClockTable | None
    ) -> dict[int, tuple[HdrHistogram, hdr.OutOfRange]]:
        """Every second's fan-out histogram, clock-corrected, with what was clamped."""
        return {s: found.corrected_fanout(clocks) for s, found in self.seconds.items()}

    def measured(
        self, window: Window, incomplete: list[str], clocks: ClockTable | None = None
    ) -> Measured:
        """The results sections this aggregate determines, for ``window``.

        ``clocks`` (distributed runs) corrects cross-host fan-out and adds the
        ``clocks`` section and the ``clock_uncertain`` flag.
        """
        counts = self.window_counts(window)
        sends = self.sorted_sends()
        intervals, away = self.all_intervals()
        expected_away = expected_strict(away, sends, window.start_ns, window.end_ns)
        expected = (
            expected_strict(intervals, sends, window.start_ns, window.end_ns) + counts["optional"]
        )
        delivered = counts["strict"] + counts["optional"]
        lost = expected - delivered
        lost_disconnected = expected_away - counts["away_delivered"]
        check_accounting(expected, delivered, lost_disconnected)
        fanout_by_second = self.corrected_fanout(clocks)
        fanout = hdr.new_histogram()
        fanout_clamped = hdr.OutOfRange()
        for second in range(window.start_s, window.end_s):
            if second in fanout_by_second:
                histogram, clamped = fanout_by_second[second]
                fanout.add(histogram)
                fanout_clamped.add(clamped)
        reconnect_clamped = hdr.OutOfRange()
        for found in self.seconds.values():
            reconnect_clamped.add(found.clamped.get("reconnect", hdr.OutOfRange()))
        latency: Latency = {
            "fanout": _summary(fanout, fanout_clamped),
            "self": _summary(
                self.window_histogram("self", window), self.window_out_of_range("self", window)
            ),
            "connect": _summary(self.connect, self.connect_clamped),
            "join": _summary(self.join, self.join_clamped),
            "schedule_lag": _summary(
                self.window_histogram("lag", window), self.window_out_of_range("lag", window)
            ),
            "reconnect": _summary(self.whole_run_histogram("reconnect"), reconnect_clamped),
        }
        counters: Counters = {
            "sent": counts["sent"],
            "expected": expected,
            "delivered": delivered,
            "lost": lost,
            "lost_connected": lost - lost_disconnected,
            "lost_disconnected": lost_disconnected,
            "duplicated": counts["duplicated"],
            "leaked": counts["leaked"],
            "reordered": counts["reordered"],
            "sends_skipped": counts["skipped"],
            "rejoins": sum(found.counts["rejoined"] for found in self.seconds.values()),
            # the whole-run counters (recorder.COUNTER_NAMES), in that order
            "errors": self.counters["errors"],
            "connects": self.counters["connects"],
            "disconnects": self.counters["disconnects"],
            "unexpected_disconnects": self.counters["unexpected_disconnects"],
            "reconnects": self.counters["reconnects"],
            "reconnect_failures": self.counters["reconnect_failures"],
        }
        duration_s = window.duration_s
        generator_series = [s for s in self.processes.values() if s.role in ("generator", "master")]
        cpu_s = sum(s.cpu_s_between(window.start_ns, window.end_ns) for s in generator_series)
        doc: Measured = {
            "latency": latency,
            "counters": counters,
            "rates": {
                "sent_per_s": round(counts["sent"] / duration_s, 3),
                "deliveries_per_s": round(delivered / duration_s, 3),
            },
            "generator": {
                "processes": sum(1 for s in generator_series if s.role == "generator"),
                "cpu_s": round(cpu_s, 4),
                "cpu_us_per_delivery": round(cpu_s * 1e6 / delivered, 3) if delivered else None,
                # whole run, not only the window: how receipts were stamped (wire.readpoll)
                "receive": dict(self.receive),
                # the window's fan-out receipts whose stamp may be late (shared with a
                # later frame of their read): how far p99 can be overstated
                "shared_stamp_fanout": counts["shared_stamp"],
            },
            "timeseries": timeseries(
                self.seconds, self.connected, window, intervals, sends, fanout_by_second
            ),
            "resources": [
                s.to_schema(window.start_ns, window.end_ns) for s in self.processes.values()
            ],
            "flags": run_flags(window, counters, latency, generator_series, incomplete),
        }
        if clocks is not None:
            doc["clocks"] = clocks.to_schema()
            why = clocks.uncertain(latency["fanout"]["p50"])
            if why:
                doc["flags"]["clock_uncertain"] = why
        return doc


def check_accounting(expected: int, delivered: int, lost_disconnected: int) -> None:
    """Raise AccountingError unless 0 <= lost_disconnected <= lost = expected - delivered."""
    lost = expected - delivered
    if lost < 0 or lost_disconnected < 0 or lost_disconnected > lost:
        raise AccountingError(
            f"accounting bug: expected {expected}, delivered {delivered}, lost {lost}, "
            f"lost while disconnected {lost_disconnected}; a count can never be negative "
            "(docs/measurement.md rule 5) — please report this with the run's logs"
        )


def _summary(histogram: HdrHistogram, clamped: hdr.OutOfRange) -> LatencySummary:
    """``hdr.summary`` plus how many of its values were clamped into the range."""
    doc = hdr.summary(histogram)
    doc["negative"] = clamped.negative
    doc["over_range"] = clamped.over
    return doc


def _intervals(raw: list[list[Any]]) -> list[Interval]:
    return [(int(r), str(room), int(a), int(b)) for r, room, a, b in raw]
