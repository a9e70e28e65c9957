"""One emit through a Redis message queue: from node A's emit to node B's last local enqueue.

Two ``socketio.Server`` nodes (threading async mode) share a real redis-server
(``redis_url`` in ``bench/conftest.py``) through ``socketio.RedisManager``, on a
channel of their own. Node B holds N members of the room, with engine.io sends
stubbed; node A holds only the sender, who is not in the room, so A's local
delivery is empty and everything measured crosses Redis:

    A.emit -> A's manager: JSON-encode the message, PUBLISH (one loopback round trip)
           -> redis -> B's listener thread: JSON-decode, Manager.emit to N members
           -> the Nth stubbed send sets an Event the timed call waits on.

The timed call returns when B has handed its Nth packet to engine.io, so a
round is one full trip through Redis plus one thread wake-up (``Event.wait``).
Every wait is bounded (``DELIVERY_TIMEOUT_S``); a lost message fails the case.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
import socketio

from bench.fake_clients import connect_client, connect_clients
from bench.payloads import EVENT, room_message
from bench.plan import RoundPlan
from bench.stub_engineio import AwaitedSends, stub_engineio_sends

ROOM_SIZES = (1, 100)
ROOM = "queue-room"
PLAN = RoundPlan(rounds=1000, iterations=1, warmup_rounds=20)
DELIVERY_TIMEOUT_S = 5.0
SUBSCRIBE_TIMEOUT_S = 10.0
# Listener threads outlive the benchmark (python-socketio gives them no stop);
# once redis-server is gone they retry and log each failure. Silence them then.
_QUIET = logging.getLogger("bench.redis_queue.after_teardown")
_QUIET.disabled = True


@dataclass
class QueuePair:
    emitter: socketio.Server
    receiver: socketio.Server
    sends: AwaitedSends
    members: int

    def round_trip(self) -> None:
        self.sends.expect(self.members)
        self.emitter.emit(EVENT, room_message(ROOM), to=ROOM)
        if not self.sends.done.wait(DELIVERY_TIMEOUT_S):
            raise TimeoutError(
                f"node B did not deliver to its {self.members} members within "
                f"{DELIVERY_TIMEOUT_S} s of node A's emit (lost on the Redis queue?)"
            )


def wait_for_subscribers(url: str, channel: str, count: int) -> None:
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + SUBSCRIBE_TIMEOUT_S
        while time.monotonic() < deadline:
            if dict(client.pubsub_numsub(channel)).get(channel.encode(), 0) >= count:
                return
            time.sleep(0.01)
        raise TimeoutError(
            f"{count} listeners did not subscribe to {channel} within {SUBSCRIBE_TIMEOUT_S} s"
        )
    finally:
        client.close()


def new_node(url: str, channel: str) -> socketio.Server:
    manager = socketio.RedisManager(url, channel=channel)
    return socketio.Server(client_manager=manager, async_mode="threading", monitor_clients=False)


@pytest.fixture(scope="module", params=ROOM_SIZES, ids=lambda n: f"n={n}")
def queue_pair(request: pytest.FixtureRequest, redis_url: str) -> Iterator[QueuePair]:
    members = request.param
    channel = f"roombench-bench-{members}"
    emitter, receiver = new_node(redis_url, channel), new_node(redis_url, channel)
    sends = AwaitedSends()
    stub_engineio_sends(emitter)
    stub_engineio_sends(receiver, sends)
    # The first connect initializes each node's manager, which starts its listener.
    connect_client(emitter, "sender")
    connect_clients(receiver, members, rooms_of=lambda _: [ROOM])
    wait_for_subscribers(redis_url, channel, 2)
    pair = QueuePair(emitter, receiver, sends, members)
    pair.round_trip()  # proves delivery before anything is timed
    try:
        yield pair
    finally:
        for node in (emitter, receiver):
            node.manager.logger = _QUIET


@pytest.mark.benchmark(group="redis-queue")
def test_emit_through_redis(benchmark: Any, queue_pair: QueuePair) -> None:
    benchmark.pedantic(queue_pair.round_trip, **PLAN.as_kwargs())
    benchmark.extra_info.update(n=queue_pair.members, variant="redis")
