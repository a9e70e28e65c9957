"""Target URLs (loopback only) and command placeholders: pure checks, no servers."""

from __future__ import annotations

import pytest

from loadtests.cluster.command_node import command_placeholders, fill
from loadtests.cluster.targets import TargetURLError, loopback_url


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("http://127.0.0.1:5000/", "http://127.0.0.1:5000"),
        ("http://127.8.9.10:80", "http://127.8.9.10:80"),
        ("http://[::1]:5000", "http://[::1]:5000"),
        ("http://localhost:5000", "http://localhost:5000"),
    ],
)
def test_loopback_urls_are_accepted(url: str, normal: str) -> None:
    assert loopback_url(url) == normal


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://10.0.0.5:5000", "host '10.0.0.5' is not a loopback address"),
        ("http://example.com:5000", "host 'example.com' is not a loopback address"),
        ("http://[2001:db8::1]:5000", "host '2001:db8::1' is not a loopback address"),
        ("http://0.0.0.0:5000", "host '0.0.0.0' is not a loopback address"),
        ("https://127.0.0.1:5000", "scheme 'https' is not supported"),
        ("127.0.0.1:5000", "is not supported"),
        ("http://127.0.0.1", "no port"),
        ("http://127.0.0.1:5000/chat", "a path or query is not supported"),
        ("http://127.0.0.1:99999", "out of range"),
    ],
)
def test_anything_else_is_refused_with_the_reason(url: str, problem: str) -> None:
    with pytest.raises(TargetURLError) as caught:
        loopback_url(url)
    assert problem in str(caught.value)
    assert str(caught.value).startswith(repr(url))


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
