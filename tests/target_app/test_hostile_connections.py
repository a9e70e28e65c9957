"""Issue 18, defects 7, 10, 11 and 13: clients that hold the server's resources.

A client that never reads, sockets that never finish (or never start) a
request, peers that vanish without a word, and a disconnect storm. Each node
is started with small limits so that every test takes a few seconds; the
assertions are counts (``/stats``), bounded memory and descriptors, and the
server still serving.
"""

from __future__ import annotations

import resource
import socket
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import ASYNC_MODES, NodeFactory
from tests.target_app.raw_ws import RawClient
from tests.target_app.sio_client import room_name, wait_until
from tests.target_app.stats_delta import StatsDelta

pytestmark = pytest.mark.slow

MiB = 1024 * 1024


@pytest.fixture
def many_fds() -> Iterator[None]:
    """This test process may hold a few thousand sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_7_a_client_that_never_reads_is_disconnected_not_buffered(
    async_mode: str, node_factory: NodeFactory
) -> None:
    node = node_factory(async_mode=async_mode, extra_args=["--max-outbound-bytes", str(MiB)])
    room = room_name()
    stats = StatsDelta(node)
    with (
        RawClient(node.port, rcvbuf_bytes=4096).connect() as sleeper,
        RawClient(node.port).connect() as sender,
    ):
        assert sleeper.call("join", {"room": room})["ok"]
        assert sender.call("join", {"room": room})["ok"]
        # The sleeper reads nothing from now on. 60 kB messages: the kernel's
        # buffers take a few MB, then the server's queue for it grows to the cap.
        payload = {"room": room, "pad": "x" * 60_000}
        for seq in range(1, 400):
            assert sender.call("room_message", payload, ack_id=seq) == {"ok": True}
            if seq % 10 == 0 and stats.delta("slow_consumer_disconnects") == 1:
                break
        assert stats.delta("slow_consumer_disconnects") == 1
        wait_until(lambda: stats.delta("connections") == 1, "the slow consumer's disconnect")
        members = sender.call("members", {"room": room}, ack_id=999)
        assert members["count"] == 1 and members["sids"] == [sender.sid]
    # Memory: the cap (1 MiB) and the messages in flight, not the whole flood.
    assert node.stats()["rss_bytes"] - stats.before["rss_bytes"] < 16 * MiB
    with RawClient(node.port).connect() as other:
        assert other.call("message", "alive", ack_id=1) == {"ok": True}


HOLDERS = 100


def answer_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends on ``sock`` before it closes it (bounded)."""
    answer = b""
    try:
        while len(answer) < 65536:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    except ConnectionResetError:
        pass
    return answer


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_10_idle_and_half_sent_requests_time_out_and_emfile_is_survived(
    async_mode: str, node_factory: NodeFactory, many_fds: None
) -> None:
    # 64 descriptors: the holders below exhaust them, so accept() hits EMFILE.
    node = node_factory(
        async_mode=async_mode,
        extra_args=["--max-open-files", "64", "--header-timeout-s", "1"],
    )
    assert node.stats()["fd_limit"] == 64
    # A websocket client that stays quiet longer than the header timeout is not
    # a slowloris: it keeps its connection (Engine.IO's ping timeout governs it).
    quiet = RawClient(node.port).connect()
    holders = []
    for index in range(HOLDERS):
        sock = socket.create_connection(("127.0.0.1", node.port), timeout=15.0)
        if index % 2:  # half of them send part of a request line and headers
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        holders.append(sock)
    try:
        # The server closes every one of them (gevent answers a half-sent
        # request with 408 first): recv sees EOF or a reset, never a 2xx.
        for sock in holders:
            assert not answer_until_closed(sock).startswith(b"HTTP/1.1 2")
    finally:
        for sock in holders:
            sock.close()
    with RawClient(node.port).connect() as client:
        assert client.call("message", "served", ack_id=1) == {"ok": True}
    with quiet:
        assert quiet.call("message", "still here", ack_id=1) == {"ok": True}
    stats = node.stats()
    if async_mode == "eventlet":  # gevent and Werkzeug retry on their own, uncounted
        assert stats["accept_errors"].get("EMFILE", 0) >= 1
    assert stats["open_fds"] <= 64


SILENT_PEERS = 30


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_11_silent_peers_are_released(async_mode: str, node_factory: NodeFactory) -> None:
    node = node_factory(
        async_mode=async_mode, extra_args=["--ping-interval-s", "1", "--ping-timeout-s", "1"]
    )
    # Warm up (Engine.IO's service task starts with the first client).
    with RawClient(node.port).connect():
        pass
    wait_until(lambda: node.stats()["connections"] == 0, "the warm-up client's disconnect")
    baseline = node.stats()
    peers = [RawClient(node.port).connect() for _ in range(SILENT_PEERS)]
    try:
        # They never answer a ping and never close: the server must let go.
        assert node.stats()["connections"] == SILENT_PEERS
        wait_until(
            lambda: (
                (s := node.stats())["connections"] == 0
                and s["open_fds"] <= baseline["open_fds"]
                and s["threads"] <= baseline["threads"] + 2
            ),
            "release of every silent peer's session, descriptor and threads",
            timeout_s=10.0,
        )
    finally:
        for peer in peers:
            peer.close()


STORM = 600


def test_13_a_disconnect_storm_leaves_the_threading_node_responsive(
    node_factory: NodeFactory, many_fds: None
) -> None:
    node = node_factory(async_mode="threading", extra_args=["--max-threading-sessions", str(STORM)])
    clients = []
    try:
        for index in range(STORM):
            client = RawClient(node.port).connect()
            assert client.call("join", {"room": f"storm-{index % 20}"})["ok"]
            clients.append(client)
        assert node.stats()["rooms"] == 20
    finally:
        for client in clients:
            # RST, all at once: what a crashed load generator does.
            client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            client.close()
    # Answered while the storm is being cleaned up (it took 25-80 s before).
    with urllib.request.urlopen(f"{node.url}/healthz", timeout=10.0) as response:  # noqa: S310
        assert response.status == 200
    wait_until(
        lambda: (s := node.stats())["connections"] == 0 and s["rooms"] == 0,
        "cleanup of every disconnected client",
    )


SESSION_CAP = 40


def test_issue27_threading_caps_its_sessions_and_answers_healthz_after_they_all_close(
    node_factory: NodeFactory, many_fds: None
) -> None:
    # Each threading session costs about four threads; the cap bounds what a
    # mass disconnect has to wind down (2,000 at once: /healthz silent 61 s).
    node = node_factory(
        async_mode="threading", extra_args=["--max-threading-sessions", str(SESSION_CAP)]
    )
    stats = StatsDelta(node)
    clients = [RawClient(node.port).connect() for _ in range(SESSION_CAP)]
    try:
        with RawClient(node.port) as refused, pytest.raises(AssertionError, match="503"):
            refused.upgrade()
        assert stats.delta("sessions_refused") == 1
        assert node.stats()["connections"] == SESSION_CAP
    finally:
        for client in clients:
            client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            client.close()
    with urllib.request.urlopen(f"{node.url}/healthz", timeout=5.0) as response:  # noqa: S310
        assert response.status == 200
    wait_until(lambda: node.stats()["connections"] == 0, "cleanup of every closed session")
    # Below the cap again once Engine.IO has let go of the sessions: accepted.
    wait_until(lambda: session_accepted(node.port), "a new session below the cap")


def session_accepted(port: int) -> bool:
    with RawClient(port) as client:
        try:
            client.connect()
        except AssertionError:  # 503: the cap still counts sessions being wound down
            return False
        return client.call("message", "back", ack_id=1) == {"ok": True}
