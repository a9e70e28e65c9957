"""``[[config.events]]``: fault timelines parsed strictly; each bad input names its key."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from loadtests.cli import main
from loadtests.model.load import ScenarioError
from loadtests.orchestrate.runner import RunOptions, check_events
from loadtests.orchestrate.scenario_file import load_scenario, parse_scenario
from loadtests.orchestrate.timeline import FaultEvent
from tests.loadtests.orchestrate.test_scenario_file import SCENARIOS

WHERE = "<scenario> [[config]] #1 [[config.events]]"


def _doc(events: list[dict[str, Any]], **config: Any) -> dict[str, Any]:
    return {
        "name": "t",
        "load": {"users": 20, "rooms": 2, "window_s": 20.0},
        "config": [{"name": "f", "nodes": 2, "queue": "redis", **config, "events": events}],
    }


def _error(events: list[dict[str, Any]], **config: Any) -> str:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_doc(events, **config))
    return str(err.value)


def test_a_valid_timeline_is_kept_in_file_order() -> None:
    events = [
        {"at_s": 8, "action": "kill_node", "node": 1},
        {"at_s": 14, "action": "start_node", "node": 1},
        {"at_s": 3, "action": "pause_redis"},
        {"at_s": 6.5, "action": "resume_redis"},
    ]
    [config] = parse_scenario(_doc(events)).configs
    assert config.events == (
        FaultEvent(8.0, "kill_node", 1),
        FaultEvent(14.0, "start_node", 1),
        FaultEvent(3.0, "pause_redis", None),
        FaultEvent(6.5, "resume_redis", None),
    )
    assert config.to_dict()["events"][0] == {"at_s": 8.0, "action": "kill_node", "node": 1}
    assert [e.target for e in config.events] == ["node-1", "node-1", "redis-server", "redis-server"]


def test_no_events_is_an_empty_timeline() -> None:
    doc = _doc([])
    del doc["config"][0]["events"]
    assert parse_scenario(doc).configs[0].events == ()


def test_unknown_action_names_the_key_and_the_actions() -> None:
    message = _error([{"at_s": 1, "action": "reboot_node", "node": 0}])
    assert message.startswith(f"{WHERE} #1.action: 'reboot_node' is not allowed; allowed: ")
    assert "kill_node" in message and "resume_redis" in message


def test_node_index_out_of_range() -> None:
    message = _error([{"at_s": 1, "action": "kill_node", "node": 2}])
    assert message == f"{WHERE} #1.node: node 2 does not exist (2 node(s)); allowed: 0..1"


def test_node_action_without_a_node() -> None:
    message = _error([{"at_s": 1, "action": "kill_node"}])
    assert message.startswith(f"{WHERE} #1.node: missing key 'node' for kill_node")


def test_redis_action_with_a_node() -> None:
    message = _error([{"at_s": 1, "action": "kill_redis", "node": 0}])
    assert message.startswith(f"{WHERE} #1.node: kill_redis acts on redis-server")


@pytest.mark.parametrize("at_s", [-1, 20, 25.5])
def test_offset_outside_the_window(at_s: float) -> None:
    message = _error([{"at_s": at_s, "action": "kill_node", "node": 0}])
    assert message == (
        f"{WHERE} #1.at_s: {at_s:g} s is outside the 20 s window; "
        "allowed: 0 <= at_s < 20 (the window's length)"
    )


def test_offset_checked_against_the_configs_own_window() -> None:
    message = _error([{"at_s": 12, "action": "kill_node", "node": 0}], load={"window_s": 10.0})
    assert f"{WHERE} #1.at_s: 12 s is outside the 10 s window" in message


def test_redis_action_without_redis() -> None:
    message = _error([{"at_s": 1, "action": "kill_redis"}], nodes=1, queue="none")
    assert message.startswith(
        f"{WHERE} #1.action: kill_redis but this configuration has no Redis (queue = 'none')"
    )


def test_unknown_key_and_bad_types() -> None:
    assert _error([{"at_s": 1, "action": "kill_redis", "when": 3}]).startswith(
        f"{WHERE} #1.when: unknown key 'when'; allowed: action, at_s, between, node"
    )
    assert _error([{"at_s": "soon", "action": "kill_redis"}]).startswith(
        f"{WHERE} #1.at_s: 'soon' is not a number"
    )
    assert _error([{"action": "kill_redis"}]).startswith(f"{WHERE} #1.at_s: missing key 'at_s'")
    assert _error([{"at_s": 1, "action": "kill_node", "node": 0.5}]).startswith(
        f"{WHERE} #1.node: 0.5 is not an integer"
    )
    assert _error({"at_s": 1}).startswith(f"{WHERE}: ")  # type: ignore[arg-type]


def test_impossible_sequences_name_the_event() -> None:
    # start a node that was never stopped
    assert _error([{"at_s": 2, "action": "start_node", "node": 0}]) == (
        f"{WHERE} #1.action: start_node on node-0 at 2 s, which is up then; "
        "allowed: start only a target an earlier event killed or stopped"
    )
    # checked in time order, not file order: the start (#1) comes before the kill (#2)
    message = _error(
        [
            {"at_s": 9, "action": "start_node", "node": 1},
            {"at_s": 10, "action": "kill_node", "node": 1},
        ]
    )
    assert message.startswith(f"{WHERE} #1.action: start_node on node-1 at 9 s, which is up")
    assert _error([{"at_s": 2, "action": "resume_redis"}]).startswith(
        f"{WHERE} #1.action: resume_redis on redis-server at 2 s, which is up then"
    )
    assert _error(
        [
            {"at_s": 1, "action": "kill_node", "node": 0},
            {"at_s": 2, "action": "pause_node", "node": 0},
        ]
    ).startswith(f"{WHERE} #2.action: pause_node on node-0 at 2 s, which is down then")


def test_the_shipped_failover_scenario() -> None:
    matrix = load_scenario(SCENARIOS / "failover.toml")
    assert [c.name for c in matrix.configs] == ["node-restart", "redis-restart", "redis-pause"]
    for config in matrix.configs:
        assert (config.nodes, config.queue) == (2, "redis")
        assert config.events
    actions = {c.name: [e.action for e in c.events] for c in matrix.configs}
    assert actions == {
        "node-restart": ["kill_node", "start_node"],
        "redis-restart": ["kill_redis", "start_redis"],
        "redis-pause": ["pause_redis", "resume_redis"],
    }
    pause = matrix.configs[2].events
    assert pause[1].at_s - pause[0].at_s == 3.0


def _matrix_file(tmp_path: Path) -> Path:
    path = tmp_path / "faults.toml"
    path.write_text(
        "[load]\nusers = 20\nrooms = 2\nwindow_s = 20.0\n\n"
        '[[config]]\nname = "calm"\n\n'
        '[[config]]\nname = "f"\nnodes = 2\nqueue = "redis"\n\n'
        '[[config.events]]\nat_s = 8\naction = "kill_redis"\n'
    )
    return path


def test_duration_shorter_than_the_timeline_fails_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    matrix = load_scenario(_matrix_file(tmp_path))
    check_events(matrix, RunOptions(tmp_path, window_s=10.0))  # 8 s fits a 10 s window
    with pytest.raises(ScenarioError) as err:
        check_events(matrix, RunOptions(tmp_path, window_s=8.0))
    assert str(err.value) == (
        f"--duration 8: {tmp_path}/faults.toml [[config]] 'f' [[config.events]] #1.at_s: "
        "8 s is outside the 8 s window; allowed: 0 <= at_s < 8 (the window's length)"
    )
    out = tmp_path / "out"
    handler = signal.getsignal(signal.SIGTERM)  # main() installs its own
    try:
        code = main(["run", str(tmp_path / "faults.toml"), "--duration", "5", "--out", str(out)])
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert code == 2
    assert "error: --duration 5: " in capsys.readouterr().err
    assert not (out / "calm.json").exists() and not (out / "logs").exists()


def test_redis_events_need_the_harness_own_redis(tmp_path: Path) -> None:
    matrix = load_scenario(_matrix_file(tmp_path))
    with pytest.raises(ScenarioError) as err:
        check_events(matrix, RunOptions(tmp_path, redis_url="redis://127.0.0.1:6379/0"))
    assert str(err.value).startswith(
        "--redis-url: configuration 'f' has Redis events, but a Redis the harness did not "
        "start cannot be killed, paused or restarted; allowed: leave out --redis-url"
    )
    check_events(matrix.only(["calm"]), RunOptions(tmp_path, redis_url="redis://127.0.0.1:1/0"))
