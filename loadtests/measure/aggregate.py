"""The master's sum of every generator process's deltas, and the measured part of the results.

``Aggregate.add`` takes the deltas of ``loadtests.measure.recorder`` (periodic ones via
Locust's ``worker_report``, then each worker's final one); everything in them
is additive, so the order deltas arrive in does not matter. ``measured``
applies the window: only buckets of send seconds inside it count, strict
expectations come from the send logs and membership intervals
(``accounting.expected_strict``), and the results-schema sections latency,
counters, rates, generator, timeseries, resources and flags are built.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from loadtests.measure import hdr
from loadtests.measure.accounting import Interval, expected_strict
from loadtests.measure.recorder import COUNTER_NAMES
from loadtests.measure.sampling import ProcessSeries
from loadtests.measure.window import Window

SATURATED_CPU_PERCENT = 90.0
SATURATED_FRACTION = 0.10
SCHEDULE_LAG_FLAG_US = 100_000
_COUNTS = ("sent", "strict", "optional", "duplicated", "leaked", "reordered")


@dataclass
class Second:
    """Everything sent in one second, summed over processes."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))
    histograms: dict[str, HdrHistogram] = field(default_factory=dict)

    def histogram(self, kind: str) -> HdrHistogram:
        found = self.histograms.get(kind)
        if found is None:
            found = self.histograms[kind] = hdr.new_histogram()
        return found


class Aggregate:
    """Deltas from every generator process, summed."""

    def __init__(self) -> None:
        self.seconds: dict[int, Second] = {}
        self.connect = hdr.new_histogram()
        self.join = hdr.new_histogram()
        self.counters = dict.fromkeys(COUNTER_NAMES, 0)
        self.sends: dict[str, list[array]] = {}
        self.intervals: list[Interval] = []
        self.connected: dict[tuple[str, int], int] = {}
        self.processes: dict[str, ProcessSeries] = {}
        self.joined: dict[str, int] = {}
        self.finals: set[str] = set()
        self.receive: dict[str, int] = {}  # readpoll.ReceiveStats summed over processes

    def add(self, delta: dict[str, Any]) -> None:
        if not delta:
            return
        name = delta["name"]
        for key, entry in delta["buckets"].items():
            second = self.seconds.get(int(key))
            if second is None:
                second = self.seconds[int(key)] = Second()
            for count in _COUNTS:
                second.counts[count] += entry[count]
            for kind in ("fanout", "self", "lag"):
                if entry.get(kind):
                    hdr.add_encoded(second.histogram(kind), entry[kind])
        hdr.add_encoded(self.connect, delta["connect"])
        hdr.add_encoded(self.join, delta["join"])
        for counter, n in delta["counters"].items():
            self.counters[counter] = self.counters.get(counter, 0) + n
        for room, raw in delta["sends"].items():
            log = array("q")
            log.frombytes(raw)
            self.sends.setdefault(room, []).append(log)
        self.intervals.extend(
            (int(r), str(room), int(a), int(b)) for r, room, a, b in delta["intervals"]
        )
        for key, n in delta["connected"].items():
            self.connected[(name, int(key))] = n
        series = self.processes.get(name)
        if series is None:
            series = self.processes[name] = ProcessSeries(delta["role"], name, delta["pid"])
        samples = delta["samples"]
        for t_ns, cpu_s, rss in zip(
            samples["t_ns"], samples["cpu_s"], samples["rss_bytes"], strict=True
        ):
            series.add(t_ns, cpu_s, rss)
        self.joined[name] = delta["joined"]
        for key, n in delta.get("receive", {}).items():
            self.receive[key] = self.receive.get(key, 0) + n
        if delta.get("final"):
            self.finals.add(name)

    def sorted_sends(self) -> dict[str, list[int]]:
        return {room: sorted(t for log in logs for t in log) for room, logs in self.sends.items()}

    def window_counts(self, window: Window) -> dict[str, int]:
        totals = dict.fromkeys(_COUNTS, 0)
        for second in range(window.start_s, window.end_s):
            found = self.seconds.get(second)
            if found is not None:
                for count in _COUNTS:
                    totals[count] += found.counts[count]
        return totals

    def window_histogram(self, kind: str, window: Window) -> HdrHistogram:
        total = hdr.new_histogram()
        for second in range(window.start_s, window.end_s):
            found = self.seconds.get(second)
            if found is not None and kind in found.histograms:
                total.add(found.histograms[kind])
        return total

    def measured(self, window: Window, incomplete: list[str]) -> dict[str, Any]:
        """The results sections this aggregate determines, for ``window``."""
        counts = self.window_counts(window)
        sends = self.sorted_sends()
        expected = (
            expected_strict(self.intervals, sends, window.start_ns, window.end_ns)
            + counts["optional"]
        )
        delivered = counts["strict"] + counts["optional"]
        latency = {
            "fanout": hdr.summary(self.window_histogram("fanout", window)),
            "self": hdr.summary(self.window_histogram("self", window)),
            "connect": hdr.summary(self.connect),
            "join": hdr.summary(self.join),
            "schedule_lag": hdr.summary(self.window_histogram("lag", window)),
        }
        counters = {
            "sent": counts["sent"],
            "expected": expected,
            "delivered": delivered,
            "lost": expected - delivered,
            "duplicated": counts["duplicated"],
            "leaked": counts["leaked"],
            "reordered": counts["reordered"],
            **self.counters,
        }
        duration_s = window.duration_s
        generator_series = [s for s in self.processes.values() if s.role in ("generator", "master")]
        cpu_s = sum(s.cpu_s_between(window.start_ns, window.end_ns) for s in generator_series)
        doc: dict[str, Any] = {
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
            },
            "timeseries": self.timeseries(window),
            "resources": [
                s.to_schema(window.start_ns, window.end_ns) for s in self.processes.values()
            ],
        }
        doc["flags"] = self.flags(window, counters, latency, generator_series, incomplete)
        return doc

    def timeseries(self, window: Window) -> dict[str, list[Any]]:
        first = window.start_s - math.ceil(max(window.warmup_s, 0.5))
        last = window.end_s + math.ceil(window.drain_s)
        connected: dict[int, int] = {}
        for (_name, second), n in self.connected.items():
            connected[second] = connected.get(second, 0) + n
        series: dict[str, list[Any]] = {
            k: [] for k in ("t_s", "phase", "sent", "delivered", "p50_us", "p99_us", "connected")
        }
        for second in range(first, last):
            found = self.seconds.get(second)
            fanout = found.histograms.get("fanout") if found is not None else None
            if fanout is None or fanout.get_total_count() == 0:
                fanout = None
            series["t_s"].append(second - window.start_s)
            series["phase"].append(window.phase(second))
            series["sent"].append(found.counts["sent"] if found else 0)
            series["delivered"].append(
                found.counts["strict"] + found.counts["optional"] if found else 0
            )
            series["p50_us"].append(
                fanout.get_value_at_percentile(50.0) if fanout is not None else None
            )
            series["p99_us"].append(
                fanout.get_value_at_percentile(99.0) if fanout is not None else None
            )
            series["connected"].append(connected.get(second))
        return series

    def flags(
        self,
        window: Window,
        counters: dict[str, int],
        latency: dict[str, Any],
        generator_series: list[ProcessSeries],
        incomplete: list[str],
    ) -> dict[str, str]:
        flags: dict[str, str] = {}
        busy = []
        for series in generator_series:
            fraction = series.busy_fraction(window.start_ns, window.end_ns, SATURATED_CPU_PERCENT)
            if fraction > SATURATED_FRACTION:
                busy.append(
                    f"{series.name} above {SATURATED_CPU_PERCENT:.0f} % CPU for "
                    f"{fraction * 100:.0f} % of the window"
                )
        if busy:
            flags["generator_saturated"] = "; ".join(busy)
        if counters["lost"] > 0:
            flags["lost"] = f"{counters['lost']} of {counters['expected']} expected deliveries lost"
        for name in ("leaked", "duplicated", "errors"):
            if counters[name] > 0:
                flags[name] = f"{counters[name]} {name}"
        if (
            latency["schedule_lag"]["count"]
            and latency["schedule_lag"]["p99"] > SCHEDULE_LAG_FLAG_US
        ):
            flags["schedule_lag"] = (
                f"schedule lag p99 {latency['schedule_lag']['p99'] / 1000:.0f} ms: "
                "the generator fell behind its open-model schedule"
            )
        if incomplete:
            flags["incomplete"] = "; ".join(incomplete)
        return flags
