"""Shared fixtures: real servers on free loopback ports, always stopped.

``node_factory`` and ``redis_server`` start real processes through
``loadtests.cluster.supervisor`` (the same code the runner uses) and stop them on
teardown, pass or fail. After every test, no child process may be left
behind: the ``no_orphans`` check fails the test that leaked one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psutil
import pytest

from loadtests.cluster.supervisor import NodeSpec, RedisServer, TargetNode
from target_app.config import ASYNC_MODES as ASYNC_MODES  # one list, shared with the server


@pytest.fixture(autouse=True)
def no_orphans() -> Iterator[None]:
    """Fail a test that leaves a child process running (and stop that process)."""
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    yield
    leftovers = [p for p in me.children(recursive=True) if p.pid not in before]
    alive = []
    for proc in leftovers:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    assert not alive, "test left processes behind:\n" + "\n".join(alive)


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir()
    return path


@pytest.fixture
def redis_server(log_dir: Path) -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port."""
    server = RedisServer(log_dir)
    try:
        yield server.start()
    finally:
        server.stop()


NodeFactory = Callable[..., TargetNode]


@pytest.fixture
def node_factory(log_dir: Path) -> Iterator[NodeFactory]:
    """Start target_app nodes, stopped on teardown.

    ``node_factory(async_mode="gevent", message_queue=url, extra_args=[...])``
    """
    started: list[TargetNode] = []

    def start(
        async_mode: str = "eventlet",
        message_queue: str | None = None,
        extra_args: Sequence[str] = (),
    ) -> TargetNode:
        node = TargetNode(
            NodeSpec(async_mode, message_queue, tuple(extra_args)), log_dir, len(started)
        )
        started.append(node)
        return node.start()

    try:
        yield start
    finally:
        for node in started:
            node.stop()
