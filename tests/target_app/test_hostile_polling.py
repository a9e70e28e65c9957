"""Issue 27, defect 2: HTTP long-polling, raw requests against a real node in every mode.

Polling is off by default (websocket only); with ``--allow-polling`` every
long-polling request is answered or closed within a bound, refusals are
counted (``protocol_errors.bad_poll``) and logged once per interval instead of
as tracebacks, a negative or absent Content-Length is never read, descriptors
and threads come back, and a client that never GETs meets the outbound cap.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import ASYNC_MODES, NodeFactory
from tests.target_app.raw_poll import CLOSED, POLL_PATH, PollingSession, request
from tests.target_app.raw_ws import RawClient
from tests.target_app.sio_client import room_name, wait_until
from tests.target_app.stats_delta import StatsDelta

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
# Engine.IO's ping task outlives a session by up to the ping interval (a
# thread under threading): a short interval lets the thread count settle.
POLLING = ["--allow-polling", "--ping-interval-s", "1", "--ping-timeout-s", "2"]


def settled(node: object, baseline: dict[str, int]) -> bool:
    stats = node.stats()  # type: ignore[attr-defined]
    return bool(
        stats["connections"] == 0
        and stats["open_fds"] <= baseline["open_fds"]
        and stats["threads"] <= baseline["threads"] + 2
    )


def warm_baseline(node: object, port: int) -> dict[str, int]:
    """fds and threads after one polling session has come and gone (pools, service task)."""
    session = PollingSession(port).connect()
    assert session.post(b"1").status in (200, 400)
    wait_until(lambda: node.stats()["connections"] == 0, "the warm-up session's end")  # type: ignore[attr-defined]
    time.sleep(1.5)  # its ping task (1 s) ends
    return node.stats()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_2_polling_is_refused_unless_allowed(async_mode: str, node_factory: NodeFactory) -> None:
    node = node_factory(async_mode=async_mode)
    assert request(node.port, "GET", POLL_PATH).status == 400
    with RawClient(node.port).connect() as client:  # websocket as ever
        assert client.call("message", "ws", ack_id=1) == {"ok": True}


NOOPS = 20


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_2_a_noop_post_is_answered_and_releases_its_descriptor_and_thread(
    async_mode: str, node_factory: NodeFactory
) -> None:
    node = node_factory(async_mode=async_mode, extra_args=POLLING)
    baseline = warm_baseline(node, node.port)
    stats = StatsDelta(node)
    for _ in range(NOOPS):
        session = PollingSession(node.port).connect()
        # Used to hang for ever: the error path waited for a GET.
        assert session.post(b"6").status == 400
    assert stats.delta("protocol_errors", "bad_poll") == NOOPS
    wait_until(
        lambda: settled(node, baseline),
        "every session, descriptor and thread released",
        timeout_s=10.0,
    )


GARBAGE = 40


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_2_garbage_posts_are_counted_and_logged_once_not_as_tracebacks(
    async_mode: str, node_factory: NodeFactory
) -> None:
    node = node_factory(async_mode=async_mode, extra_args=POLLING)
    log_path = node.process.log_path
    PollingSession(node.port).connect()  # start-up lines are written by now
    log_before = log_path.stat().st_size
    stats = StatsDelta(node)
    for body in (b"\xff", b"x") * (GARBAGE // 2):
        assert PollingSession(node.port).connect().post(body).status == 400
    assert stats.delta("protocol_errors", "bad_poll") == GARBAGE
    text = log_path.read_bytes()[log_before:].decode(errors="replace")
    assert "Traceback" not in text
    # One line (per --log-interval-s) says it is happening; before: 1-3 kB each.
    assert text.count("bad_poll") == 1
    assert len(text) < 1024


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
@pytest.mark.parametrize("content_length", ["-1", None], ids=["negative", "absent"])
def test_2_a_body_without_a_usable_length_is_refused_unread(
    async_mode: str, content_length: str | None, node_factory: NodeFactory
) -> None:
    node = node_factory(async_mode=async_mode, extra_args=POLLING)
    session = PollingSession(node.port).connect()
    before = node.stats()
    # 24 MiB of valid-looking packets: read, it would grow the process by as much.
    body = b'42["message","' + b"x" * (24 * MiB) + b'"]'
    started = time.monotonic()
    answer = session.post(body, content_length=content_length)
    assert answer.status in (400, CLOSED)
    assert time.monotonic() - started < 10.0
    after = node.stats()
    assert after["rss_bytes"] - before["rss_bytes"] < 8 * MiB
    assert after["events_in"].get("message", 0) == before["events_in"].get("message", 0)
    with RawClient(node.port).connect() as client:
        assert client.call("message", "still serving", ack_id=1) == {"ok": True}


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_2_a_polling_client_that_never_gets_is_disconnected_as_a_slow_consumer(
    async_mode: str, node_factory: NodeFactory
) -> None:
    node = node_factory(
        # Engine.IO's own ping timeout (25 + 20 s) cannot end this session first.
        async_mode=async_mode,
        extra_args=["--allow-polling", "--max-outbound-bytes", str(MiB)],
    )
    room = room_name()
    stats = StatsDelta(node)
    poller = PollingSession(node.port).connect()
    join = "420" + json.dumps(["join", {"room": room}])
    assert poller.post(join.encode()).status == 200
    with RawClient(node.port).connect() as sender:
        assert sender.call("join", {"room": room})["ok"]
        wait_until(
            lambda: node.stats()["rooms"] >= 1 and stats.delta("events_in", "join") == 2,
            "both joins",
        )
        payload = {"room": room, "pad": "x" * 60_000}
        for seq in range(1, 60):  # 1 MiB is ~17 of them
            assert sender.call("room_message", payload, ack_id=seq) == {"ok": True}
            if stats.delta("slow_consumer_disconnects") == 1:
                break
        assert stats.delta("slow_consumer_disconnects") == 1
        wait_until(lambda: node.stats()["connections"] == 1, "the poller's disconnect")
        assert sender.call("members", {"room": room}, ack_id=999)["count"] == 1
    assert node.stats()["rss_bytes"] - stats.before["rss_bytes"] < 16 * MiB
    # Its session is gone: a late GET is refused at once, not held.
    assert poller.get().status == 400
