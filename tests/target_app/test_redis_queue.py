"""Two nodes sharing a real redis-server: rooms span nodes, nothing leaks."""

from __future__ import annotations

import pytest

from tests.conftest import ASYNC_MODES, NodeFactory
from tests.target_app.sio_client import connected, room_name

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_a_room_message_crosses_nodes_to_members_only(
    async_mode: str, node_factory: NodeFactory, redis_server
) -> None:
    first = node_factory(async_mode=async_mode, message_queue=redis_server.url)
    second = node_factory(async_mode=async_mode, message_queue=redis_server.url)
    room, other_room = room_name("x"), room_name("y")
    with connected(first.url) as (sender,), connected(second.url, 2) as (member, outsider):
        assert member.welcome is not None and member.welcome["node"] == "node-1"
        assert sender.call("join", {"room": room})["ok"]
        assert member.call("join", {"room": room})["ok"]
        assert outsider.call("join", {"room": other_room})["ok"]
        payload = {"room": room, "sender": "s", "seq": 1, "t_ns": 1, "pad": ""}
        assert sender.call("room_message", payload) == {"ok": True}
        assert member.wait_for("room_message") == [payload]
        assert sender.wait_for("room_message") == [payload]
        outsider.sync()
        assert outsider.received("room_message") == []
        # A broadcast reaches clients of both nodes.
        assert sender.call("broadcast", {"b": room}) == {"ok": True}
        for client in (sender, member, outsider):
            assert {"b": room} in client.wait_for("broadcast")
        # Each node fanned out to its own members only.
        assert first.stats()["emits_out"]["room_message"] == 1
        assert second.stats()["emits_out"]["room_message"] == 1
    queue = second.stats()["message_queue"]
    assert queue["subscribed"] is True and queue["channel"] == "flask-socketio"
    assert queue["listener_failures"] == 0 and queue["publish_failures"] == 0
    assert first.stats()["message_queue"]["published"] >= 2
