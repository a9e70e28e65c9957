"""``partition`` / ``heal`` events: parsed strictly, fired on a run's test-host links, costed
like node kills (pure, no namespaces: the links are a recording stand-in)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from loadtests.measure.faults import analyse, describe
from loadtests.model.load import ScenarioError
from loadtests.orchestrate.scenario_file import load_scenario, parse_scenario
from loadtests.orchestrate.timeline import FaultEvent, LinkTarget, Timeline, check_sequence, fire

WHERE = "<scenario> [[config]] #1 [[config.events]]"
PARTITION = Path(__file__).resolve().parents[3] / "loadtests" / "scenarios" / "partition.toml"


def _doc(events: list[dict[str, Any]], **config: Any) -> dict[str, Any]:
    return {
        "name": "t",
        "load": {"users": 20, "rooms": 2, "window_s": 20.0},
        "config": [
            {
                "name": "p",
                "nodes": 2,
                "queue": "redis",
                "test_hosts": True,
                **config,
                "events": events,
            }
        ],
    }


def _error(events: list[dict[str, Any]], **config: Any) -> str:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_doc(events, **config))
    return str(err.value)


CUT = {"at_s": 6, "action": "partition", "between": ["node-1", "redis-server"]}
HEAL = {"at_s": 9, "action": "heal", "between": ["node-1", "redis-server"]}


def test_partition_and_heal_between_a_node_and_redis() -> None:
    [config] = parse_scenario(_doc([CUT, HEAL])).configs
    assert config.test_hosts is True
    assert config.events == (
        FaultEvent(6.0, "partition", None, ("node-1", "redis-server")),
        FaultEvent(9.0, "heal", None, ("node-1", "redis-server")),
    )
    assert [e.target for e in config.events] == ["node-1 | redis-server"] * 2
    assert config.to_dict()["events"][0]["between"] == ["node-1", "redis-server"]
    assert config.cluster_spec().test_hosts is True
    # a node cut from the machine the clients run on
    [config] = parse_scenario(_doc([{**CUT, "between": ["node-0", "load"]}])).configs
    assert config.events[0].between == ("node-0", "load")


def test_a_partition_on_a_run_without_test_hosts_names_the_event() -> None:
    message = _error([CUT], test_hosts=False)
    assert message.startswith(
        f"{WHERE} #1.action: partition needs test hosts, and this configuration runs on one "
        "network stack; allowed: test_hosts = true"
    )
    assert _error([HEAL], test_hosts=False).startswith(f"{WHERE} #1.action: heal needs test hosts")


@pytest.mark.parametrize(
    ("between", "problem"),
    [
        (["node-7", "redis-server"], "#1.between: no host 'node-7' in this configuration; "),
        (["node-1", "redis"], "#1.between: no host 'redis' in this configuration; "),
        (["node-0", "node-1"], "#1.between: node-0 and node-1 have no link of their own"),
        (["node-1"], "#1.between: ['node-1'] is not two hosts"),
        (["node-1", "node-1"], "#1.between: ['node-1', 'node-1'] is not two hosts"),
        ("node-1", "#1.between: 'node-1' is not a list of strings"),
    ],
)
def test_an_unknown_host_or_a_pair_without_a_link_names_the_key(between: Any, problem: str) -> None:
    message = _error([{**CUT, "between": between}])
    assert message.startswith(f"{WHERE} {problem}"), message


def test_other_misuse_names_the_key() -> None:
    assert _error([{"at_s": 6, "action": "partition"}]).startswith(
        f"{WHERE} #1.between: missing key 'between' for partition; allowed: node-0, node-1, "
        "redis-server, load"
    )
    assert _error([{**CUT, "node": 1}]).startswith(f"{WHERE} #1.node: partition acts on a link")
    assert _error(
        [{"at_s": 6, "action": "kill_node", "node": 1, "between": ["a", "b"]}]
    ).startswith(f"{WHERE} #1.between: kill_node acts on a process, not a link")
    # no Redis: redis-server is not a host of this configuration
    message = _error([{**CUT, "between": ["node-0", "redis-server"]}], nodes=1, queue="none")
    assert message.startswith(f"{WHERE} #1.between: no host 'redis-server'"), message
    with pytest.raises(ScenarioError, match=r"#1.test_hosts: set for a command"):
        parse_scenario(
            {
                "name": "t",
                "config": [{"name": "x", "command": ["srv", "{port}"], "test_hosts": True}],
            }
        )


def test_sequences_heal_only_what_was_cut() -> None:
    with pytest.raises(ScenarioError, match=r"#1.action: heal on node-1 \| redis-server at 9 s"):
        parse_scenario(_doc([HEAL]))
    with pytest.raises(ScenarioError, match=r"#2.action: partition on node-1 \| redis-server"):
        parse_scenario(_doc([CUT, {**CUT, "at_s": 7}]))
    # a cut and a node kill are independent targets
    check_sequence(
        [
            FaultEvent(6, "partition", None, ("node-1", "redis-server")),
            FaultEvent(7, "kill_node", 1),
        ],
        WHERE,
    )


class _Links:
    """Records what a run's test hosts were asked to do."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def partition(self, a: str, b: str) -> str:
        self.calls.append(("partition", a, b))
        return f"link {a}-{b} down"

    def heal(self, a: str, b: str) -> str:
        self.calls.append(("heal", a, b))
        return f"link {a}-{b} up"


def test_fire_takes_the_link_down_and_up() -> None:
    links = _Links()
    target = LinkTarget(links, "node-1", "redis-server")
    assert fire("partition", target) == "link node-1-redis-server down"
    assert fire("heal", target) == "link node-1-redis-server up"
    assert links.calls == [
        ("partition", "node-1", "redis-server"),
        ("heal", "node-1", "redis-server"),
    ]


def test_the_timeline_fires_partitions_at_their_times_and_records_them(tmp_path: Path) -> None:
    links = _Links()
    progress = tmp_path / "progress.json"
    start_ns = time.time_ns()
    progress.write_text(json.dumps({"window": {"start_ns": start_ns}}))
    events = [
        FaultEvent(0.1, "partition", None, ("node-1", "redis-server")),
        FaultEvent(0.3, "heal", None, ("node-1", "redis-server")),
    ]
    target = LinkTarget(links, "node-1", "redis-server")
    timeline = Timeline(events, {"node-1 | redis-server": target}, progress).start()
    deadline = time.monotonic() + 10
    while len(links.calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    records = timeline.stop()
    assert [c[0] for c in links.calls] == ["partition", "heal"]
    assert [(r.action, r.ok, r.detail) for r in records] == [
        ("partition", True, "link node-1-redis-server down"),
        ("heal", True, "link node-1-redis-server up"),
    ]
    for record, event in zip(records, events, strict=True):
        assert record.t_ns is not None and record.t_ns >= start_ns + event.at_s * 1e9
        assert record.to_schema(start_ns)["target"] == "node-1 | redis-server"


def test_a_failed_cut_is_recorded_not_raised(tmp_path: Path) -> None:
    class Broken(_Links):
        def partition(self, a: str, b: str) -> str:
            raise RuntimeError("ip link set: Cannot find device")

    progress = tmp_path / "progress.json"
    progress.write_text(json.dumps({"window": {"start_ns": time.time_ns()}}))
    event = FaultEvent(0.0, "partition", None, ("node-1", "redis-server"))
    target = LinkTarget(Broken(), "node-1", "redis-server")
    timeline = Timeline([event], {event.target: target}, progress).start()
    deadline = time.monotonic() + 10
    while timeline.records[0].t_ns is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.05)
    [record] = timeline.stop()
    assert not record.ok and record.detail == "failed: ip link set: Cannot find device"


def test_a_partition_is_costed_like_a_kill() -> None:
    """Loss window, losses, no drops (the clients stay connected), recovery after the heal."""
    t_s = list(range(-1, 12))
    lost = {6: 200, 7: 300, 8: 300, 9: 40}
    series = {
        "t_s": t_s,
        "expected": [1000] * len(t_s),
        "lost": [lost.get(t, 0) for t in t_s],
        "msgs_lost": [lost.get(t, 0) // 10 for t in t_s],
        "duplicated": [0] * len(t_s),
        "dropped": [0] * len(t_s),
        "rejoined": [0] * len(t_s),
        "reconnect_hdr": [None] * len(t_s),
        "p99_us": [{6: 2_900_000, 7: 1_900_000, 8: 900_000}.get(t, 3000) for t in t_s],
    }
    events = [
        {
            "action": "partition",
            "target": "node-1 | redis-server",
            "at_s": 6,
            "t_s": 6.01,
            "ok": True,
        },
        {"action": "heal", "target": "node-1 | redis-server", "at_s": 9, "t_s": 9.0, "ok": True},
    ]
    cut, heal = analyse(events, series, window_s=12)
    assert cut["loss_window_s"] == [6, 9] and cut["deliveries_lost"] == 800
    assert cut["users_dropped"] == 0 and cut["reconnects"] == 0
    assert cut["whole_again_t_s"] is None  # still losing when the heal begins its segment
    assert heal["loss_window_s"] == [9, 10] and heal["recovery_s"] == 1.0
    # Late: p99 above 10 x the pre-fault median (3 ms) in the cut's seconds only.
    assert cut["late_threshold_us"] == heal["late_threshold_us"] == 30_000
    assert cut["late_window_s"] == [6, 9] and cut["timely_again_t_s"] is None
    assert heal["late_window_s"] is None
    assert (heal["timely_again_t_s"], heal["timely_recovery_s"]) == (9, 0.0)
    assert "late window 6-9 s (fan-out p99 above 30.0 ms), not timely again before 9 s" in (
        describe(cut)
    )
    assert describe(cut).startswith(
        "partition node-1 | redis-server at 6.0 s: loss window 6-9 s (3 s), 800 deliveries lost"
    )
    assert "whole again at 10 s (1.0 s after)" in describe(heal)


def test_the_shipped_partition_scenario() -> None:
    matrix = load_scenario(PARTITION)
    [config] = matrix.configs
    assert config.test_hosts and config.nodes == 2 and config.queue == "redis"
    cut, heal = config.events
    assert (cut.action, cut.between, heal.action, heal.between) == (
        "partition",
        ("node-1", "redis-server"),
        "heal",
        ("node-1", "redis-server"),
    )
    assert heal.at_s - cut.at_s == 3.0
    window_s = matrix.load_for(config).window_s
    assert 0 < cut.at_s and heal.at_s < window_s  # mid-window
