"""``redis_manager`` in a ``[[config]]``: passed to target_app nodes as ``--redis-manager``,
refused (naming the key) where it cannot apply."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from loadtests.model.load import ScenarioError
from loadtests.orchestrate.scenario_file import load_scenario, parse_scenario


def _doc(config: dict[str, object]) -> dict[str, object]:
    return {"name": "t", "load": {"users": 20, "rooms": 2}, "config": [config]}


def test_stock_reaches_the_nodes_command_line_and_robust_changes_nothing() -> None:
    stock, robust, default = (
        parse_scenario(_doc({"name": n, "nodes": 2, "queue": "redis", **extra})).configs[0]
        for n, extra in (
            ("stock", {"redis_manager": "stock"}),
            ("robust", {"redis_manager": "robust"}),
            ("default", {}),
        )
    )
    assert stock.redis_manager == "stock"
    assert stock.target_app_args() == ["--gc", "freeze", "--redis-manager", "stock"]
    assert "--redis-manager stock" in " ".join(stock.cluster_spec().extra_args)
    assert stock.to_dict()["redis_manager"] == "stock"
    assert robust.target_app_args() == default.target_app_args() == ["--gc", "freeze"]
    assert default.redis_manager == "robust"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"name": "x", "nodes": 2, "queue": "redis", "redis_manager": "kombu"},
            "s.toml [[config]] #1.redis_manager: 'kombu' is not allowed; allowed: robust, stock",
        ),
        (
            {"name": "x", "redis_manager": "stock"},
            "s.toml [[config]] #1.redis_manager: 'stock' without a Redis queue; "
            'allowed: queue = "redis" (or leave redis_manager out)',
        ),
        (
            {"name": "x", "nodes": 2, "queue": "redis", "redis_manager": 1},
            "s.toml [[config]] #1.redis_manager:",
        ),
        (
            {"name": "x", "command": ["srv", "{port}"], "redis_manager": "stock"},
            "s.toml [[config]] #1.redis_manager: only for target_app nodes",
        ),
    ],
)
def test_bad_redis_managers_name_the_key(config: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_doc(config), "s.toml")
    assert str(err.value).startswith(message), err.value


def test_partition_stock_is_partition_with_the_stock_manager() -> None:
    scenarios = Path(__file__).resolve().parents[3] / "loadtests" / "scenarios"
    robust, stock = (
        load_scenario(scenarios / name) for name in ("partition.toml", "partition-stock.toml")
    )
    (cut,), (stock_cut,) = robust.configs, stock.configs
    assert replace(stock.load, name=robust.load.name) == robust.load
    assert stock_cut.redis_manager == "stock" and cut.redis_manager == "robust"
    assert replace(stock_cut, name=cut.name, redis_manager="robust") == cut
