"""Issue 18, defect 12: no client-given room name can be a sid room, on any node.

With a Redis queue, a client on node 2 could join the private sid room of a
client on node 1 (node 2 only knows its own sids) and then write into it.
Two real nodes and a real redis-server.
"""

from __future__ import annotations

import pytest

from tests.conftest import ASYNC_MODES, NodeFactory
from tests.target_app.raw_ws import RawClient
from tests.target_app.stats_delta import StatsDelta

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_12_a_client_cannot_join_another_nodes_sid_room(
    async_mode: str, node_factory: NodeFactory, redis_server
) -> None:
    first = node_factory(async_mode=async_mode, message_queue=redis_server.url)
    second = node_factory(async_mode=async_mode, message_queue=redis_server.url)
    stats = StatsDelta(second)
    with RawClient(first.port).connect() as victim, RawClient(second.port).connect() as intruder:
        assert victim.sid is not None
        for ack_id, join in enumerate(({"room": victim.sid}, {"rooms": ["lobby", victim.sid]}), 1):
            reply = intruder.call("join", join, ack_id=ack_id)
            assert reply["ok"] is False and reply["error"] == "bad_room"
        sneak = {"room": victim.sid, "text": "psst"}
        assert intruder.call("room_message", sneak, ack_id=5)["error"] == "bad_room"
        # The same join from the victim's own node is refused too.
        assert victim.call("join", {"room": intruder.sid}, ack_id=1)["error"] == "bad_room"
        # The victim received nothing; ordinary rooms still work across nodes.
        assert victim.call("join", {"room": "lobby"}, ack_id=2)["ok"]
        assert intruder.call("join", {"room": "lobby"}, ack_id=6)["ok"]
        hello = {"room": "lobby", "text": "hello"}
        assert intruder.call("room_message", hello, ack_id=7) == {"ok": True}
        assert victim.wait_event("room_message")[1] == hello
        assert not [m for m in victim.received if "psst" in str(m)]
    assert stats.delta("errors", "bad_room") == 3
