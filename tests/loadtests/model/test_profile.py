"""Protocol profiles: strict parsing, templates, the reference default, ready-made profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.model.load import Load, ScenarioError
from loadtests.model.profile import (
    REFERENCE,
    ProfileError,
    Protocol,
    load_profile,
    profile_names,
    render,
)

STAMP = {"room": "room-1", "sender": 7, "seq": 3, "t_ns": 123, "pad": "xx"}
CHAT = {
    "name": "chat",
    "welcome_event": "",
    "join_event": "join_room",
    "join_payload": {"room": "{room}"},
    "join_ack": False,
    "send_event": "chat",
    "send_payload": {"room": "{room}", "body": {"text": "hi", "_rb": "{stamp}"}},
    "receive_event": "chat_message",
    "receive_path": "data._rb",
}


def test_the_defaults_are_the_reference_servers_and_keep_its_wire_format() -> None:
    assert Protocol.from_dict({}) == REFERENCE == Protocol()
    assert REFERENCE.is_reference
    encode = REFERENCE.encoder()
    assert encode(STAMP) is STAMP  # the flat stamp itself, no extra key, no copy
    assert REFERENCE.join_payloads(["room-1"], 0) == [{"room": "room-1"}]
    assert REFERENCE.join_payloads(["room-1", "room-2"], 0) == [{"rooms": ["room-1", "room-2"]}]
    assert REFERENCE.leave_payload_for("room-1", 0) == {"room": "room-1"}
    assert REFERENCE.path() == ()
    assert REFERENCE.connect_options(5) == (None, {}, {})


def test_the_reference_profile_file_is_the_default() -> None:
    assert load_profile("reference") == REFERENCE
    assert set(profile_names()) >= {"reference", "python-socketio-chat", "node-socketio-chat"}


@pytest.mark.parametrize("name", ["python-socketio-chat", "node-socketio-chat"])
def test_ready_made_profiles_round_trip_and_find_their_own_stamp(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name and not profile.is_reference
    payload = profile.encoder()(dict(STAMP))
    # What the shipped server does with it (tests/servers: sio_chat.py and node_chat/server.js).
    arrived = (
        {"user": "sid", "data": payload["body"]}
        if name == "python-socketio-chat"
        else {"username": "sid", "message": payload["data"]}
    )
    found: object = arrived
    for key in profile.path():
        found = found[key]  # type: ignore[index]
    assert found == STAMP
    assert Protocol.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile


def test_stamp_goes_under_stamp_key_when_the_template_does_not_place_it() -> None:
    p = Protocol.from_dict({"send_payload": {"room": "{room}", "kind": "chat"}})
    assert p.encoder()(dict(STAMP)) == {"room": "room-1", "kind": "chat", "_rb": STAMP}
    q = Protocol.from_dict({"send_payload": {"room": "{room}"}, "stamp_key": "bench"})
    assert q.encoder()(dict(STAMP)) == {"room": "room-1", "bench": STAMP}
    r = Protocol.from_dict({"send_payload": "{stamp}"})
    assert r.encoder()(dict(STAMP)) == STAMP


def test_render_keeps_types_of_whole_placeholders_and_formats_embedded_ones() -> None:
    template = {"r": "{rooms}", "u": "{user}", "label": "user-{user} in {room}", "n": [1, "{room}"]}
    values = {"rooms": ["a", "b"], "user": 4, "room": "a"}
    assert render(template, values) == {
        "r": ["a", "b"],
        "u": 4,
        "label": "user-4 in a",
        "n": [1, "a"],
    }
    assert template["r"] == "{rooms}"  # the template itself is untouched


def test_derived_defaults_follow_the_profile_not_the_reference() -> None:
    p = Protocol.from_dict({"join_payload": "{room}", "send_event": "say"})
    assert p.join_payloads(["a", "b"], 0) == ["a", "b"]  # one join a room
    assert p.receive_event == "say"
    q = Protocol.from_dict({"join_rooms_payload": False})
    assert q.join_payloads(["a", "b"], 0) == [{"room": "a"}, {"room": "b"}]


def test_connect_options_are_templated_per_user() -> None:
    p = Protocol.from_dict(
        {
            "auth": {"token": "t-{user}", "n": "{user}"},
            "query": {"client": "rb-{user}"},
            "headers": {"X-Bench": "{user}"},
        }
    )
    assert p.connect_options(3) == ({"token": "t-3", "n": 3}, {"client": "rb-3"}, {"X-Bench": "3"})


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"send_evnt": "x"}, "protocol.send_evnt: unknown key 'send_evnt'; allowed: "),
        (
            {"send_payload": {"room": "{rom}"}},
            "protocol.send_payload: unknown placeholder {rom}; allowed: {room}, {user}, {stamp}",
        ),
        (
            {"join_payload": {"room": "{stamp}"}},
            "protocol.join_payload: unknown placeholder {stamp}; allowed: {room}, {user}",
        ),
        ({"auth": {"t": "{room}"}}, "protocol.auth: unknown placeholder {room}; allowed: {user}"),
        (
            {"send_payload": {"m": "x{stamp}"}},
            "protocol.send_payload: {stamp} inside a longer string",
        ),
        (
            {"join_rooms_payload": {"r": "all: {rooms}"}},
            "protocol.join_rooms_payload: {rooms} inside a longer string",
        ),
        ({"send_payload": "hello"}, "protocol.send_payload: 'hello' has no '{stamp}'"),
        (
            {"send_payload": ["{stamp}", "{stamp}"]},
            'protocol.send_payload: "{stamp}" appears more than once',
        ),
        ({"join_ack": "no"}, "protocol.join_ack: 'no' is not true or false"),
        ({"join_ack": False, "join_settle_ms": 0}, "protocol.join_settle_ms: 0 with join_ack"),
        ({"namespace": "chat"}, "protocol.namespace: 'chat' is not a namespace"),
        ({"receive_path": "data..x"}, "protocol.receive_path: 'data..x' has an empty segment"),
        ({"send_event": "connect"}, "protocol.send_event: 'connect' is not a usable event name"),
        ({"headers": {"Host": "x"}}, "protocol.headers.Host: not a header a profile may set"),
        ({"query": {"a": 1}}, "protocol.query.a: 1 is not a string"),
    ],
)
def test_bad_profiles_are_errors_naming_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        Protocol.from_dict(table)
    assert str(caught.value).startswith(message), str(caught.value)


def test_event_names_with_spaces_are_fine() -> None:
    assert Protocol.from_dict({"send_event": "new message"}).receive_event == "new message"


def test_unknown_profile_name_lists_the_ready_made_ones(tmp_path: Path) -> None:
    with pytest.raises(
        ProfileError, match=r"--profile: no ready-made profile 'nodejs'; allowed: .*reference"
    ):
        load_profile("nodejs")
    path = tmp_path / "mine.toml"
    path.write_text('send_event = "say"\nreceive_path = "x"\n')
    assert load_profile(str(path)).name == "mine"
    path.write_text('send_event = "say"\nrecieve_path = "x"\n')
    with pytest.raises(ProfileError, match=r"mine.toml.recieve_path: unknown key"):
        load_profile(str(path))


def test_scenario_carries_a_profile_and_leaves_the_reference_out() -> None:
    assert "protocol" not in Load().to_dict()
    chat = Load.from_dict({"users": 4, "protocol": CHAT})
    doc = json.loads(json.dumps(chat.to_dict()))
    assert doc["protocol"]["name"] == "chat"
    assert Load.from_dict(doc) == chat
    with pytest.raises(ScenarioError, match=r"scenario.protocol.bogus: unknown key"):
        Load.from_dict({"protocol": {"bogus": 1}})


def test_summary_states_the_weaker_join_guarantee() -> None:
    assert REFERENCE.summary()["join_guarantee"] == "join acknowledged by the server"
    weak = Protocol.from_dict(CHAT).summary()
    assert weak["join_ack"] is False and weak["join_settle_ms"] == 200.0
    assert "not acknowledged" in weak["join_guarantee"]
