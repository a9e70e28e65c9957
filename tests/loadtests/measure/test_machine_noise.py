"""Noise accounting from canned /proc/stat text: CPU outside the run, and steal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loadtests.measure import machine_noise as mn

# user nice system idle iowait irq softirq steal guest guest_nice, in jiffies (100 Hz)
STAT_0 = "cpu  1000 0 500 9000 10 5 50 20 0 0\ncpu0 500 0 250 4500 5 2 25 10 0 0\n"
STAT_1 = "cpu  1100 10 540 9050 10 9 90 25 0 0\ncpu0 550 5 270 4525 5 4 45 12 0 0\n"


def test_parse_counts_user_nice_system_and_steal_only() -> None:
    host = mn.parse_proc_stat(STAT_0, clk_tck=100)
    assert host == mn.HostCpu(busy_s=15.0, steal_s=0.2)  # irq and softirq are left out
    with pytest.raises(ValueError):
        mn.parse_proc_stat("intr 1 2 3\n", clk_tck=100)


def test_outside_is_host_busy_less_the_run() -> None:
    a = mn.NoiseSample(0, mn.parse_proc_stat(STAT_0, 100), run_cpu_s=10.0)
    b = mn.NoiseSample(1_000_000_000, mn.parse_proc_stat(STAT_1, 100), run_cpu_s=11.2)
    # host busy grew 1.5 s (150 jiffies), the run's own processes 1.2 s: 0.3 s outside
    (row,) = mn.per_second([a, b])
    assert row["outside"] == pytest.approx(30.0)
    assert row["steal"] == pytest.approx(5.0)


def _samples(outside_s: list[float], steal_s: list[float]) -> list[mn.NoiseSample]:
    """One sample a second from t=0; the run uses 1 s of CPU a second."""
    samples, busy, steal, run = [], 0.0, 0.0, 0.0
    samples.append(mn.NoiseSample(0, mn.HostCpu(busy, steal), run))
    for i, (o, s) in enumerate(zip(outside_s, steal_s, strict=True), start=1):
        run += 1.0
        busy += 1.0 + o
        steal += s
        samples.append(mn.NoiseSample(i * 1_000_000_000, mn.HostCpu(busy, steal), run))
    return samples


def test_a_quiet_window_is_not_flagged() -> None:
    noise = mn.summarise(_samples([0.02] * 10, [0.0] * 10), 0, 10_000_000_000)
    assert noise is not None
    assert noise["seconds"] == 10 and noise["noisy_seconds"] == 0
    assert noise["outside_cpu_percent_mean"] == pytest.approx(2.0)
    assert mn.noisy_reason(noise) == ""


def test_a_busy_neighbour_flags_the_window() -> None:
    noise = mn.summarise(_samples([0.02] * 8 + [0.9, 0.9], [0.0] * 10), 0, 10_000_000_000)
    assert noise is not None and noise["noisy_seconds"] == 2
    assert noise["outside_cpu_percent_max"] == pytest.approx(90.0)
    reason = mn.noisy_reason(noise)
    assert "2 of 10 s above 50 %" in reason


def test_steal_alone_flags_the_window() -> None:
    noise = mn.summarise(_samples([0.0] * 10, [0.15] * 10), 0, 10_000_000_000)
    assert noise is not None and noise["steal_percent_mean"] == pytest.approx(15.0)
    assert "steal 15 %" in mn.noisy_reason(noise)


def test_only_the_window_counts() -> None:
    samples = _samples([0.9] * 3 + [0.0] * 10, [0.0] * 13)
    noise = mn.summarise(samples, 3_000_000_000, 13_000_000_000)
    assert noise is not None and noise["seconds"] == 10 and noise["noisy_seconds"] == 0
    assert mn.summarise(samples[:1], 0, 10) is None


def test_the_watch_reads_proc(tmp_path: Path) -> None:
    (tmp_path / "stat").write_text(STAT_0)
    watch = mn.NoiseWatch(root_pid=os.getpid(), proc=tmp_path)
    watch.tick()
    (tmp_path / "stat").write_text(STAT_1)
    watch.tick()
    assert [s.host.busy_s for s in watch.samples] == [15.0, 16.5]
    assert watch.samples[1].run_cpu_s >= watch.samples[0].run_cpu_s > 0
