"""What the runner adds to a results document: exits, events, faults, host, flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loadtests.cluster.watcher import ProcessExit
from loadtests.orchestrate.supervision import Supervision
from loadtests.orchestrate.timeline import EventRecord, FaultEvent, Timeline

S = 1_000_000_000
START = 1_000 * S


def _doc() -> dict[str, Any]:
    t_s = list(range(-1, 11))
    return {
        "window": {"start_ns": START, "end_ns": START + 10 * S, "duration_s": 10.0},
        "resources": [{"role": "generator", "name": "worker-0"}],
        "timeseries": {
            "t_s": t_s,
            "lost": [0, 0, 0, 0, 5, 5, 0, 0, 0, 0, 0, 0],
            "expected": [10] * len(t_s),
        },
        "flags": {"lost": "10 lost"},
    }


def _supervision() -> Supervision:
    supervision = Supervision()
    busy = supervision.sampler.watch("node", "node-0", 1)
    idle = supervision.sampler.watch("node", "node-1", 1)
    redis = supervision.sampler.watch("redis", "redis-server", 1)
    for second in range(-1, 12):
        t_ns = START + second * S
        # node-0 uses 95 % of a core from t=2 s on (8 of 10 window intervals); node-1 20 %.
        busy.add(t_ns, 0.95 * max(0, second - 2), 100)
        idle.add(t_ns, 0.2 * (second + 1), 100)
        redis.add(t_ns, 1.0 * (second + 1), 100)  # redis busy: not a node, not a finding
    supervision.watcher.exits.extend(
        [
            ProcessExit("node-1", "node", 11, START + 3 * S, -9, True),
            ProcessExit("redis-server", "redis", 12, START + 7 * S, 1, False),
            ProcessExit("locust", "locust", 13, START + 14 * S, 0, True),
        ]
    )
    return supervision


def test_complete_adds_exits_events_faults_and_flags(tmp_path: Path) -> None:
    supervision = _supervision()
    timeline = Timeline(
        [FaultEvent(3, "kill_node", 1), FaultEvent(6, "start_node", 1)], {}, tmp_path / "p.json"
    )
    timeline.records[0] = EventRecord("kill_node", "node-1", 3.0, START + 3 * S, None, True, "ok")
    timeline.records[1].detail = "failed: port in use"
    timeline.records[1].t_ns = START + 6 * S
    supervision.timeline = timeline
    doc = supervision.complete(_doc())

    assert [r["name"] for r in doc["resources"]] == ["worker-0", "node-0", "node-1", "redis-server"]
    assert [(e["name"], e["t_s"], e["signal"], e["planned"]) for e in doc["process_exits"]] == [
        ("node-1", 3.0, "SIGKILL", True),
        ("redis-server", 7.0, None, False),
        ("locust", 14.0, None, True),
    ]
    assert [(e["action"], e["t_s"], e["ok"]) for e in doc["events"]] == [
        ("kill_node", 3.0, True),
        ("start_node", 6.0, False),
    ]
    kill, start = doc["faults"]
    assert kill["loss_window_s"] == [3, 5] and kill["deliveries_lost"] == 10
    assert start["deliveries_lost"] == 0 and start["recovery_s"] == 0.0

    flags = doc["flags"]
    assert flags["lost"] == "10 lost"  # the master's flags stay
    assert "node_died" not in flags  # the kill was planned
    assert flags["redis_died"].startswith("redis-server (pid 12) ended: exit code 1 at +7.0 s")
    assert flags["server_saturated"] == (
        "node-0 at capacity: >= 90 % of a core for 80 % of the window"
    )
    assert flags["events_failed"] == "start_node node-1 at 6 s: failed: port in use"


def test_no_timeline_no_faults_and_clean_flags() -> None:
    supervision = Supervision()
    series = supervision.sampler.watch("node", "node-0", 1)
    for second in range(0, 11):
        series.add(START + second * S, 0.5 * second, 100)
    doc = supervision.complete(_doc())
    assert (doc["events"], doc["faults"], doc["process_exits"]) == ([], [], [])
    assert doc["flags"] == {"lost": "10 lost"}
    assert doc["host"]["t_s"] == []  # sampled by the thread only; none here
