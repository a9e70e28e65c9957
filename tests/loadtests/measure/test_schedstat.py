"""Run-queue wait parsing (/proc/PID/schedstat) and the wait share of a window."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loadtests.measure import schedstat
from loadtests.measure.sampling import ProcessSeries

S = 1_000_000_000


def test_parse_reads_cpu_and_wait_ns() -> None:
    assert schedstat.parse("854933 2336153 4\n") == (854933, 2336153)


@pytest.mark.parametrize("line", ["", "12", "a b c"])
def test_parse_rejects_what_is_not_a_schedstat_line(line: str) -> None:
    with pytest.raises(ValueError):
        schedstat.parse(line)


def test_wait_sums_every_thread_of_the_process(tmp_path: Path) -> None:
    for tid, line in (("10", "5 100 1\n"), ("11", "7 250 3\n")):
        task = tmp_path / "10" / "task" / tid
        task.mkdir(parents=True)
        (task / "schedstat").write_text(line)
    assert schedstat.wait_ns(10, proc=tmp_path) == 350


def test_wait_of_a_process_that_is_gone_is_none(tmp_path: Path) -> None:
    assert schedstat.wait_ns(99, proc=tmp_path) is None


def test_wait_of_this_process_is_read_from_the_real_proc() -> None:
    first = schedstat.wait_ns(os.getpid())
    assert first is not None and first >= 0


def test_host_cpu_reads_steal_from_proc_stat(tmp_path: Path) -> None:
    (tmp_path / "stat").write_text("cpu  10 0 5 80 1 0 1 3 0 0\ncpu0 1 2 3\n")
    assert schedstat.host_cpu(proc=tmp_path) == {"total": 100.0, "steal": 3.0}


def test_wait_fraction_of_a_window() -> None:
    series = ProcessSeries("generator", "worker-0", 1)
    for t, wait in ((0, 0.0), (10, 1.5), (20, 3.0)):
        series.add(t * S, float(t), 1, wait)
    assert series.wait_s_between(0, 20 * S) == 3.0
    assert series.wait_fraction(0, 20 * S) == pytest.approx(0.15)
    assert series.to_schema(0, 20 * S)["wait_s_window"] == 3.0


def test_wait_fraction_without_schedstat_is_not_measured() -> None:
    series = ProcessSeries("node", "node-0", 1)
    series.add(0, 0.0, 1)
    series.add(S, 0.5, 1)
    assert series.wait_fraction(0, S) is None
