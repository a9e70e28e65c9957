"""Resource series: CPU inside the window from cumulative samples, busy fractions."""

from __future__ import annotations

import os

from loadtests.measure.sampling import ProcessSeries, Sampler

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


def test_sampler_samples_a_live_process() -> None:
    sampler = Sampler(interval_s=0.05)
    series = sampler.watch("generator", "self", os.getpid())
    sampler.start()
    sum(i * i for i in range(200_000))
    sampler.stop()
    assert len(series.t_ns) >= 2
    assert series.cpu_s == sorted(series.cpu_s)
    assert min(series.rss_bytes) > 0
