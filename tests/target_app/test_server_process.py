"""The process itself: TCP_NODELAY really set, fast clean SIGTERM, Redis failures loud."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import urllib.error
from contextlib import ExitStack

import pytest

from loadtests.cluster.supervisor import RedisServer, TargetNode
from tests.conftest import ASYNC_MODES, NodeFactory
from tests.target_app.sio_client import connected, get_json, room_name, wait_until

pytestmark = pytest.mark.slow


def test_accepted_sockets_have_tcp_nodelay(shared_node: TargetNode) -> None:
    # Read back with getsockopt on the server's own accepted socket.
    assert get_json(f"{shared_node.url}/debug/socket") == {"tcp_nodelay": True}


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_no_tcp_nodelay_leaves_it_off_and_sigterm_exits_0(
    async_mode: str, node_factory: NodeFactory
) -> None:
    node = node_factory(async_mode=async_mode, extra_args=["--no-tcp-nodelay"])
    # Off here proves the check above is not vacuous (nothing else sets it).
    assert get_json(f"{node.url}/debug/socket") == {"tcp_nodelay": False}
    with connected(node.url) as (client,):
        assert client.call("join", {"room": room_name()})["ok"]
        # SIGTERM with a client connected: exit status 0 within the supervisor's
        # grace period (a SIGKILL would show as -9).
        assert node.process.stop() == 0
    log = node.process.log_path.read_text()
    assert "stopping on SIGTERM" in log and "Traceback" not in log


@pytest.mark.parametrize(
    ("gc_mode", "enabled", "frozen"),
    [("freeze", True, True), ("off", False, False), ("default", True, False)],
)
def test_gc_modes_take_effect(
    gc_mode: str, enabled: bool, frozen: bool, node_factory: NodeFactory
) -> None:
    node = node_factory(extra_args=["--gc", gc_mode])
    gc_stats = node.stats()["gc"]
    assert gc_stats["mode"] == gc_mode and gc_stats["enabled"] is enabled
    assert (gc_stats["frozen_objects"] > 0) is frozen


def test_presence_notices_when_enabled(node_factory: NodeFactory) -> None:
    node = node_factory(extra_args=["--presence"])
    room = room_name()
    with connected(node.url) as (watcher,):
        assert watcher.call("join", {"room": room})["ok"]
        with connected(node.url) as (visitor,):
            assert visitor.call("join", {"room": room})["ok"]
            assert visitor.call("leave", {"room": room})["ok"]
            assert visitor.call("join", {"room": room})["ok"]
        notices = watcher.wait_for("status", 4)
        # Each notice is handled in its own client thread: compare as a multiset.
        assert sorted((n["change"], n["sid"], n["room"]) for n in notices) == sorted(
            [
                ("joined", visitor.sid, room),
                ("left", visitor.sid, room),
                ("joined", visitor.sid, room),
                ("disconnected", visitor.sid, room),
            ]
        )
        assert watcher.received("status") == notices  # nothing about the watcher itself


def test_presence_is_off_by_default(shared_node: TargetNode) -> None:
    room = room_name()
    with connected(shared_node.url, 2) as (watcher, visitor):
        assert watcher.call("join", {"room": room})["ok"]
        assert visitor.call("join", {"room": room})["ok"]
        watcher.sync()
        assert watcher.received("status") == []


def test_eventlet_accepts_more_than_1024_websockets(node_factory: NodeFactory) -> None:
    node = node_factory(async_mode="eventlet")
    with ExitStack() as stack:
        for _ in range(1100):  # eventlet's own cap is 1024: the 1025th would hang
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", node.port)))
            sock.settimeout(10)
            key = base64.b64encode(os.urandom(16)).decode()
            sock.sendall(
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
            )
            assert sock.recv(4096).startswith(b"HTTP/1.1 101")


def _healthz_status(node: TargetNode) -> int:
    try:
        get_json(f"{node.url}/healthz")
        return 200
    except urllib.error.HTTPError as exc:
        return exc.code


def test_losing_redis_is_logged_and_recovered(
    node_factory: NodeFactory, redis_server: RedisServer, log_dir
) -> None:
    node = node_factory(message_queue=redis_server.url)
    redis_server.stop()
    wait_until(lambda: _healthz_status(node) == 503, "/healthz turning 503 without redis")
    with connected(node.url) as (client,):
        # Publishing fails now: logged, counted, and the client still gets its ack.
        assert client.call("broadcast", {"x": 1}) == {"ok": True}
    queue = node.stats()["message_queue"]
    assert queue["subscribed"] is False and queue["listener_failures"] >= 1
    assert queue["publish_failures"] >= 1
    restarted = RedisServer(log_dir, port=redis_server.port)
    try:
        restarted.start()
        wait_until(lambda: _healthz_status(node) == 200, "/healthz ok again after redis returns")
        assert node.stats()["message_queue"]["resubscriptions"] >= 1
    finally:
        restarted.stop()
    log = node.process.log_path.read_text()
    assert "ERROR target_app.redis_queue: redis listener lost its subscription" in log
    assert "redis PUBLISH failed" in log
    assert (
        "WARNING target_app.redis_queue: redis listener subscribed to 'flask-socketio' again" in log
    )


def _listen_backlog(port: int) -> int:
    # For a listening socket, ss reports the accept-queue limit (backlog) as Send-Q.
    out = subprocess.run(
        ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[2])


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_listen_backlog_is_raised_and_configurable(
    async_mode: str, node_factory: NodeFactory
) -> None:
    # The libraries' own backlogs (eventlet 50, Werkzeug 128, gevent 256) drop SYNs
    # in a connect burst; each dropped client then waits a 1 s retransmit.
    assert _listen_backlog(node_factory(async_mode=async_mode).port) == 1024
    node = node_factory(async_mode=async_mode, extra_args=["--listen-backlog", "300"])
    assert _listen_backlog(node.port) == 300
