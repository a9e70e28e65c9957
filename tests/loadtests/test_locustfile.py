"""The locustfile's edges: one-line errors with exit 2, adopted load, results never overwritten."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from loadtests.locustfile import (
    DEFAULT_RESULTS,
    ByHand,
    adopted,
    free_results_path,
    settings_from,
    spawn_rate_for,
)
from loadtests.model.load import Load, ScenarioError

REPO = Path(__file__).resolve().parents[2]


def _options(**over: Any) -> SimpleNamespace:
    values = {
        "roombench_scenario": "{}",
        "roombench_config": "{}",
        "roombench_nodes": "",
        "roombench_results": DEFAULT_RESULTS,
        "roombench_progress": "",
        "roombench_run_id": "",
        "roombench_repeat": 0,
    }
    return SimpleNamespace(**{**values, **over})


def test_senders_follow_users() -> None:
    settings = settings_from(_options(roombench_scenario='{"users": 50, "rooms": 5}'))
    assert (settings.scenario.users, settings.scenario.senders) == (50, 50)


@pytest.mark.parametrize(
    ("scenario", "says"),
    [
        ('{"users": 50, "senders": 100}', "scenario.senders: 100 is out of range"),
        ('{"users": 5', "--roombench-scenario: not JSON"),
        ("[1]", "is not a JSON object"),
        ('{"userz": 5}', "scenario.userz"),
    ],
)
def test_bad_scenarios_name_the_option_and_key(scenario: str, says: str) -> None:
    with pytest.raises(ScenarioError, match="--roombench-scenario") as exc:
        settings_from(_options(roombench_scenario=scenario))
    assert says in str(exc.value) and "allowed" in str(exc.value)


def test_nodes_must_be_urls() -> None:
    with pytest.raises(ScenarioError, match="--roombench-nodes: '127.0.0.1:5000'"):
        settings_from(_options(roombench_nodes="127.0.0.1:5000"))


def test_adopting_a_smaller_start_keeps_every_user_a_sender_or_caps_a_subset() -> None:
    assert (adopted(Load(users=50, senders=50), 10).senders, 10) == (10, 10)
    assert adopted(Load(users=50, senders=5), 10).senders == 5
    assert adopted(Load(users=50, senders=30), 10).senders == 10


def test_spawn_rate_starts_everyone_at_once_up_to_100_a_process() -> None:
    assert spawn_rate_for(Load(users=50, senders=50)) == 50
    assert spawn_rate_for(Load(users=500, senders=500), processes=2) == 200


def test_results_are_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    assert free_results_path(path) == path
    path.write_text("{}")
    (tmp_path / "r-1.json").write_text("{}")
    assert free_results_path(path) == tmp_path / "r-2.json"


class _Coordinator:
    def __init__(self, settings: Any) -> None:
        self.settings = settings


def test_a_test_started_with_other_users_is_recorded_as_that_load(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text("{}")  # the previous run's
    settings = settings_from(
        _options(roombench_scenario='{"users": 50}', roombench_results=str(results))
    )
    coordinator = _Coordinator(settings)
    environment = SimpleNamespace(runner=SimpleNamespace(target_user_count=10))
    ByHand(environment, coordinator).on_test_start(environment)  # type: ignore[arg-type]
    now = coordinator.settings
    assert (now.scenario.users, now.scenario.senders) == (10, 10)
    assert (
        now.config["load_adopted"]
        == "started with 10 users; the scenario said 50 (senders 50 -> 10)"
    )
    assert now.results_path == tmp_path / "results-1.json"
    assert json.loads(results.read_text()) == {}


def test_a_test_started_as_the_scenario_says_is_left_alone(tmp_path: Path) -> None:
    settings = settings_from(
        _options(roombench_scenario='{"users": 50}', roombench_results=str(tmp_path / "r.json"))
    )
    coordinator = _Coordinator(settings)
    environment = SimpleNamespace(runner=SimpleNamespace(target_user_count=50))
    ByHand(environment, coordinator).on_test_start(environment)  # type: ignore[arg-type]
    assert coordinator.settings == settings


def _locust(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(REPO / "loadtests" / "locustfile.py"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


@pytest.mark.slow
def test_locust_exits_2_with_one_line_and_no_traceback() -> None:
    done = _locust(
        "--headless",
        "--host",
        "http://127.0.0.1:9",  # never contacted: the options fail first
        "--roombench-scenario",
        '{"users": 50, "senders": 100}',
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("locust: ")]
    assert errors == [
        "locust: --roombench-scenario: scenario.senders: 100 is out of range; "
        "allowed: 0..users (50); leave it out for all users"
    ]
