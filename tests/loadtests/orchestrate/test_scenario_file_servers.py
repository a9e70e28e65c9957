"""Scenario files naming other servers: command, target, target_pids and protocol."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from loadtests.model.load import ScenarioError
from loadtests.model.profile import REFERENCE, load_profile
from loadtests.orchestrate.config_spec import CommandServer, ReferenceServer
from loadtests.orchestrate.scenario_file import load_scenario, parse_scenario

SCENARIOS = Path(__file__).resolve().parents[3] / "loadtests" / "scenarios"
CMD = ["{python}", "-m", "server", "--port", "{port}"]


def _doc(*configs: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"name": "t", "load": {"users": 4, "rooms": 1}, "config": list(configs), **top}


def test_servers_scenario_compares_three_servers_through_their_profiles() -> None:
    matrix = load_scenario(SCENARIOS / "servers.toml")
    by_name = {c.name: c for c in matrix.configs}
    assert list(by_name) == ["flask-socketio", "python-socketio", "node-socketio"]
    assert by_name["flask-socketio"].protocol == REFERENCE
    assert isinstance(by_name["flask-socketio"], ReferenceServer)
    uvicorn, node = by_name["python-socketio"], by_name["node-socketio"]
    assert isinstance(uvicorn, CommandServer) and isinstance(node, CommandServer)
    assert uvicorn.command[:3] == (sys.executable, "-m", "uvicorn")
    assert node.command[1] == str(
        SCENARIOS.resolve() / ".." / "servers" / "node_chat" / "server.js"
    )
    assert matrix.load_for(uvicorn).protocol == load_profile("python-socketio-chat")
    assert matrix.load_for(node).protocol == load_profile("node-socketio-chat")
    assert (matrix.load.users, matrix.load.rooms, matrix.load.window_s) == (200, 10, 45.0)
    assert uvicorn.target_app_args() == [] and node.cluster_spec().command == node.command


def test_a_command_config_fills_python_and_here_and_keeps_start_placeholders() -> None:
    matrix = parse_scenario(_doc({"name": "c", "command": CMD}), "/srv/x/s.toml")
    (config,) = matrix.configs
    assert config.command == (sys.executable, "-m", "server", "--port", "{port}")
    assert config.to_dict()["command"] == list(config.command)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"command": ["srv", "{prot}"]}, "command: unknown placeholder {prot}; allowed: {port}"),
        ({"command": ["srv"]}, "command: no {port}"),
        ({"command": []}, "command: empty"),
        ({"command": ["s", "{port}", "{redis_url}"]}, "command: {redis_url} without a Redis"),
        ({"command": CMD, "target": "http://127.0.0.1:1"}, "command: both command"),
        ({"command": CMD, "async_mode": "gevent"}, "async_mode: only for target_app nodes"),
        ({"target": "http://10.1.1.1"}, "target: 'http://10.1.1.1': no port"),
        ({"target": "http://127.0.0.1:1", "nodes": 2}, "nodes: 2 but target names 1 URL(s)"),
        ({"target": "http://127.0.0.1:1", "target_pids": [1, 2]}, "target_pids: 2 pid(s) for 1"),
        ({"target_pids": [1]}, "target_pids: without target"),
        ({"target": "http://127.0.0.1:1", "target_pids": ["x"]}, "target_pids: ['x'] is not"),
        ({"target": "http://127.0.0.1:1", "gc": "off"}, "gc: only for target_app nodes"),
        ({"target": "http://127.0.0.1:1", "queue": "redis"}, "queue: set for running servers"),
        (
            {
                "target": "http://127.0.0.1:1",
                "events": [{"at_s": 1, "action": "kill_node", "node": 0}],
            },
            "events: a fault timeline needs processes the harness started",
        ),
        (  # not even a list: refused by the same rule, never a TypeError
            {"target": "http://127.0.0.1:1", "events": 5},
            "events: a fault timeline needs processes the harness started",
        ),
        ({"protocol": "nodejs"}, "protocol: no ready-made profile 'nodejs'"),
        (
            {"protocol": {"send_payload": {"x": "{nope}"}}},
            "protocol.send_payload: unknown placeholder",
        ),
    ],
)
def test_bad_server_keys_are_errors_naming_them(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(_doc({"name": "c", **config}), "s.toml")
    assert message in str(caught.value), str(caught.value)
    assert str(caught.value).startswith("s.toml [[config]] #1."), str(caught.value)


def test_targets_make_the_nodes_and_pids_travel_to_the_cluster_spec() -> None:
    matrix = parse_scenario(
        _doc(
            {
                "name": "mine",
                "target": ["http://127.0.0.1:5000/", "http://[::1]:5001"],
                "target_pids": [10, 11],
                "protocol": {"query": {"k": "v"}, "headers": {"X-A": "b"}},
            }
        ),
        "s.toml",
    )
    (config,) = matrix.configs
    spec = config.cluster_spec()
    assert (config.nodes, spec.targets, spec.target_pids) == (
        2,
        ("http://127.0.0.1:5000", "http://[::1]:5001"),
        (10, 11),
    )
    assert (spec.handshake_query, spec.handshake_headers) == ((("k", "v"),), (("X-A", "b"),))


def test_a_top_level_protocol_applies_to_every_config_unless_one_has_its_own() -> None:
    matrix = parse_scenario(
        _doc(
            {"name": "a", "command": CMD},
            {"name": "b", "command": CMD, "protocol": "node-socketio-chat"},
            protocol="python-socketio-chat",
        ),
        "s.toml",
    )
    a, b = matrix.configs
    assert matrix.load_for(a).protocol.name == "python-socketio-chat"
    assert matrix.load_for(b).protocol.name == "node-socketio-chat"
    assert matrix.load.protocol.name == "python-socketio-chat"
