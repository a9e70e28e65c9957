"""Fault injection does what it says, and says so: counted drops, a delay lower bound."""

from __future__ import annotations

import time

import pytest

from tests.conftest import NodeFactory
from tests.target_app.sio_client import connected, room_name, wait_until

pytestmark = pytest.mark.slow


def _faults(node) -> dict:
    return node.stats()["faults"]


def test_drop_rate_1_drops_every_delivery(node_factory: NodeFactory) -> None:
    node = node_factory(extra_args=["--inject-drop-rate", "1.0"])
    room = room_name()
    with connected(node.url, 2) as (sender, member):
        for client in (sender, member):
            assert client.call("join", {"room": room})["ok"]
        for seq in range(20):
            assert sender.call("room_message", {"room": room, "seq": seq}) == {"ok": True}
        for client in (sender, member):
            client.sync()
            assert client.received("room_message") == []
    faults = _faults(node)
    assert faults["dropped"] == 40 and faults["delivered"] == 0
    assert "room_message" not in node.stats()["emits_out"]
    assert "FAULT INJECTION ON" in node.process.log_path.read_text()


def test_drop_rate_half_drops_a_binomial_count(node_factory: NodeFactory) -> None:
    node = node_factory(extra_args=["--inject-drop-rate", "0.5", "--inject-seed", "7"])
    room, messages = room_name(), 200
    with connected(node.url, 2) as clients:
        for client in clients:
            assert client.call("join", {"room": room})["ok"]
        for seq in range(messages):
            assert clients[0].call("room_message", {"room": room, "seq": seq}) == {"ok": True}
        faults = _faults(node)
        # Every decision made: each of 200 messages to each of 2 members.
        assert faults["dropped"] + faults["delivered"] == 2 * messages
        # Binomial(400, 0.5): mean 200, sd 10; 5 sd either side.
        assert 150 <= faults["dropped"] <= 250
        clients[0].wait_until(
            lambda: sum(len(c.received("room_message")) for c in clients) == faults["delivered"],
            f"{faults['delivered']} deliveries",
        )
        for client in clients:
            seqs = [m["seq"] for m in client.received("room_message")]
            assert len(seqs) == len(set(seqs))  # dropped, never duplicated
    assert node.stats()["emits_out"]["room_message"] == faults["delivered"]


def test_delay_holds_every_delivery_at_least_that_long(node_factory: NodeFactory) -> None:
    delay_s = 0.3
    node = node_factory(extra_args=["--inject-delay-ms", str(delay_s * 1000)])
    room = room_name()
    with connected(node.url, 2) as (sender, member):
        for client in (sender, member):
            assert client.call("join", {"room": room})["ok"]
        sent_at_s = []
        for seq in range(5):
            sent_at_s.append(time.monotonic())
            assert sender.call("room_message", {"room": room, "seq": seq}) == {"ok": True}
        for client in (sender, member):
            client.wait_for("room_message", 5)
            received = client.received("room_message")
            arrivals = [t for event, t in client.arrivals_s if event == "room_message"]
            for message, arrived_s in zip(received, arrivals, strict=True):
                assert arrived_s - sent_at_s[message["seq"]] >= delay_s
    faults = _faults(node)
    assert faults["delayed_messages"] == 5 and faults["delivered"] == 10 and faults["dropped"] == 0


def test_drops_apply_at_each_nodes_fan_out_with_redis(
    node_factory: NodeFactory, redis_server
) -> None:
    args = ["--inject-drop-rate", "1.0"]
    first = node_factory(message_queue=redis_server.url, extra_args=args)
    second = node_factory(message_queue=redis_server.url, extra_args=args)
    room = room_name()
    with connected(first.url) as (sender,), connected(second.url) as (member,):
        for client in (sender, member):
            assert client.call("join", {"room": room})["ok"]
        for seq in range(10):
            assert sender.call("room_message", {"room": room, "seq": seq}) == {"ok": True}
        wait_until(lambda: _faults(second)["dropped"] == 10, "node-1 dropping 10 deliveries")
        member.sync()
        assert member.received("room_message") == []
    assert _faults(first)["dropped"] == 10 and _faults(first)["delivered"] == 0
    assert _faults(second)["delivered"] == 0
