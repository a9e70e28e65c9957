"""``--roombench-profile``: a Locust run by hand speaks a ready-made or file profile."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from loadtests.locustfile import DEFAULT_RESULTS, settings_from
from loadtests.model.load import ScenarioError
from loadtests.model.profile import REFERENCE, load_profile


def _options(**over: Any) -> SimpleNamespace:
    values = {
        "roombench_scenario": '{"users": 10, "rooms": 2}',
        "roombench_config": "{}",
        "roombench_nodes": "",
        "roombench_results": DEFAULT_RESULTS,
        "roombench_progress": "",
        "roombench_run_id": "",
        "roombench_repeat": 0,
        "roombench_profile": "",
    }
    return SimpleNamespace(**{**values, **over})


def test_no_profile_is_the_reference() -> None:
    assert settings_from(_options()).scenario.protocol == REFERENCE


def test_a_profile_replaces_the_scenarios_protocol_and_keeps_its_load() -> None:
    scenario = settings_from(_options(roombench_profile="node-socketio-chat")).scenario
    assert scenario.protocol == load_profile("node-socketio-chat")
    assert (scenario.users, scenario.rooms) == (10, 2)


def test_an_unknown_profile_names_the_option() -> None:
    with pytest.raises(ScenarioError, match=r"^--roombench-profile: no ready-made profile 'x'"):
        settings_from(_options(roombench_profile="x"))
