"""Per-second CPU and RSS samples of processes (nodes, redis-server, generators).

A sample keeps the process's *cumulative* CPU seconds, so the CPU spent inside
the measurement window is a difference of two samples rather than a sum of
rounded percentages. A process the runner starts again (a fault timeline's
``start_node``) keeps one series: ``Sampler.follow`` points it at the new pid and
carries the old incarnation's totals over, so the series stays cumulative.
The runner's sampler also records the host's load average and CPU steal.
A server the runner did not start, on any host, is sampled through what it
reports about itself instead (``watch_stats``: target_app's ``GET /stats``,
read by a function the caller passes): CPU, RSS, connections and errors.
Works as a plain thread; under Locust's gevent
monkey-patching the same thread is a greenlet, so generators can use it too.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypedDict

import psutil

from loadtests.measure import schedstat
from loadtests.model.results import HostSeries as HostSeriesDoc
from loadtests.model.results import ResourceSeries
from loadtests.periodic import Periodic


class _Host(TypedDict, total=False):
    host: str


class _Restarted(TypedDict, total=False):
    pids: list[int]


class _Stats(TypedDict, total=False):
    source: str
    connections: list[int]
    errors: list[int]


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
    # every pid this series followed, in order (more than one: the process was restarted)
    pids: list[int] = field(default_factory=list)
    # the host it ran on (a host name, or a test host's / target's address); None: unknown
    host: str | None = None
    # "process": read from /proc by pid; "stats": from the server's own /stats (any host),
    # which also gives its connections and errors (cumulative) at each sample
    source: str = "process"
    connections: list[int] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)

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

    def to_schema(self, window_start_ns: int, window_end_ns: int) -> ResourceSeries:
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
        # the optional keys, in the entry's key order (after pid)
        host: _Host = {"host": self.host} if self.host is not None else {}
        restarted: _Restarted = {"pids": list(self.pids)} if len(self.pids) > 1 else {}
        stats: _Stats = (
            {"source": "stats", "connections": self.connections, "errors": self.errors}
            if self.source == "stats"
            else {}
        )
        return {
            "role": self.role,
            "name": self.name,
            "pid": self.pid,
            **host,
            **restarted,
            **stats,
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
        """Share of the window's sampled *time* in which CPU was above ``above_percent``.

        Weighted by each interval's length: the sampler adds samples at the window's
        edges, and a 0.2-s edge interval counted as one interval among nine made a
        short burst read as 11 % of an 8-s window (a spurious ``generator_saturated``
        that ended a capacity search early, 2026-12-08).
        """
        busy = total = 0.0
        for i in range(1, len(self.t_ns)):
            # Only intervals wholly inside the window speak for it.
            if self.t_ns[i - 1] < window_start_ns or self.t_ns[i] > window_end_ns:
                continue
            elapsed_s = (self.t_ns[i] - self.t_ns[i - 1]) / 1e9
            if elapsed_s <= 0:
                continue
            total += elapsed_s
            if 100.0 * (self.cpu_s[i] - self.cpu_s[i - 1]) / elapsed_s > above_percent:
                busy += elapsed_s
        return busy / total if total else 0.0


@dataclass
class HostSeries:
    """Host-wide samples: 1-minute load average and cumulative CPU jiffies (total, steal)."""

    t_ns: list[int] = field(default_factory=list)
    loadavg_1m: list[float] = field(default_factory=list)
    cpu_total: list[float] = field(default_factory=list)
    cpu_steal: list[float] = field(default_factory=list)

    def add(self, t_ns: int, loadavg_1m: float, cpu: dict[str, float]) -> None:
        self.t_ns.append(t_ns)
        self.loadavg_1m.append(loadavg_1m)
        self.cpu_total.append(cpu["total"])
        self.cpu_steal.append(cpu["steal"])

    def steal_percent(self, start_ns: int, end_ns: int) -> float | None:
        """Share of all host CPU time stolen by the hypervisor between the nearest samples."""
        if not self.t_ns:
            return None
        first = min(bisect_left(self.t_ns, start_ns), len(self.t_ns) - 1)
        last = min(bisect_left(self.t_ns, end_ns), len(self.t_ns) - 1)
        total = self.cpu_total[last] - self.cpu_total[first]
        if total <= 0:
            return None
        return 100.0 * (self.cpu_steal[last] - self.cpu_steal[first]) / total

    def to_schema(self, window_start_ns: int, window_end_ns: int) -> HostSeriesDoc:
        """The ``host`` object of docs/results-schema.md, times relative to the window."""
        inside = [
            load
            for t, load in zip(self.t_ns, self.loadavg_1m, strict=True)
            if window_start_ns <= t <= window_end_ns
        ]
        return {
            "t_s": [round((t - window_start_ns) / 1e9, 3) for t in self.t_ns],
            "loadavg_1m": list(self.loadavg_1m),
            "loadavg_1m_max_window": max(inside, default=None),
            "steal_percent": _rounded(self.steal_percent(window_start_ns, window_end_ns)),
        }


# (url) -> {"cpu_s", "rss_bytes", "connections", "errors"} of the server there, or None
# when it gave no such reply; may raise OSError or ValueError (unreachable, bad reply).
StatsReader = Callable[[str], Mapping[str, float] | None]


class Sampler(Periodic):
    """Samples a set of processes every ``interval_s`` (default 1 s) in a daemon thread.

    ``host=True`` also samples the host's load average and CPU steal (``self.host``);
    ``read_stats`` reads a server's own figures for ``watch_stats`` (default: none).
    """

    name = "roombench-sampler"

    def __init__(
        self, interval_s: float = 1.0, host: bool = False, read_stats: StatsReader | None = None
    ) -> None:
        super().__init__(interval_s)
        self.series: list[ProcessSeries] = []
        self.host: HostSeries | None = HostSeries() if host else None
        self._procs: list[_Followed] = []
        self._stats: list[tuple[ProcessSeries, str]] = []
        self._read_stats = read_stats
        self._lock = threading.Lock()

    def watch(self, role: str, name: str, pid: int, host: str | None = None) -> ProcessSeries:
        series = ProcessSeries(role, name, pid, pids=[pid], host=host)
        with self._lock:
            self.series.append(series)
            self._procs.append(_Followed(series, psutil.Process(pid)))
        return series

    def watch_stats(self, role: str, name: str, url: str, host: str | None = None) -> ProcessSeries:
        """Sample the server at ``url`` through ``read_stats`` (it has no pid here: 0)."""
        if self._read_stats is None:
            raise ValueError("this sampler has no read_stats: it cannot sample through /stats")
        series = ProcessSeries(role, name, 0, host=host, source="stats")
        with self._lock:
            self.series.append(series)
            self._stats.append((series, url))
        return series

    def follow(self, name: str, pid: int) -> ProcessSeries:
        """Point the series ``name`` at a new process (the same one, restarted).

        The new process's CPU and wait start from zero; the old one's last sampled
        totals are carried over so the series stays cumulative. (CPU the old
        process spent after its last sample is not seen: at most one interval.)
        """
        with self._lock:
            for followed in self._procs:
                if followed.series.name == name:
                    series = followed.series
                    followed.proc = psutil.Process(pid)
                    followed.cpu_base_s = series.cpu_s[-1] if series.cpu_s else 0.0
                    last_wait = series.wait_s[-1] if series.wait_s else None
                    followed.wait_base_s = last_wait or 0.0
                    series.pids.append(pid)
                    return series
        raise KeyError(f"no sampled process named {name!r}")

    def _stats_samples(self) -> list[tuple[ProcessSeries, int, Mapping[str, float]]]:
        """One reply from each server sampled through /stats (outside the lock: a
        server cut off from the network must not hold up the rest)."""
        with self._lock:
            watched = list(self._stats)
        samples = []
        for series, url in watched:
            assert self._read_stats is not None  # watch_stats needs it
            t_ns = time.time_ns()
            try:
                sample = self._read_stats(url)
            except (OSError, ValueError):
                continue  # unreachable for now (down, partitioned): no sample this second
            if sample is not None:
                samples.append((series, t_ns, sample))
        return samples

    def sample_once(self) -> None:
        replies = self._stats_samples() if self._stats else []
        now_ns = time.time_ns()
        with self._lock:
            for series, t_ns, sample in replies:
                series.add(t_ns, float(sample["cpu_s"]), int(sample["rss_bytes"]))
                series.connections.append(int(sample["connections"]))
                series.errors.append(int(sample["errors"]))
            for followed in self._procs:
                proc = followed.proc
                try:
                    with proc.oneshot():
                        times = proc.cpu_times()
                        rss = proc.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue  # ended (or between a kill and its restart)
                wait = schedstat.wait_ns(proc.pid)
                followed.series.add(
                    now_ns,
                    followed.cpu_base_s + times.user + times.system,
                    rss,
                    None if wait is None else followed.wait_base_s + wait / 1e9,
                )
            if self.host is not None:
                try:
                    self.host.add(now_ns, schedstat.load_average(), schedstat.host_cpu())
                except (OSError, ValueError, IndexError):
                    pass  # no /proc (not Linux): the host object stays empty

    def tick(self) -> None:
        self.sample_once()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No sample is taken meanwhile: the series can be read while sampling goes on."""
        with self._lock:
            yield

    def start(self) -> Sampler:
        self.start_thread()
        return self

    def stop(self) -> None:
        """Stop sampling after one last sample; idempotent."""
        self.stop_thread()


@dataclass
class _Followed:
    series: ProcessSeries
    proc: psutil.Process
    cpu_base_s: float = 0.0
    wait_base_s: float = 0.0


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
