"""The protocol table of README.md against a real node in each async mode."""

from __future__ import annotations

from typing import Any

import pytest

from loadtests.cluster.supervisor import TargetNode
from tests.target_app.sio_client import connected, room_name

pytestmark = pytest.mark.slow


def test_welcome_reaches_only_the_new_client(shared_node: TargetNode) -> None:
    with connected(shared_node.url) as (first,):
        assert first.welcome == {"sid": first.sid, "node": "node-0"}
        with connected(shared_node.url) as (second,):
            assert second.sid != first.sid
            first.sync()
            assert first.received("welcome") == [first.welcome]
            assert second.received("welcome") == [{"sid": second.sid, "node": "node-0"}]


def test_room_message_reaches_members_of_that_room_only(shared_node: TargetNode) -> None:
    room_a, room_b = room_name("a"), room_name("b")
    with connected(shared_node.url, 3) as (sender, member_a, member_b):
        assert sender.call("join", {"room": room_a}) == {"ok": True, "rooms": [room_a]}
        assert member_a.call("join", {"room": room_a})["ok"]
        assert member_b.call("join", {"room": room_b})["ok"]
        payload = {"room": room_a, "sender": "s1", "seq": 7, "t_ns": 123456789, "pad": "xyz"}
        assert sender.call("room_message", payload) == {"ok": True}
        # Passed through verbatim, sender included.
        assert member_a.wait_for("room_message") == [payload]
        assert sender.wait_for("room_message") == [payload]
        member_b.sync()
        assert member_b.received("room_message") == []


def test_a_client_in_several_rooms_gets_each_rooms_messages(shared_node: TargetNode) -> None:
    rooms = [room_name("m") for _ in range(3)]
    with connected(shared_node.url, 2) as (multi, sender):
        assert multi.call("join", {"rooms": rooms + [rooms[0]]}) == {"ok": True, "rooms": rooms}
        assert sender.call("join", {"rooms": rooms})["ok"]
        for seq, room in enumerate(rooms):
            assert sender.call("room_message", {"room": room, "seq": seq})["ok"]
        got = multi.wait_for("room_message", 3)
        assert sorted(m["seq"] for m in got) == [0, 1, 2]
        for room in rooms:
            reply = multi.call("members", {"room": room})
            assert reply["ok"] and reply["room"] == room and reply["count"] == 2
            assert sorted(reply["sids"]) == sorted([multi.sid, sender.sid])


def test_leave_stops_delivery(shared_node: TargetNode) -> None:
    room = room_name()
    with connected(shared_node.url, 2) as (stays, leaves):
        for client in (stays, leaves):
            assert client.call("join", {"room": room})["ok"]
        assert leaves.call("leave", {"room": room}) == {"ok": True, "room": room}
        assert stays.call("room_message", {"room": room, "seq": 1})["ok"]
        stays.wait_for("room_message")
        leaves.sync()
        assert leaves.received("room_message") == []
        assert leaves.call("room_message", {"room": room})["error"] == "not_a_member"
        assert stays.call("members", {"room": room})["sids"] == [stays.sid]


def test_disconnect_removes_the_client_from_every_room(shared_node: TargetNode) -> None:
    rooms = [room_name("d") for _ in range(3)]
    with connected(shared_node.url) as (observer,):
        assert observer.call("join", {"room": rooms[0]})["ok"]
        with connected(shared_node.url) as (goner,):
            assert goner.call("join", {"rooms": rooms})["ok"]
            assert observer.call("members", {"room": rooms[0]})["count"] == 2
        # The server handles the disconnect asynchronously: ask until it has.
        observer.wait_until(
            lambda: observer.call("members", {"room": rooms[0]})["count"] == 1, "disconnect"
        )
        assert observer.call("members", {"room": rooms[0]})["sids"] == [observer.sid]
        for room in rooms[1:]:
            assert observer.call("members", {"room": room}) == {
                "ok": True,
                "room": room,
                "count": 0,
                "sids": [],
            }


def test_broadcast_reaches_every_client(shared_node: TargetNode) -> None:
    marker = room_name("broadcast")
    with connected(shared_node.url, 3) as clients:
        assert clients[0].call("broadcast", {"marker": marker, "n": [1, 2]}) == {"ok": True}
        for client in clients:
            assert {"marker": marker, "n": [1, 2]} in client.wait_for("broadcast")


def test_message_is_echoed_to_the_sender_only(shared_node: TargetNode) -> None:
    with connected(shared_node.url, 2) as (sender, other):
        assert sender.call("message", "hello") == {"ok": True}
        assert sender.wait_for("message") == ["Received: hello"]
        other.sync()
        assert "Received: hello" not in other.received("message")


def test_members_caps_sids_but_not_the_count(shared_node: TargetNode) -> None:
    room = room_name()
    with connected(shared_node.url, 2) as clients:
        for client in clients:
            assert client.call("join", {"room": room})["ok"]
        reply = clients[0].call("members", {"room": room})
        assert reply["count"] == 2 and len(reply["sids"]) == 2


OVERSIZED = "x" * (64 * 1024)
MALFORMED: list[tuple[str, tuple[Any, ...], str]] = [
    ("join", (), "bad_payload"),
    ("join", (5,), "bad_payload"),
    ("join", ("lobby",), "bad_payload"),
    ("join", ({"room": "a"}, {"room": "b"}), "bad_payload"),
    ("join", ({},), "bad_payload"),
    ("join", ({"room": "a", "rooms": ["b"]},), "bad_payload"),
    ("join", ({"room": ""},), "bad_room"),
    ("join", ({"room": None},), "bad_room"),
    ("join", ({"room": 5},), "bad_room"),
    ("join", ({"room": "r" * 129},), "bad_room"),
    ("join", ({"rooms": []},), "bad_room"),
    ("join", ({"rooms": "a"},), "bad_room"),
    ("join", ({"rooms": ["ok", 3]},), "bad_room"),
    ("join", ({"rooms": [f"r{i}" for i in range(65)]},), "too_many_rooms"),
    ("leave", ([1, 2],), "bad_payload"),
    ("leave", ({"room": ["a"]},), "bad_room"),
    ("leave", ({"room": "never-joined"},), "not_a_member"),
    ("members", (3,), "bad_payload"),
    ("members", ({"room": ""},), "bad_room"),
    ("room_message", ("text",), "bad_payload"),
    ("room_message", ([1, 2],), "bad_payload"),
    ("room_message", ({"seq": 1},), "bad_room"),
    ("room_message", ({"room": "r" * 200},), "bad_room"),
    ("room_message", ({"room": "not-joined", "pad": OVERSIZED},), "too_large"),
    ("room_message", ({"room": "not-joined"},), "not_a_member"),
    ("broadcast", (), "bad_payload"),
    ("broadcast", ("text",), "bad_payload"),
    ("broadcast", ({"pad": OVERSIZED},), "too_large"),
    ("message", ({"a": 1},), "bad_payload"),
    ("message", (5,), "bad_payload"),
    ("message", (OVERSIZED,), "too_large"),
    ("frobnicate", ({"room": "a"},), "unknown_event"),
    ("json", ({"a": 1},), "unknown_event"),
]


def test_every_malformed_event_gets_its_error_and_the_connection_survives(
    shared_node: TargetNode,
) -> None:
    room = room_name()
    with connected(shared_node.url) as (client,):
        for event, args, code in MALFORMED:
            reply = client.call(event, *args)
            assert reply["ok"] is False and reply["error"] == code, (event, args, reply)
            assert isinstance(reply["detail"], str) and reply["detail"]
        # Without an ack, the same error comes back as an `error` event.
        for index, (event, args, _) in enumerate(MALFORMED):
            client.emit(event, *args)
            client.wait_for("error", index + 1)
        assert [e["error"] for e in client.received("error")] == [c for _, _, c in MALFORMED]
        # Still usable.
        assert client.call("join", {"room": room})["ok"]
        assert client.call("room_message", {"room": room, "seq": 1})["ok"]
        assert client.wait_for("room_message") == [{"room": room, "seq": 1}]


def test_a_client_may_be_in_at_most_64_rooms(shared_node: TargetNode) -> None:
    rooms = [room_name("cap") for _ in range(65)]
    with connected(shared_node.url) as (client,):
        assert client.call("join", {"rooms": rooms[:60]})["ok"]
        assert client.call("join", {"rooms": rooms[:64]})["ok"]  # rejoining is free
        reply = client.call("join", {"room": rooms[64]})
        assert reply["error"] == "too_many_rooms"
        assert client.call("members", {"room": rooms[64]})["count"] == 0
        assert client.call("leave", {"room": rooms[0]})["ok"]
        assert client.call("join", {"room": rooms[64]})["ok"]


def test_a_room_named_after_a_sid_is_refused(shared_node: TargetNode) -> None:
    with connected(shared_node.url, 2) as (client, other):
        reply = client.call("join", {"room": other.sid})
        assert reply["error"] == "bad_room"


def test_stats_count_events_and_errors_exactly(shared_node: TargetNode) -> None:
    room = room_name()
    with connected(shared_node.url, 2) as (sender, receiver):
        for client in (sender, receiver):
            assert client.call("join", {"room": room})["ok"]
        before = shared_node.stats()
        for seq in range(5):
            assert sender.call("room_message", {"room": room, "seq": seq})["ok"]
        assert sender.call("room_message", {"room": room + "-other"})["error"] == "not_a_member"
        assert sender.call("join", {"room": ""})["error"] == "bad_room"
        assert sender.call("nope")["error"] == "unknown_event"
        receiver.wait_for("room_message", 5)
        after = shared_node.stats()

    def delta(section: str, key: str) -> int:
        return int(after[section].get(key, 0)) - int(before[section].get(key, 0))

    assert delta("events_in", "room_message") == 6
    assert delta("events_in", "join") == 1
    assert delta("events_in", "*") == 1
    assert delta("emits_out", "room_message") == 10  # 5 messages x 2 members
    assert delta("errors", "not_a_member") == 1
    assert delta("errors", "bad_room") == 1
    assert delta("errors", "unknown_event") == 1
    assert delta("errors", "too_large") == 0
    assert after["node"] == "node-0"
    assert after["async_mode"] == shared_node.spec.async_mode
    assert after["message_queue"] is None and after["faults"] is None
    assert after["rooms"] >= 1 and after["connections"] >= 2
    for key in ("cpu_s", "rss_bytes", "uptime_s"):
        assert after[key] > 0
