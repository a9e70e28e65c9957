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


def test_nodes_hear_each_other_on_their_queue_channel_only(
    node_factory: NodeFactory, redis_server
) -> None:
    """Four nodes on one redis-server: A and B on channel alpha, C and D on beta.

    Messages alternate between the channels (alpha, beta, alpha, beta), each sent
    after the previous one was acked (so published). A node's listener reads one
    channel in publish order, so were B or C on the other channel, or both on the
    same one, a message of the other channel would arrive between the two of its
    own it waits for.
    """
    channels = {"alpha": "roombench-test-alpha", "beta": "roombench-test-beta"}
    a, b, c, d = (
        node_factory(message_queue=redis_server.url, extra_args=["--queue-channel", channels[name]])
        for name in ("alpha", "alpha", "beta", "beta")
    )
    room = room_name("q")
    with (
        connected(a.url) as (alpha_sender,),
        connected(b.url) as (alpha_member,),
        connected(c.url) as (beta_member,),
        connected(d.url) as (beta_sender,),
    ):
        clients = (alpha_sender, alpha_member, beta_member, beta_sender)
        for client in clients:
            assert client.call("join", {"room": room})["ok"]
        sent = [{"room": room, "sender": "s", "seq": seq, "t_ns": 1, "pad": ""} for seq in range(4)]
        for seq, message in enumerate(sent):
            sender = alpha_sender if seq % 2 == 0 else beta_sender
            assert sender.call("room_message", message) == {"ok": True}
        alpha, beta = [sent[0], sent[2]], [sent[1], sent[3]]
        assert alpha_member.wait_for("room_message", 2) == alpha
        assert beta_member.wait_for("room_message", 2) == beta
        for client in clients:
            client.sync()
        assert alpha_sender.received("room_message") == alpha_member.received("room_message")
        assert beta_sender.received("room_message") == beta_member.received("room_message")
        assert alpha_member.received("room_message") == alpha
        assert beta_member.received("room_message") == beta
        for node in (a, b, c, d):
            assert node.stats()["emits_out"]["room_message"] == 2
    for node, name in ((a, "alpha"), (b, "alpha"), (c, "beta"), (d, "beta")):
        queue = node.stats()["message_queue"]
        assert queue["channel"] == channels[name] and queue["subscribed"] is True
        assert queue["listener_failures"] == 0 and queue["publish_failures"] == 0
