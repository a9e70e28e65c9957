"""ProcessWatcher on real tiny processes: exits recorded with signal, planned or not."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from loadtests.cluster.processes import ManagedProcess, ProcessError
from loadtests.cluster.watcher import ProcessExit, ProcessWatcher, death_flags

SLEEP = ["sleep", "60"]


def _until(condition: object, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_unplanned_kill_is_recorded_with_its_signal(tmp_path: Path) -> None:
    proc = ManagedProcess("node-0", SLEEP, tmp_path / "n.log").start()
    watcher = ProcessWatcher(interval_s=0.05).start()
    try:
        watcher.watch("node", proc)
        pid = proc.pid
        before_ns = time.time_ns()
        # From outside the harness: a plain kill, not ManagedProcess.send.
        os.kill(pid, signal.SIGKILL)
        _until(lambda: watcher.exits)
    finally:
        watcher.stop()
        proc.stop()
    [ended] = watcher.exits
    assert (ended.name, ended.role, ended.pid) == ("node-0", "node", pid)
    assert ended.returncode == -signal.SIGKILL
    assert ended.signal_name == "SIGKILL"
    assert ended.planned is False
    assert ended.t_ns >= before_ns
    assert watcher.unplanned() == [ended]


def test_planned_signal_and_stop_are_planned(tmp_path: Path) -> None:
    killed = ManagedProcess("node-1", SLEEP, tmp_path / "k.log").start()
    stopped = ManagedProcess("redis-server", SLEEP, tmp_path / "r.log").start()
    watcher = ProcessWatcher(interval_s=0.05).start()
    try:
        watcher.watch("node", killed)
        watcher.watch("redis", stopped)
        killed.send(signal.SIGKILL)
        assert killed.wait_exit(5) == -signal.SIGKILL
        stopped.stop(grace_s=2)
        watcher.poll()
    finally:
        watcher.stop()
        killed.stop()
        stopped.stop()
    by_name = {e.name: e for e in watcher.exits}
    assert by_name["node-1"].planned and by_name["node-1"].signal_name == "SIGKILL"
    assert by_name["redis-server"].planned and by_name["redis-server"].signal_name == "SIGTERM"
    assert watcher.unplanned() == []
    assert death_flags(watcher.exits, 0) == {}


def test_normal_exit_has_a_code_and_no_signal(tmp_path: Path) -> None:
    proc = ManagedProcess(
        "locust", [sys.executable, "-c", "raise SystemExit(3)"], tmp_path / "l.log"
    ).start()
    watcher = ProcessWatcher(interval_s=0.05)
    try:
        watcher.watch("generator", proc)
        proc.wait_exit(10)
        watcher.poll()
    finally:
        watcher.stop()
        proc.stop()
    [ended] = watcher.exits
    assert (ended.returncode, ended.signal_name, ended.planned) == (3, None, False)
    doc = ended.to_schema(window_start_ns=ended.t_ns - 2_500_000_000)
    assert doc["t_s"] == 2.5 and doc["signal"] is None and doc["role"] == "generator"
    # A generator's exit is recorded but is no node or redis death.
    assert death_flags(watcher.exits, 0) == {}


def test_expected_exit_code_is_planned_and_name_overrides(tmp_path: Path) -> None:
    done = ManagedProcess("locust (x)", [sys.executable, "-c", "pass"], tmp_path / "d.log").start()
    failed = ManagedProcess(
        "locust (y)", [sys.executable, "-c", "raise SystemExit(2)"], tmp_path / "f.log"
    ).start()
    watcher = ProcessWatcher()
    try:
        watcher.watch("locust", done, name="locust", expected_codes=(0,))
        watcher.watch("locust", failed, expected_codes=(0,))
        done.wait_exit(10)
        failed.wait_exit(10)
        watcher.poll()
    finally:
        watcher.stop()
        done.stop()
        failed.stop()
    assert sorted((e.name, e.returncode, e.planned) for e in watcher.exits) == [
        ("locust", 0, True),
        ("locust (y)", 2, False),
    ]


def test_restart_between_polls_records_the_old_incarnation(tmp_path: Path) -> None:
    proc = ManagedProcess("node-1", SLEEP, tmp_path / "n.log").start()
    watcher = ProcessWatcher()  # not started: polled by hand only
    try:
        watcher.watch("node", proc)
        first = proc.pid
        proc.send(signal.SIGKILL)
        proc.wait_exit(5)
        proc.start()  # same argv, new pid, before any poll saw the death
        second = proc.pid
        assert second != first
        watcher.poll()
        assert [(e.pid, e.planned) for e in watcher.exits] == [(first, True)]
        os.kill(second, signal.SIGTERM)  # unplanned death of the new incarnation
        proc.wait_exit(5)
        watcher.poll()
    finally:
        watcher.stop()
        proc.stop()
    assert [(e.pid, e.planned, e.signal_name) for e in watcher.exits] == [
        (first, True, "SIGKILL"),
        (second, False, "SIGTERM"),
    ]
    flags = death_flags(watcher.exits, watcher.exits[1].t_ns - 1_000_000_000)
    assert list(flags) == ["node_died"]
    assert "node-1 (pid" in flags["node_died"] and "SIGTERM at +1.0 s" in flags["node_died"]


def test_stop_wakes_a_paused_group(tmp_path: Path) -> None:
    proc = ManagedProcess("redis-server", SLEEP, tmp_path / "p.log").start()
    try:
        proc.send(signal.SIGSTOP)
        assert proc.paused
        # SIGTERM alone stays pending on a stopped process: stop() would end it by
        # SIGKILL after the grace instead of by SIGTERM.
        assert proc.stop(grace_s=3) == -signal.SIGTERM
    finally:
        proc.stop()
    assert not proc.paused


def test_cannot_signal_or_start_twice(tmp_path: Path) -> None:
    proc = ManagedProcess("node-0", SLEEP, tmp_path / "n.log")
    with pytest.raises(ProcessError, match="node-0 is not running: cannot send SIGKILL"):
        proc.send(signal.SIGKILL)
    proc.start()
    try:
        with pytest.raises(ProcessError, match="node-0 is already running"):
            proc.start()
    finally:
        proc.stop()


def test_exit_describe_names_process_and_signal() -> None:
    ended = ProcessExit("node-1", "node", 7, 0, -9, False)
    assert ended.describe() == "node-1 (pid 7) ended: SIGKILL"
