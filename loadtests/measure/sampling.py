"""Per-second CPU and RSS samples of processes (nodes, redis-server, generators).

A sample keeps the process's *cumulative* CPU seconds, so the CPU spent inside
the measurement window is a difference of two samples rather than a sum of
rounded percentages. Works as a plain thread; under Locust's gevent
monkey-patching the same thread is a greenlet, so generators can use it too.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

import psutil

from loadtests.measure import schedstat


@dataclass
class ProcessSeries:
    """Samples of one process: instants (ns), cumulative CPU (s) and RSS (bytes)."""

    role: str
    name: str
    pid: int
    t_ns: list[int] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    rss_bytes: list[int] = field(default_factory=list)
    # cumulative run-queue wait (s), or None where /proc/PID/schedstat is missing
    wait_s: list[float | None] = field(default_factory=list)

    def add(self, t_ns: int, cpu_s: float, rss_bytes: int, wait_s: float | None = None) -> None:
        self.t_ns.append(t_ns)
        self.cpu_s.append(cpu_s)
        self.rss_bytes.append(rss_bytes)
        self.wait_s.append(wait_s)

    def wait_s_between(self, start_ns: int, end_ns: int) -> float | None:
        """Run-queue wait (s) between the samples nearest ``start_ns`` and ``end_ns``."""
        if not self.t_ns:
            return None
        first = min(bisect_left(self.t_ns, start_ns), len(self.t_ns) - 1)
        last = min(bisect_left(self.t_ns, end_ns), len(self.t_ns) - 1)
        a, b = self.wait_s[first], self.wait_s[last]
        if a is None or b is None:
            return None
        return max(0.0, b - a)

    def wait_fraction(self, start_ns: int, end_ns: int) -> float | None:
        """Share of the window this process spent waiting for a CPU (None: not measured)."""
        waited = self.wait_s_between(start_ns, end_ns)
        if waited is None or end_ns <= start_ns:
            return None
        return waited / ((end_ns - start_ns) / 1e9)

    def cpu_s_between(self, start_ns: int, end_ns: int) -> float:
        """CPU seconds spent between the samples nearest ``start_ns`` and ``end_ns``."""
        if not self.t_ns:
            return 0.0
        first = min(bisect_left(self.t_ns, start_ns), len(self.t_ns) - 1)
        last = min(bisect_left(self.t_ns, end_ns), len(self.t_ns) - 1)
        return max(0.0, self.cpu_s[last] - self.cpu_s[first])

    def to_schema(self, window_start_ns: int, window_end_ns: int) -> dict[str, Any]:
        """The ``resources[]`` entry of docs/results-schema.md, times relative to the window."""
        cpu_percent = [0.0] + [
            round(
                100.0
                * (self.cpu_s[i] - self.cpu_s[i - 1])
                / max(1e-9, (self.t_ns[i] - self.t_ns[i - 1]) / 1e9),
                1,
            )
            for i in range(1, len(self.t_ns))
        ]
        return {
            "role": self.role,
            "name": self.name,
            "pid": self.pid,
            "t_s": [round((t - window_start_ns) / 1e9, 3) for t in self.t_ns],
            "cpu_percent": cpu_percent[: len(self.t_ns)],
            "rss_bytes": list(self.rss_bytes),
            "cpu_s_window": round(self.cpu_s_between(window_start_ns, window_end_ns), 4),
            "wait_s_window": _rounded(self.wait_s_between(window_start_ns, window_end_ns)),
            "peak_rss_bytes": max(self.rss_bytes, default=0),
        }

    def busy_fraction(
        self, window_start_ns: int, window_end_ns: int, above_percent: float
    ) -> float:
        """Fraction of the window's sample intervals in which CPU was above ``above_percent``."""
        busy = total = 0
        for i in range(1, len(self.t_ns)):
            # Only intervals wholly inside the window speak for it.
            if self.t_ns[i - 1] < window_start_ns or self.t_ns[i] > window_end_ns:
                continue
            elapsed_s = (self.t_ns[i] - self.t_ns[i - 1]) / 1e9
            total += 1
            if (
                elapsed_s > 0
                and 100.0 * (self.cpu_s[i] - self.cpu_s[i - 1]) / elapsed_s > above_percent
            ):
                busy += 1
        return busy / total if total else 0.0


class Sampler:
    """Samples a set of processes every ``interval_s`` (default 1 s) in a daemon thread."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self.series: list[ProcessSeries] = []
        self._procs: list[tuple[ProcessSeries, psutil.Process]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, role: str, name: str, pid: int) -> ProcessSeries:
        series = ProcessSeries(role, name, pid)
        self.series.append(series)
        self._procs.append((series, psutil.Process(pid)))
        return series

    def sample_once(self) -> None:
        now_ns = time.time_ns()
        for series, proc in self._procs:
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    rss = proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            wait = schedstat.wait_ns(proc.pid)
            series.add(now_ns, times.user + times.system, rss, None if wait is None else wait / 1e9)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample_once()
            self._stop.wait(self.interval_s)

    def start(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, name="roombench-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sample_once()


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
