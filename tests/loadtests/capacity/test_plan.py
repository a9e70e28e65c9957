"""A plan that cannot run is an error naming the value and the limit; the limits above the
first step are the search's ceiling, named when the search stops there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.capacity import plan
from loadtests.capacity.axes import AXES
from loadtests.capacity.search import Outcome, Search, Verdict
from loadtests.orchestrate.scenario_file import parse_scenario

REPO = Path(__file__).resolve().parents[3]


def _config(users: int = 100, **config: object) -> tuple:
    matrix = parse_scenario(
        {
            "name": "p",
            "load": {"users": users, "rooms": 5, "senders": users, "rate_per_sender_per_s": 1.0},
            "config": [{"name": "c", **config}],
        }
    )
    [spec] = matrix.configs
    return matrix.load_for(spec), spec


def test_more_first_step_users_than_the_servers_cap_is_an_error_naming_both() -> None:
    base, config = _config(
        users=100, server_args=["--max-connections", "40"], nodes=2, queue="redis"
    )
    assert plan.server_connection_cap(config) == 40
    with pytest.raises(plan.PlanError, match="100 users.*--max-connections 40 per node.*80"):
        plan.check_plan(AXES["connections"], base, config, 100)
    plan.check_plan(AXES["connections"], base, config, 80)  # two nodes hold 80


def test_gevent_has_no_server_cap_and_a_foreign_server_none_known() -> None:
    assert plan.server_connection_cap(_config(async_mode="gevent")[1]) is None
    foreign = _config(command=["node", "server.js", "--port", "{port}"])[1]
    assert plan.server_connection_cap(foreign) is None


def test_a_rate_the_schedule_cannot_take_is_an_error_and_the_rate_axis_ceiling() -> None:
    base, config = _config(users=100)
    top, why = plan.ceiling(AXES["rate"], base, config)
    # 100 senders x 10,000/s x rooms of 20
    assert top == 100 * 10_000 * 20 and "per sender" in why
    with pytest.raises(plan.PlanError, match="deliveries/s needs more than"):
        plan.check_plan(AXES["rate"], base, config, top * 2)


def test_the_connection_ceiling_is_the_tightest_limit_and_names_it() -> None:
    _base, config = _config(server_args=["--max-connections", "7"])
    users, why = plan.connection_ceiling(config)
    assert users == 7 and why == "the server's --max-connections 7 per node"


def test_a_search_that_reaches_its_ceiling_says_what_bound_it() -> None:
    search = Search(start=100, ceiling=350, ceiling_reason="the server's --max-connections 350")
    loads = []
    while (load := search.next_load()) is not None:
        loads.append(load)
        search.record(load, Outcome.PASS)
    assert loads == [100, 200, 350]
    answer = search.answer()
    assert answer.verdict is Verdict.ABOVE_RANGE and answer.capacity == 350
    assert answer.bound_by == "the server's --max-connections 350"


def test_the_command_refuses_an_impossible_plan_before_starting_anything(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'name = "s"\n[load]\nusers = 10\nrooms = 2\n[[config]]\nname = "tiny"\n'
        'server_args = ["--max-connections", "5"]\n'
    )
    for args, named in (
        (["--axis", "connections"], "10 users, more than the server's --max-connections 5"),
        (["--start", "0"], "--start: 0 is out of range"),
        (["--repeat", "0"], "--repeat: 0 is out of range; allowed: 1..100"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "loadtests.cli", "capacity", str(scenario), "--out",
             str(tmp_path / "out"), *args],
            cwd=REPO, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2, done.stdout + done.stderr
        assert named in done.stderr
        assert not (tmp_path / "out").exists()
