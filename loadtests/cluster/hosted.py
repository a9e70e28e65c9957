"""A cluster on test hosts: each node and redis-server on a network namespace of its own.

What ``test_hosts = true`` in a ``[[config]]`` starts (needs root): a test host
per node (``node-0``, ``node-1``, ...) and one for ``redis-server``, on one
bridge that the machine itself (where Locust and the runner stay, ``load``)
is on too. Clients reach each node at its bridge address; each node reaches
Redis over a point-to-point link of its own, so a fault timeline can cut one
node from Redis (``partition``) while its clients stay connected, which is
the failure a node kill cannot produce. Redis also listens on the bridge so
the runner can check it answers.

Everything runs under the same supervision as on loopback (the same
``TargetNode``/``RedisServer``, sampled and watched by pid); the test hosts
are removed after every process in them has stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from loadtests.cluster.testhosts import TestHosts

NODE_PORT = 5000  # every host has a stack of its own: fixed, well-known ports
REDIS_PORT = 6379
REDIS_HOST = "redis-server"


def node_host(index: int) -> str:
    return f"node-{index}"


@contextmanager
def test_hosts_for(log_dir: Path, nodes: int, queue: str) -> Iterator[TestHosts]:
    """Test hosts for ``nodes`` nodes (and Redis when ``queue == "redis"``), each node
    linked to Redis point to point; removed when the block exits, however it exits."""
    names = [node_host(i) for i in range(nodes)] + ([REDIS_HOST] if queue == "redis" else [])
    hosts = TestHosts(names, {name: name for name in names}, log_dir=log_dir)
    with ExitStack() as stack:
        stack.enter_context(hosts)
        if queue == "redis":
            for index in range(nodes):
                hosts.connect(node_host(index), REDIS_HOST)
        yield hosts


def redis_addresses(hosts: TestHosts) -> list[str]:
    """Where redis-server listens: its bridge address first (the runner's PING), then
    its end of each node's link."""
    ends = [link.addresses[1] for link in hosts.links if link.b == REDIS_HOST]
    return [hosts[REDIS_HOST].address, *ends]


def redis_url_for(hosts: TestHosts, index: int, port: int = REDIS_PORT) -> str:
    """The queue URL node ``index`` uses: Redis's end of that node's own link."""
    link = hosts.link(node_host(index), REDIS_HOST)
    assert link is not None  # test_hosts_for made it
    return f"redis://{link.addresses[1]}:{port}/0"
