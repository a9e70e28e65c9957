"""Load: defaults, strict parsing, round trip."""

from __future__ import annotations

import pytest

from loadtests.model.churn import Churn
from loadtests.model.load import Load, ScenarioError


def test_defaults_round_trip() -> None:
    scenario = Load()
    assert Load.from_dict(scenario.to_dict()) == scenario
    assert scenario.to_dict()["churn"] == {
        "leave_rejoin_per_user_per_min": 0.0,
        "reconnect_per_user_per_min": 0.0,
    }


def test_values_and_nested_churn() -> None:
    scenario = Load.from_dict(
        {
            "users": 20,
            "rooms": 2,
            "window_s": 3,
            "rate_per_sender_per_s": 2,
            "senders": 5,
            "churn": {"reconnect_per_user_per_min": 1},
        }
    )
    assert (
        scenario.users == 20 and scenario.window_s == 3.0 and isinstance(scenario.window_s, float)
    )
    assert scenario.churn == Churn(reconnect_per_user_per_min=1.0)
    assert scenario.churn.enabled


@pytest.mark.parametrize(
    "doc, named",
    [
        ({"userz": 3}, "'userz'"),
        ({"churn": {"reconnect_per_min": 1}}, "'churn.reconnect_per_min'"),
    ],
)
def test_unknown_key_is_named(doc: dict, named: str) -> None:
    with pytest.raises(ScenarioError, match=named):
        Load.from_dict(doc)


@pytest.mark.parametrize(
    "doc, named",
    [
        ({"users": "ten"}, "users"),
        ({"users": 0}, "users"),
        ({"users": True}, "users"),
        ({"rooms": 2, "rooms_per_user": 3}, "rooms_per_user"),
        ({"users": 5, "senders": 6}, "senders"),
        ({"rate_per_sender_per_s": 0}, "rate_per_sender_per_s"),
        ({"payload_bytes": 70_000}, "payload_bytes"),
        ({"window_s": 0}, "window_s"),
        ({"warmup_s": -1}, "warmup_s"),
        ({"user_class": "chat"}, "user_class"),
        ({"churn": {"reconnect_per_user_per_min": -1}}, "churn.reconnect_per_user_per_min"),
        ({"user_class": "echo", "churn": {"leave_rejoin_per_user_per_min": 1}}, "leave_rejoin"),
        ({"churn": 3}, "churn"),
    ],
)
def test_bad_value_is_named(doc: dict, named: str) -> None:
    with pytest.raises(ScenarioError, match=named):
        Load.from_dict(doc)
