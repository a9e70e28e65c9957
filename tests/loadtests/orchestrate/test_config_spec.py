"""The three kinds of server a [[config]] is: each holds only its own keys, and every
kind writes the config document's keys in the order they always had."""

from __future__ import annotations

import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest

from loadtests.gate import ab, selfcheck
from loadtests.model.load import ScenarioError
from loadtests.orchestrate.config_spec import (
    CommandServer,
    ConfigSpec,
    ReferenceServer,
    RunningTarget,
)
from loadtests.orchestrate.config_table import CONFIG_KEYS
from loadtests.orchestrate.scenario_file import parse_scenario

CMD = ["{python}", "-m", "server", "--port", "{port}"]
# The config document's keys, in the order results documents have always had them.
DOC_KEYS = [
    "name",
    "nodes",
    "queue",
    "async_mode",
    "gc",
    "server_args",
    "inject_delay_ms",
    "inject_drop_rate",
    "load",
    "app_dir",
    "events",
    "command",
    "target",
    "target_pids",
    "protocol",
    "abuse",
    "test_hosts",
    "redis_manager",
]
COMMON = {"name", "load", "protocol", "abuse"}


def _config(**table: Any) -> ConfigSpec:
    doc = {"name": "t", "load": {"users": 4, "rooms": 1}, "config": [{"name": "c", **table}]}
    (config,) = parse_scenario(doc, "s.toml").configs
    return config


def _keys(kind: type) -> set[str]:
    return {f.name for f in fields(kind)}


def test_each_kind_holds_only_its_own_keys() -> None:
    assert _keys(ReferenceServer) - COMMON == {
        "nodes",
        "queue",
        "async_mode",
        "gc",
        "server_args",
        "inject_delay_ms",
        "inject_drop_rate",
        "app_dir",
        "events",
        "test_hosts",
        "redis_manager",
    }
    assert _keys(CommandServer) - COMMON == {"command", "nodes", "queue", "events"}
    assert _keys(RunningTarget) - COMMON == {"target", "target_pids"}
    assert sorted(CONFIG_KEYS) == sorted(DOC_KEYS)
    command = _config(command=CMD)
    with pytest.raises(TypeError):
        replace(command, gc="off")  # type: ignore[call-arg]


def test_the_keys_choose_the_kind() -> None:
    assert isinstance(_config(), ReferenceServer)
    assert isinstance(_config(command=CMD, nodes=2, queue="redis"), CommandServer)
    target = _config(target=["http://127.0.0.1:1", "http://127.0.0.1:2"])
    assert isinstance(target, RunningTarget)
    assert (target.nodes, target.queue, target.events, target.test_hosts) == (2, "none", (), False)


def test_every_kind_writes_every_key_in_the_old_order() -> None:
    command = _config(command=CMD, nodes=2, queue="redis").to_dict()
    target = _config(target="http://127.0.0.1:1", target_pids=[7]).to_dict()
    assert list(command) == DOC_KEYS and list(target) == DOC_KEYS
    defaults = {"async_mode": "eventlet", "gc": "freeze", "server_args": [], "app_dir": None}
    assert {k: command[k] for k in defaults} == defaults == {k: target[k] for k in defaults}
    assert (command["nodes"], command["queue"], command["command"][0]) == (
        2,
        "redis",
        sys.executable,
    )
    assert (command["target"], command["target_pids"], command["test_hosts"]) == ([], [], False)
    assert (target["nodes"], target["queue"], target["target"], target["target_pids"]) == (
        1,
        "none",
        ["http://127.0.0.1:1"],
        [7],
    )
    assert (target["command"], target["events"], target["inject_delay_ms"]) == ([], [], 0.0)
    reference = _config(gc="off", inject_delay_ms=2).to_dict()
    assert list(reference) == DOC_KEYS
    assert (reference["gc"], reference["inject_delay_ms"], reference["command"]) == ("off", 2.0, [])


def test_test_hosts_false_is_accepted_for_a_command_true_is_not() -> None:
    assert not _config(command=CMD, test_hosts=False).test_hosts
    with pytest.raises(ScenarioError, match=r"#1.test_hosts: set for a command or a running"):
        _config(command=CMD, test_hosts=True)


def test_only_target_app_takes_another_checkout_or_injected_delays(tmp_path: Path) -> None:
    command = _config(command=CMD)
    assert ab.with_app_dir(command, tmp_path) is command
    reference = ab.with_app_dir(_config(), tmp_path)
    assert isinstance(reference, ReferenceServer) and reference.app_dir == tmp_path
    doc = {
        "name": "t",
        "config": [{"name": "base", "command": CMD}, {"name": "candidate", "command": CMD}],
    }
    with pytest.raises(ScenarioError, match="injects delays into target_app"):
        selfcheck.pool_scenario(parse_scenario(doc, "gate.toml"))
