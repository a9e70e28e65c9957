"""Fault timeline: due times, firing on real processes (the window start it reads from the
progress file: tests/loadtests/coordination/test_progress_file.py)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from loadtests.cluster.processes import ManagedProcess
from loadtests.cluster.watcher import ProcessWatcher
from loadtests.orchestrate.timeline import FaultEvent, Timeline, due_ns, fire, ordered

S = 1_000_000_000


def test_due_times_and_order() -> None:
    events = [FaultEvent(14, "start_node", 1), FaultEvent(8, "kill_node", 1), FaultEvent(8, "x", 0)]
    assert [i for i, _ in ordered(events)] == [1, 2, 0]  # by at_s; ties in file order
    assert due_ns(100 * S, events[0]) == 114 * S
    assert due_ns(100 * S, FaultEvent(0.25, "kill_redis")) == 100 * S + 250_000_000


class _Sleeper:
    """A real process standing in for a node: ``start`` starts it again, same argv."""

    def __init__(self, tmp_path: Path, name: str) -> None:
        self.process = ManagedProcess(name, ["sleep", "60"], tmp_path / f"{name}.log")

    def start(self, timeout_s: float = 30.0) -> _Sleeper:
        self.process.start()
        return self


def test_timeline_fires_on_real_processes_and_records_everything(tmp_path: Path) -> None:
    node = _Sleeper(tmp_path, "node-1").start()
    redis = _Sleeper(tmp_path, "redis-server").start()
    progress = tmp_path / "progress.json"
    progress.write_text(json.dumps({"phase": "joining"}))
    watcher = ProcessWatcher(interval_s=0.05).start()
    watcher.watch("node", node.process)
    watcher.watch("redis", redis.process)
    started: list[tuple[str, int]] = []
    first_pid = node.process.pid
    events = [
        FaultEvent(0.3, "start_node", 1),
        FaultEvent(0.1, "kill_node", 1),
        FaultEvent(0.2, "pause_redis"),
        FaultEvent(0.4, "resume_redis"),
    ]
    timeline = Timeline(
        events,
        {"node-1": node, "redis-server": redis},
        progress,
        on_started=lambda name, pid: started.append((name, pid)),
        after_fire=watcher.poll,
    ).start()
    try:
        time.sleep(0.2)  # the timeline waits: no window planned yet
        assert all(r.t_ns is None for r in timeline.records)
        start_ns = time.time_ns() + 200_000_000
        progress.write_text(json.dumps({"window": {"start_ns": start_ns, "end_ns": start_ns + S}}))
        deadline = time.monotonic() + 20
        while timeline.records[-1].done_ns is None:
            assert time.monotonic() < deadline, "the timeline did not finish"
            time.sleep(0.02)
        records = timeline.stop()
        assert redis.process.alive() and not redis.process.paused
        assert node.process.alive() and node.process.pid != first_pid
    finally:
        timeline.stop()
        watcher.stop()
        node.process.stop()
        redis.process.stop()
    assert [(r.action, r.target, r.ok) for r in records] == [
        ("kill_node", "node-1", True),
        ("pause_redis", "redis-server", True),
        ("start_node", "node-1", True),
        ("resume_redis", "redis-server", True),
    ]
    for record in records:
        assert record.t_ns is not None and record.t_ns >= due_ns(
            start_ns, FaultEvent(record.at_s, "")
        )
    assert records[0].detail == f"SIGKILL to pid {first_pid}, exit status -9"
    assert started == [("node-1", node.process.pid)]
    doc = records[0].to_schema(start_ns)
    assert doc["t_s"] is not None and doc["t_s"] >= 0.1 and doc["at_s"] == 0.1
    # The kill is a planned exit; the harness's own stops at the end are planned too.
    kill = [e for e in watcher.exits if e.pid == first_pid]
    assert [(e.planned, e.signal_name) for e in kill] == [(True, "SIGKILL")]
    assert watcher.unplanned() == []


def test_events_not_fired_are_recorded_with_why(tmp_path: Path) -> None:
    node = _Sleeper(tmp_path, "node-0")
    never = Timeline([FaultEvent(1, "kill_node", 0)], {"node-0": node}, tmp_path / "none.json")
    never.start()
    [record] = never.stop()
    assert (record.ok, record.t_ns, record.detail) == (
        False,
        None,
        "not fired: the window was never planned",
    )
    progress = tmp_path / "p.json"
    progress.write_text(json.dumps({"window": {"start_ns": time.time_ns(), "end_ns": 0}}))
    late = Timeline([FaultEvent(30, "kill_node", 0)], {"node-0": node}, progress).start()
    time.sleep(0.2)
    [record] = late.stop()
    assert record.detail == "not fired: the run ended first"


def test_a_failed_action_is_recorded_not_raised(tmp_path: Path) -> None:
    node = _Sleeper(tmp_path, "node-0")  # never started: nothing to kill
    progress = tmp_path / "p.json"
    progress.write_text(json.dumps({"window": {"start_ns": time.time_ns(), "end_ns": 0}}))
    timeline = Timeline([FaultEvent(0, "kill_node", 0)], {"node-0": node}, progress).start()
    deadline = time.monotonic() + 10
    while timeline.records[0].done_ns is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    [record] = timeline.stop()
    assert record.ok is False
    assert record.detail == "failed: node-0 was never started"


@pytest.mark.parametrize(
    ("action", "ended_by"), [("kill_node", "SIGKILL"), ("stop_node", "SIGTERM")]
)
def test_kill_or_stop_a_paused_target(tmp_path: Path, action: str, ended_by: str) -> None:
    node = _Sleeper(tmp_path, "node-0").start()
    try:
        node.process.send(signal.SIGSTOP)
        detail = fire(action, node)
    finally:
        node.process.stop()
    pid = node.process.pid
    code = -getattr(signal, ended_by)
    assert detail == f"{ended_by} to pid {pid}, exit status {code}"
