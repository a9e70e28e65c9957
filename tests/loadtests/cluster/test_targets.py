"""Target URLs (any host), /stats replies and command placeholders: pure checks, no servers."""

from __future__ import annotations

import pytest

from loadtests.cluster.command_node import command_placeholders, fill
from loadtests.cluster.targets import TargetURLError, describe, stats_sample, target_url


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("http://127.0.0.1:5000/", "http://127.0.0.1:5000"),
        ("http://127.8.9.10:80", "http://127.8.9.10:80"),
        ("http://[::1]:5000", "http://[::1]:5000"),
        ("http://localhost:5000", "http://localhost:5000"),
        ("http://10.0.0.5:5000", "http://10.0.0.5:5000"),
        ("http://198.18.0.4:5000/", "http://198.18.0.4:5000"),
        ("http://staging.example:5000", "http://staging.example:5000"),
        ("http://[2001:db8::1]:5000", "http://[2001:db8::1]:5000"),
    ],
)
def test_any_host_is_accepted(url: str, normal: str) -> None:
    assert target_url(url) == normal


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://127.0.0.1:5000", "scheme 'https' is not supported"),
        ("127.0.0.1:5000", "is not supported"),
        ("http://:5000", "no host"),
        ("http://127.0.0.1", "no port"),
        ("http://127.0.0.1:5000/chat", "a path or query is not supported"),
        ("http://127.0.0.1:99999", "out of range"),
    ],
)
def test_anything_else_is_refused_with_the_reason(url: str, problem: str) -> None:
    with pytest.raises(TargetURLError) as caught:
        target_url(url)
    assert problem in str(caught.value)
    assert str(caught.value).startswith(repr(url))


def test_a_target_off_loopback_is_described_with_its_address() -> None:
    assert describe("http://127.0.0.1:5000") is None
    assert describe("http://localhost:5000") is None
    assert describe("http://198.18.0.4:5000") == (
        "target http://198.18.0.4:5000 is not on loopback: load goes to 198.18.0.4 "
        "(address 198.18.0.4)"
    )
    assert "does not resolve" in (describe("http://no-such-host.invalid:5000") or "")


STATS = {  # a target_app /stats reply, trimmed to what sampling reads and a little more
    "node": "node-0",
    "async_mode": "eventlet",
    "connections": 40,
    "rooms": 4,
    "events_in": {"join": 40},
    "errors": {"bad_payload": 2, "bad_room": 1, "not_a_member": 0},
    "cpu_s": 3.25,
    "rss_bytes": 52_000_000,
}


def test_a_target_app_stats_reply_gives_cpu_rss_connections_and_errors() -> None:
    assert stats_sample(STATS) == {
        "cpu_s": 3.25,
        "rss_bytes": 52_000_000,
        "connections": 40,
        "errors": 3,
    }


@pytest.mark.parametrize(
    "reply",
    [
        {"error": "not found"},
        [1, 2],
        "<html>",
        {**STATS, "errors": 3},
        {**STATS, "cpu_s": "lots"},
        {k: v for k, v in STATS.items() if k != "connections"},
    ],
)
def test_anything_else_is_not_a_stats_reply(reply: object) -> None:
    assert stats_sample(reply) is None


def test_command_placeholders_are_found_and_filled() -> None:
    command = ["node", "{here}/s.js", "--port={port}", "--id", "n{node}", "{redis_url}"]
    assert command_placeholders(command) == ["here", "port", "node", "redis_url"]
    assert fill(command, {"port": "81", "node": "0", "redis_url": "redis://x"}) == [
        "node",
        "{here}/s.js",
        "--port=81",
        "--id",
        "n0",
        "redis://x",
    ]
