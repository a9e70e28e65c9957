"""Scenario files: strict parsing, errors that name the key, A B A B order."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests.model.load import ScenarioError
from loadtests.orchestrate.config_spec import ReferenceServer
from loadtests.orchestrate.scenario_file import load_scenario, parse_scenario

SCENARIOS = Path(__file__).resolve().parents[3] / "loadtests" / "scenarios"


def _doc(**overrides: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "name": "t",
        "load": {"users": 20, "rooms": 2, "senders": 20, "window_s": 5.0},
        "config": [{"name": "a"}, {"name": "b", "nodes": 2, "queue": "redis"}],
    }
    doc.update(overrides)
    return doc


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_parses(path: Path) -> None:
    matrix = load_scenario(path)
    assert matrix.configs
    for config in matrix.configs:
        load = matrix.load_for(config)
        assert load.users >= 1


def test_default_scenario_is_the_documented_comparison() -> None:
    matrix = load_scenario(SCENARIOS / "default.toml")
    assert [(c.name, c.nodes, c.queue, c.async_mode) for c in matrix.configs] == [
        ("single", 1, "none", "eventlet"),
        ("redis-2", 2, "redis", "eventlet"),
    ]
    load = matrix.load
    assert (load.users, load.rooms, load.senders) == (200, 10, 200)
    assert load.senders * load.rate_per_sender_per_s == 200.0
    assert load.senders * load.rate_per_sender_per_s * load.users / load.rooms == 4000.0


def test_room_sizes_keep_deliveries_per_second_equal() -> None:
    matrix = load_scenario(SCENARIOS / "room-sizes.toml")
    rates = set()
    for config in matrix.configs:
        load = matrix.load_for(config)
        room_size = load.users // load.rooms
        rates.add(round(load.senders * load.rate_per_sender_per_s * room_size))
    assert rates == {2000}
    assert [matrix.load_for(c).users // matrix.load_for(c).rooms for c in matrix.configs] == [
        2,
        20,
        200,
    ]


def test_plan_interleaves_configurations() -> None:
    matrix = parse_scenario(_doc(repeat=3))
    assert [(c.name, k) for c, k in matrix.plan()] == [
        ("a", 0),
        ("b", 0),
        ("a", 1),
        ("b", 1),
        ("a", 2),
        ("b", 2),
    ]


def test_only_restricts_and_rejects_unknown_names() -> None:
    matrix = parse_scenario(_doc())
    assert [c.name for c in matrix.only(["b"]).configs] == ["b"]
    with pytest.raises(ScenarioError, match="--only nope: no such configuration"):
        matrix.only(["nope"])


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_doc(colour="red"), "unknown key 'colour'"),
        (_doc(load={"users": 10, "userz": 3}), "userz"),
        (_doc(config=[{"name": "a", "nodez": 2}]), "unknown key 'nodez'"),
        (
            _doc(config=[{"name": "a", "queue": "kafka"}]),
            "queue: 'kafka' is not allowed; allowed: none, redis",
        ),
        (
            _doc(config=[{"name": "a", "async_mode": "asyncio"}]),
            "async_mode: 'asyncio' is not allowed; allowed: eventlet, gevent, threading",
        ),
        (
            _doc(config=[{"name": "a", "gc": "sometimes"}]),
            "gc: 'sometimes' is not allowed; allowed: default, freeze, off",
        ),
        (_doc(config=[{"name": "a", "nodes": 2}]), "nodes: 2 nodes need queue = 'redis'"),
        (_doc(config=[{"name": "a", "nodes": 0}]), "nodes: 0 is out of range; allowed: 1..16"),
        (
            _doc(config=[{"name": "a", "nodes": "two"}]),
            "nodes: 'two' is not an integer; allowed: an integer",
        ),
        (
            _doc(config=[{"name": "a", "inject_drop_rate": 1.5}]),
            "inject_drop_rate: 1.5 is out of range; allowed: 0..1",
        ),
        (
            _doc(config=[{"name": "a", "server_args": "--gc off"}]),
            "server_args: '--gc off' is not a list of strings",
        ),
        (_doc(config=[{"name": "a"}, {"name": "a"}]), "'a' is used twice"),
        (_doc(config=[{"nodes": 1}]), "missing key 'name'"),
        (_doc(config=[{"name": "a b"}]), "'a b' is not a valid name; allowed: 1-64 of letters"),
        (_doc(config=[]), "at least one [[config]]"),
        (_doc(repeat=0), "repeat: 0 is out of range; allowed: 1..100"),
        (_doc(config=[{"name": "a", "load": {"roomz": 3}}]), "roomz"),
    ],
)
def test_bad_scenarios_name_what_is_wrong(doc: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(doc, "s.toml")
    assert message in str(err.value)


def test_config_load_overrides_the_shared_load() -> None:
    matrix = parse_scenario(_doc(config=[{"name": "a", "load": {"rooms": 4}}, {"name": "b"}]))
    a, b = matrix.configs
    assert matrix.load_for(a).rooms == 4
    assert matrix.load_for(a).users == 20
    assert matrix.load_for(b).rooms == 2


def test_target_app_args_carry_gc_faults_and_extra_args() -> None:
    spec = ReferenceServer(
        "x", gc="freeze", inject_delay_ms=5.0, inject_drop_rate=0.01, server_args=("--presence",)
    )
    assert spec.target_app_args() == [
        "--gc",
        "freeze",
        "--inject-delay-ms",
        "5.0",
        "--inject-drop-rate",
        "0.01",
        "--presence",
    ]


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(bad)
