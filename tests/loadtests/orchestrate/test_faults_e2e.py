"""Fault timelines end to end: real nodes, a real redis-server, real Locust, real signals.

Each run is short (20 users in 2 rooms on 2 nodes over Redis, a 10 s window).
The exact loss arithmetic is tested in tests/loadtests/test_failure_e2e.py; here
the runner's side: the watcher's exits, the timeline's events, the fault table,
the flags, the terminal lines, and that nothing is left running (every process a
run starts carries the test's marker: ``_finish`` searches the process table).
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.loadtests.orchestrate.test_runner_e2e import _finish, _start_run

LOAD = """
[load]
users = 20
rooms = 2
rate_per_sender_per_s = 2.0
warmup_s = 2.0
window_s = 10.0
drain_s = 2.0
reconnect = "same"

[[config]]
name = "f"
nodes = 2
queue = "redis"
"""


def _results(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / "f.json").read_text())
    return doc


def _node_pid(root_pid: int, node_id: str) -> int | None:
    for child in psutil.Process(root_pid).children(recursive=True):
        try:
            cmdline = child.cmdline()
        except psutil.Error:
            continue
        if "target_app" in cmdline and node_id in cmdline:
            return child.pid
    return None


@pytest.mark.slow
def test_a_node_killed_from_outside_sets_node_died(tmp_path: Path) -> None:
    proc, marker, out = _start_run(tmp_path, LOAD, "--no-summary")
    progress = out / "logs" / "f.progress.json"
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and proc.poll() is None:
        try:
            window = json.loads(progress.read_text()).get("window")
        except (OSError, ValueError):
            window = None
        if window and time.time_ns() >= window["start_ns"] + 3_000_000_000:
            killed = _node_pid(proc.pid, "node-1")
            assert killed is not None
            psutil.Process(killed).send_signal(signal.SIGKILL)
        time.sleep(0.05)
    output = _finish(proc, marker)
    assert killed is not None, output
    assert proc.returncode == 0, output
    doc = _results(out)
    assert doc["counters"]["lost"] > 0
    flags = doc["flags"]
    assert {"node_died", "lost", "connections_dropped"} <= set(flags), flags
    assert f"node-1 (pid {killed}) ended: SIGKILL" in flags["node_died"]
    assert "redis_died" not in flags
    [died] = [e for e in doc["process_exits"] if e["role"] == "node"]
    assert (died["name"], died["pid"], died["signal"], died["planned"]) == (
        "node-1",
        killed,
        "SIGKILL",
        False,
    )
    assert 3.0 <= died["t_s"] < 10.0
    assert [e["name"] for e in doc["process_exits"] if e["planned"]] == ["locust"]
    assert doc["events"] == [] and doc["faults"] == []
    assert "f: node_died: node-1 (pid" in output
    assert doc["host"]["loadavg_1m"] and doc["host"]["steal_percent"] is not None


@pytest.mark.slow
def test_a_node_killed_and_restarted_on_its_port_gets_its_users_back(tmp_path: Path) -> None:
    timeline = """
[[config.events]]
at_s = 2
action = "kill_node"
node = 1

[[config.events]]
at_s = 3
action = "start_node"
node = 1
"""
    proc, marker, out = _start_run(tmp_path, LOAD + timeline, "--no-summary")
    output = _finish(proc, marker)
    assert proc.returncode == 0, output
    doc = _results(out)
    kill, start = doc["events"]
    assert (kill["action"], kill["ok"], start["action"], start["ok"]) == (
        "kill_node",
        True,
        "start_node",
        True,
    ), doc["events"]
    assert 2.0 <= kill["t_s"] < 3.0 and 3.0 <= start["t_s"] < 10.0
    assert "node_died" not in doc["flags"] and "events_failed" not in doc["flags"]
    assert "lost" in doc["flags"] and "connections_dropped" in doc["flags"]
    node_exits = [e for e in doc["process_exits"] if e["role"] == "node"]
    assert [(e["name"], e["signal"], e["planned"]) for e in node_exits] == [
        ("node-1", "SIGKILL", True)
    ]
    [series] = [r for r in doc["resources"] if r["name"] == "node-1"]
    assert len(series["pids"]) == 2 and series["pids"][0] == node_exits[0]["pid"]
    # Users came back: dropped, reconnected to the restarted node and re-joined.
    timeseries = doc["timeseries"]
    assert sum(timeseries["dropped"]) == 10  # node-1's half of the users
    assert sum(timeseries["rejoined"]) > 0
    kill_row, start_row = doc["faults"]
    assert kill_row["deliveries_lost"] > 0 and kill_row["loss_window_s"][0] == 2
    assert kill_row["users_dropped"] == 10 and kill_row["reconnects"] > 0
    assert start_row["users_rejoined"] > 0
    assert "f: fault kill_node node-1 at 2." in output
    assert "f: fault start_node node-1 at 3." in output


@pytest.mark.slow
def test_redis_killed_and_restarted_loses_cross_node_then_recovers(tmp_path: Path) -> None:
    timeline = """
[[config.events]]
at_s = 2
action = "kill_redis"

[[config.events]]
at_s = 4
action = "start_redis"
"""
    proc, marker, out = _start_run(tmp_path, LOAD + timeline, "--no-summary")
    output = _finish(proc, marker)
    assert proc.returncode == 0, output
    doc = _results(out)
    assert [(e["action"], e["ok"]) for e in doc["events"]] == [
        ("kill_redis", True),
        ("start_redis", True),
    ], doc["events"]
    assert "redis_died" not in doc["flags"] and "node_died" not in doc["flags"]
    [redis_exit] = [e for e in doc["process_exits"] if e["role"] == "redis"]
    assert (redis_exit["signal"], redis_exit["planned"]) == ("SIGKILL", True)
    kill_row, start_row = doc["faults"]
    # Cross-node deliveries stop while Redis is down; clients stay connected.
    assert kill_row["deliveries_lost"] > 0 and kill_row["loss_window_s"][0] == 2
    assert kill_row["users_dropped"] == 0
    # The nodes re-subscribe by themselves: delivery is whole again before the window ends.
    assert start_row["whole_again_t_s"] is not None and start_row["whole_again_t_s"] < 10
    assert doc["counters"]["lost"] == sum(
        doc["timeseries"]["lost"][i]
        for i, p in enumerate(doc["timeseries"]["phase"])
        if p == "window"
    )
    assert "f: fault kill_redis redis-server at 2." in output


@pytest.mark.slow
def test_a_node_left_paused_is_woken_and_stopped_at_the_end(tmp_path: Path) -> None:
    timeline = """
[[config.events]]
at_s = 3
action = "pause_node"
node = 1
"""
    proc, marker, out = _start_run(tmp_path, LOAD + timeline, "--no-summary")
    output = _finish(proc, marker)  # fails if the stopped (SIGSTOP) node outlived the run
    assert proc.returncode == 0, output
    doc = _results(out)
    [event] = doc["events"]
    assert (event["action"], event["ok"]) == ("pause_node", True), event
    assert "node_died" not in doc["flags"]
    assert doc["counters"]["lost"] > 0  # node-1's members hear nothing from 3 s on
    [row] = doc["faults"]
    assert row["loss_window_s"][0] in (3, 4) and row["whole_again_t_s"] is None
