"""``--redis-manager stock``: python-socketio's own RedisManager in a target_app node.

Fast: the option, its errors, the start-up line, and what ``/stats`` counts of the
stock manager's own failure lines. Slow: two stock nodes over a real redis-server
carry a room message across (the ``node_factory`` and ``redis_server`` fixtures).
"""

from __future__ import annotations

import logging

import pytest
import socketio

from target_app import managers
from target_app.cli import parse_args
from target_app.config import REDIS_MANAGERS, ServerConfig
from target_app.redis_queue import QueueHealth
from target_app.server import describe
from target_app.stock_redis_queue import CountingLog, StockQueueHealth
from tests.conftest import NodeFactory
from tests.target_app.sio_client import connected, room_name

QUEUE = "redis://:secret@127.0.0.1:6390/0"


def test_the_option_parses_and_shows_in_the_start_up_line() -> None:
    assert ServerConfig().redis_manager == "robust"
    config = parse_args(["--message-queue", QUEUE, "--redis-manager", "stock"])
    assert config.redis_manager == "stock"
    assert (
        " message_queue=redis://:***@127.0.0.1:6390/0 (channel flask-socketio) "
        "redis_manager=stock gc=freeze "
    ) in describe(config)
    assert " redis_manager=robust " in describe(parse_args(["--message-queue", QUEUE]))
    assert "redis_manager" not in describe(parse_args([]))  # no queue, no manager


def test_every_choice_has_a_manager() -> None:
    assert set(managers.REDIS_MANAGERS) == set(REDIS_MANAGERS)
    assert issubclass(managers.StockRedisFanoutManager, socketio.RedisManager)
    # nothing of the stock publish or listen path is overridden
    for name in ("_publish", "_listen", "_redis_connect", "_redis_listen_with_retries"):
        assert getattr(managers.StockRedisFanoutManager, name) is getattr(
            socketio.RedisManager, name
        ), name


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--redis-manager", "stock"], "--redis-manager stock needs --message-queue"),
        (["--message-queue", QUEUE, "--redis-manager", "kombu"], "--redis-manager: invalid"),
    ],
)
def test_bad_choices_exit_2_naming_the_option(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_the_stock_managers_failure_lines_are_counted_with_their_cause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = StockQueueHealth(QUEUE, "flask-socketio")
    log = CountingLog(health)
    with caplog.at_level(logging.INFO, logger="target_app.stock_redis_queue"):
        # the calls python-socketio 5.18.1's RedisManager makes
        log.info("redis backend initialized.")
        log.error("Cannot publish to redis... retrying", extra={"redis_exception": "Timeout"})
        log.error("Cannot publish to redis... giving up", extra={"redis_exception": "Timeout"})
        log.error(
            "Cannot receive from redis... retrying in 1 secs",
            extra={"redis_exception": "Connection reset by peer"},
        )
    assert [r.getMessage() for r in caplog.records][1:] == [
        "Cannot publish to redis... retrying (Timeout)",
        "Cannot publish to redis... giving up (Timeout)",
        "Cannot receive from redis... retrying in 1 secs (Connection reset by peer)",
    ]
    assert health.describe() == {
        "manager": "stock",
        "url": "redis://:***@127.0.0.1:6390/0",
        "channel": "flask-socketio",
        "subscribed": False,  # no manager attached: nothing subscribed
        "published": None,
        "publish_failures": 2,
        "listener_failures": 1,
        "resubscriptions": None,
    }
    assert not health.ready
    assert QueueHealth(QUEUE, "flask-socketio").describe()["manager"] == "robust"


@pytest.mark.slow
def test_a_room_message_crosses_two_stock_nodes(node_factory: NodeFactory, redis_server) -> None:
    stock = ["--redis-manager", "stock"]
    first = node_factory(message_queue=redis_server.url, extra_args=stock)
    second = node_factory(message_queue=redis_server.url, extra_args=stock)
    room = room_name("stock")
    with connected(first.url) as (sender,), connected(second.url, 2) as (member, outsider):
        assert member.welcome is not None and member.welcome["node"] == "node-1"
        assert sender.call("join", {"room": room})["ok"]
        assert member.call("join", {"room": room})["ok"]
        payload = {"room": room, "sender": "s", "seq": 1, "t_ns": 1, "pad": ""}
        assert sender.call("room_message", payload) == {"ok": True}
        assert member.wait_for("room_message") == [payload]
        assert sender.wait_for("room_message") == [payload]
        outsider.sync()
        assert outsider.received("room_message") == []
        assert first.stats()["emits_out"]["room_message"] == 1
        assert second.stats()["emits_out"]["room_message"] == 1
    for node in (first, second):
        queue = node.stats()["message_queue"]
        assert queue["manager"] == "stock" and queue["subscribed"] is True, queue
        assert (queue["publish_failures"], queue["listener_failures"]) == (0, 0), queue
        assert queue["published"] is None and queue["resubscriptions"] is None
        assert " redis_manager=stock " in node.process.log_path.read_text()
