"""``[config.abuse]``: strict parsing, every bad key or value named, and its place in a config."""

from __future__ import annotations

from typing import Any

import pytest

from loadtests.abuse.spec import VARIANTS, AbuseSpec, parse_abuse
from loadtests.model.load import ScenarioError
from loadtests.orchestrate.scenario_file import parse_scenario

WINDOW_S = 10.0
ROOMS = 4


def _parse(**table: Any) -> AbuseSpec:
    return parse_abuse(table, "cfg.abuse", WINDOW_S, ROOMS, ScenarioError)


def test_a_slow_consumer_table_with_defaults() -> None:
    spec = _parse(kind="slow_consumer", clients=20)
    assert spec == AbuseSpec(kind="slow_consumer", clients=20, rooms=ROOMS)
    assert spec.stop_s(WINDOW_S) == WINDOW_S
    assert spec.to_dict() == {
        "kind": "slow_consumer",
        "clients": 20,
        "rate_per_s": 0.0,
        "start_at_s": 0.0,
        "stop_at_s": None,
        "rooms": ROOMS,
        "echo_bytes": 1024,
        "rcvbuf_bytes": 4096,
    }
    assert AbuseSpec.from_dict(spec.to_dict()) == spec


def test_every_kind_with_its_own_keys_round_trips() -> None:
    tables = [
        {"kind": "bad_input", "clients": 2, "rate_per_s": 5, "mix": ["truncated", "bad_frame"]},
        {"kind": "connection_churn", "clients": 50, "rate_per_s": 0.5, "rooms": 0, "close": "fin"},
        {
            "kind": "idle_sockets",
            "clients": 9,
            "stage": "upgraded",
            "start_at_s": 1,
            "stop_at_s": 4,
        },
        {"kind": "upload_flood", "clients": 1, "frame_bytes": 60000},
        {"kind": "polling_abuse", "clients": 3, "rate_per_s": 20, "rooms": 2},
    ]
    for table in tables:
        spec = _parse(**table)
        assert AbuseSpec.from_dict(spec.to_dict()) == spec
        assert {k: spec.to_dict()[k] for k in table} == {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in spec.to_dict().items()
            if k in table
        }
    assert _parse(**tables[0]).mix == ("truncated", "bad_frame")
    assert _parse(kind="bad_input", clients=1, rate_per_s=1).mix == VARIANTS


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"clients": 1}, "cfg.abuse.kind: missing key 'kind'; allowed: slow_consumer, bad_input"),
        ({"kind": "flood", "clients": 1}, "cfg.abuse.kind: 'flood' is not allowed; allowed:"),
        ({"kind": 3, "clients": 1}, "cfg.abuse.kind: 3 is not a string"),
        ({"kind": "slow_consumer"}, "cfg.abuse.clients: missing key 'clients'; allowed: 1..2000"),
        (
            {"kind": "slow_consumer", "clients": 0},
            "cfg.abuse.clients: 0 is out of range; allowed: 1..2000",
        ),
        ({"kind": "slow_consumer", "clients": 2001}, "cfg.abuse.clients: 2001 is out of range"),
        ({"kind": "slow_consumer", "clients": True}, "cfg.abuse.clients: True is not an integer"),
        ({"kind": "slow_consumer", "clients": 2.5}, "cfg.abuse.clients: 2.5 is not an integer"),
        (
            {"kind": "slow_consumer", "clients": 1, "clinets": 2},
            "cfg.abuse.clinets: unknown key 'clinets'",
        ),
        (
            {"kind": "slow_consumer", "clients": 1, "mix": ["truncated"]},
            "cfg.abuse.mix: unknown key 'mix'",
        ),
        (
            {"kind": "idle_sockets", "clients": 1, "rooms": 1},
            "cfg.abuse.rooms: unknown key 'rooms'",
        ),
        (
            {"kind": "slow_consumer", "clients": 1, "rate_per_s": -1},
            "cfg.abuse.rate_per_s: -1.0 is out of range",
        ),
        (
            {"kind": "slow_consumer", "clients": 1, "rate_per_s": "1"},
            "cfg.abuse.rate_per_s: '1' is not a number",
        ),
        (
            {"kind": "bad_input", "clients": 1},
            "cfg.abuse.rate_per_s: bad_input needs a rate above 0 (bad frames",
        ),
        (
            {"kind": "connection_churn", "clients": 1, "rate_per_s": 0},
            "cfg.abuse.rate_per_s: connection_churn needs a rate above 0 (storms",
        ),
        (
            {"kind": "slow_consumer", "clients": 1, "start_at_s": 10},
            "cfg.abuse.start_at_s: 10 s is not inside the 10 s window",
        ),
        (
            {"kind": "slow_consumer", "clients": 1, "start_at_s": -1},
            "cfg.abuse.start_at_s: -1.0 is out of range; allowed: 0..10",
        ),
        (
            {"kind": "slow_consumer", "clients": 1, "start_at_s": 3, "stop_at_s": 3},
            "cfg.abuse.stop_at_s: 3 s is not after start_at_s (3 s)",
        ),
        (
            {"kind": "slow_consumer", "clients": 1, "stop_at_s": 11},
            "cfg.abuse.stop_at_s: 11 s is not after start_at_s (0 s) inside the window; "
            "allowed: 0 < stop_at_s <= 10",
        ),
        (
            {"kind": "slow_consumer", "clients": 1, "rooms": 5},
            "cfg.abuse.rooms: 5 is out of range; allowed: 0..4",
        ),
        (
            {"kind": "slow_consumer", "clients": 1, "echo_bytes": 0},
            "cfg.abuse.echo_bytes: 0 is out of range; allowed: 1..61440",
        ),
        (
            {"kind": "slow_consumer", "clients": 1, "rcvbuf_bytes": 10},
            "cfg.abuse.rcvbuf_bytes: 10 is out of range; allowed: 1024..524288",
        ),
        (
            {"kind": "bad_input", "clients": 1, "rate_per_s": 1, "mix": []},
            "cfg.abuse.mix: is empty; allowed: truncated",
        ),
        (
            {"kind": "bad_input", "clients": 1, "rate_per_s": 1, "mix": "truncated"},
            "cfg.abuse.mix: 'truncated' is not a list of strings",
        ),
        (
            {"kind": "bad_input", "clients": 1, "rate_per_s": 1, "mix": ["truncated", "nul"]},
            "cfg.abuse.mix[1]: 'nul' is not allowed; allowed: truncated,",
        ),
        (
            {"kind": "idle_sockets", "clients": 1, "stage": "half"},
            "cfg.abuse.stage: 'half' is not allowed; allowed: tcp, partial_headers, upgraded",
        ),
        (
            {"kind": "connection_churn", "clients": 1, "rate_per_s": 1, "close": "rst"},
            "cfg.abuse.close: 'rst' is not allowed; allowed: reset, fin",
        ),
    ],
)
def test_each_bad_key_or_value_is_named(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        _parse(**table)
    assert str(raised.value).startswith(message), str(raised.value)


def test_a_table_that_is_not_a_table_is_named() -> None:
    with pytest.raises(ScenarioError, match=r"^cfg.abuse: 'slow' is not a table"):
        parse_abuse("slow", "cfg.abuse", WINDOW_S, ROOMS, ScenarioError)


def _matrix(abuse: Any, **config: Any) -> Any:
    doc = {
        "name": "t",
        "load": {"users": 20, "rooms": 2, "senders": 20, "window_s": 6.0},
        "config": [{"name": "base"}, {"name": "hostile", "abuse": abuse, **config}],
    }
    return parse_scenario(doc, "abuse.toml")


def test_a_configuration_carries_its_abuse_checked_against_its_own_load() -> None:
    matrix = _matrix({"kind": "slow_consumer", "clients": 3})
    base, hostile = matrix.configs
    assert base.abuse is None and base.to_dict()["abuse"] is None
    assert hostile.abuse == AbuseSpec(kind="slow_consumer", clients=3, rooms=2)
    assert hostile.to_dict()["abuse"]["clients"] == 3
    with pytest.raises(ScenarioError) as raised:
        _matrix({"kind": "slow_consumer", "clients": 3, "stop_at_s": 8})
    assert str(raised.value).startswith(
        "abuse.toml [[config]] #2.abuse.stop_at_s: 8 s is not after start_at_s (0 s)"
    )
    widened = _matrix({"kind": "slow_consumer", "clients": 3, "stop_at_s": 8}, load={"window_s": 9})
    assert widened.configs[1].abuse is not None and widened.configs[1].abuse.stop_at_s == 8


def test_abuse_needs_the_reference_protocol() -> None:
    with pytest.raises(ScenarioError) as raised:
        _matrix(
            {"kind": "bad_input", "clients": 1, "rate_per_s": 1}, protocol="python-socketio-chat"
        )
    assert "#2.abuse: abusive clients speak the reference protocol" in str(raised.value)


def test_the_new_kinds_check_their_keys() -> None:
    assert _parse(kind="upload_flood", clients=1).frame_bytes == 60_000
    assert _parse(kind="upload_flood", clients=1).rate_per_s == 0.0  # as fast as it goes
    with pytest.raises(ScenarioError, match="frame_bytes"):
        _parse(kind="upload_flood", clients=1, frame_bytes=70_000)
    with pytest.raises(ScenarioError, match="POSTs a second"):
        _parse(kind="polling_abuse", clients=1)
    with pytest.raises(ScenarioError, match="frame_bytes"):
        _parse(kind="polling_abuse", clients=1, rate_per_s=1, frame_bytes=10)
