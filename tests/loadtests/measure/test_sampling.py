"""Resource series: CPU inside the window from cumulative samples, busy fractions."""

from __future__ import annotations

import os
import subprocess

import pytest

from loadtests.measure.sampling import HostSeries, ProcessSeries, Sampler

S = 1_000_000_000


def _series() -> ProcessSeries:
    series = ProcessSeries("node", "node-0", 42)
    # one sample a second; cumulative CPU grows 0.5 s/s, then 1.0 s/s from t=3
    for t, cpu in [(0, 0.0), (1, 0.5), (2, 1.0), (3, 1.5), (4, 2.5), (5, 3.5)]:
        series.add(t * S, cpu, 1000 + t)
    return series


def test_cpu_between_window_samples() -> None:
    assert _series().cpu_s_between(1 * S, 4 * S) == 2.0


def test_schema_entry_is_relative_to_window() -> None:
    entry = _series().to_schema(2 * S, 5 * S)
    assert entry["t_s"] == [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    assert entry["cpu_percent"] == [0.0, 50.0, 50.0, 50.0, 100.0, 100.0]
    assert entry["cpu_s_window"] == 2.5
    assert entry["peak_rss_bytes"] == 1005
    assert (entry["role"], entry["name"], entry["pid"]) == ("node", "node-0", 42)


def test_busy_fraction_counts_intervals_above_threshold() -> None:
    assert _series().busy_fraction(1 * S, 5 * S, above_percent=90.0) == 0.5
    assert _series().busy_fraction(1 * S, 5 * S, above_percent=100.0) == 0.0


def test_busy_fraction_weighs_each_interval_by_its_length() -> None:
    # An 8-s window sampled each second, plus the sampler's sample at the window's start
    # 0.2 s before the first 1-s sample: that 0.2-s edge was busy (95 %), the rest at 40 %.
    series = ProcessSeries("generator", "worker-0", 7)
    times = [0.0, 0.2, *[0.2 + k for k in range(1, 8)], 8.0]
    cpu = 0.0
    for i, t in enumerate(times):
        if i:
            cpu += (0.95 if i == 1 else 0.40) * (t - times[i - 1])
        series.add(round(t * S), cpu, 1000)
    # The burst is 0.2 s of 8 (2.5 %), not one interval of nine (11 %, above the 10 % flag).
    assert series.busy_fraction(0, 8 * S, above_percent=90.0) == pytest.approx(0.2 / 8)


def test_sampler_samples_a_live_process() -> None:
    sampler = Sampler(interval_s=0.05)
    series = sampler.watch("generator", "self", os.getpid())
    sampler.start()
    sum(i * i for i in range(200_000))
    sampler.stop()
    assert len(series.t_ns) >= 2
    assert series.cpu_s == sorted(series.cpu_s)
    assert min(series.rss_bytes) > 0


def test_follow_keeps_one_cumulative_series_across_a_restart() -> None:
    first = subprocess.Popen(["sleep", "60"])
    second = subprocess.Popen(["sleep", "60"])
    try:
        sampler = Sampler()
        series = sampler.watch("node", "node-1", first.pid)
        series.add(0, 5.0, 100, 2.0)  # pretend the first incarnation used 5 s CPU, waited 2 s
        first.kill()
        first.wait()
        sampler.sample_once()  # the dead process is skipped, not an error
        assert len(series.t_ns) == 1
        sampler.follow("node-1", second.pid)
        sampler.sample_once()
    finally:
        for proc in (first, second):
            proc.kill()
            proc.wait()
    assert series.pids == [first.pid, second.pid]
    assert len(series.t_ns) == 2
    assert series.cpu_s[1] >= 5.0  # carried over: never a negative CPU interval
    assert series.wait_s[1] is not None and series.wait_s[1] >= 2.0
    entry = series.to_schema(0, 1)
    assert entry["pid"] == first.pid and entry["pids"] == [first.pid, second.pid]


def test_follow_an_unknown_name_is_an_error() -> None:
    with pytest.raises(KeyError, match="node-9"):
        Sampler().follow("node-9", os.getpid())


def test_host_series_steal_and_load_over_the_window() -> None:
    host = HostSeries()
    for t, load, total, steal in [(0, 0.5, 1000, 10), (1, 1.5, 1200, 30), (2, 2.5, 1400, 30)]:
        host.add(t * S, load, {"total": float(total), "steal": float(steal)})
    doc = host.to_schema(1 * S, 2 * S)
    assert doc["t_s"] == [-1.0, 0.0, 1.0]
    assert doc["loadavg_1m"] == [0.5, 1.5, 2.5]
    assert doc["loadavg_1m_max_window"] == 2.5
    assert doc["steal_percent"] == 0.0
    assert host.steal_percent(0, 2 * S) == 5.0  # 20 of 400 jiffies


def test_sampler_with_host_reads_proc() -> None:
    sampler = Sampler(host=True)
    sampler.sample_once()
    assert sampler.host is not None
    assert len(sampler.host.t_ns) == 1 and sampler.host.loadavg_1m[0] >= 0
