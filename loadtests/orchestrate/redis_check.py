"""A Redis URL the harness will hand to nodes, checked before any node starts.

Without this check a wrong ``--redis-url`` (or a ``--message-queue`` URL in a
configuration's ``server_args``) surfaced 30 s later as "node-0 was not
healthy", followed by the nodes' re-subscribe errors. One PING with a short
timeout answers in well under 2 s, and the error names the URL and the fix.

    >>> check_redis_url("redis://127.0.0.1:6390/0")
    Traceback (most recent call last):
    RedisUrlError: --redis-url redis://127.0.0.1:6390/0: nothing accepts connections ...
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import redis

from loadtests.model.load import ScenarioError

TIMEOUT_S = 1.5
SCHEMES = ("redis", "rediss", "unix")


class RedisUrlError(ScenarioError):
    """A Redis URL is malformed or nothing usable answers there; the message says what to do."""


def check_redis_url(url: str, option: str = "--redis-url", timeout_s: float = TIMEOUT_S) -> None:
    """Raise RedisUrlError unless a Redis answers PING at ``url`` within ``timeout_s``."""
    where = f"{option} {url}"
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or (parts.scheme != "unix" and not parts.hostname):
        raise RedisUrlError(
            f"{where}: not a Redis URL; allowed: redis://HOST:PORT/DB (e.g. redis://127.0.0.1:6379/0)"
        )
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s
        )
    except ValueError as exc:
        raise RedisUrlError(f"{where}: {exc}; allowed: redis://HOST:PORT/DB") from exc
    fix = (
        "start redis-server there, correct the URL, or leave out --redis-url "
        "(the harness then starts its own redis-server)"
    )
    try:
        client.ping()
    except redis.AuthenticationError as exc:
        raise RedisUrlError(
            f"{where}: Redis refused the login ({exc}); put the password in the URL: "
            "redis://:PASSWORD@HOST:PORT/DB"
        ) from exc
    except redis.TimeoutError as exc:
        raise RedisUrlError(f"{where}: no answer within {timeout_s:g} s; {fix}") from exc
    except redis.ConnectionError as exc:
        raise RedisUrlError(
            f"{where}: nothing accepts connections there ({_reason(exc)}); {fix}"
        ) from exc
    except redis.ResponseError as exc:
        raise RedisUrlError(f"{where}: Redis answered PING with an error ({exc}); {fix}") from exc
    finally:
        client.close()


def message_queue_urls(server_args: Iterable[str]) -> list[str]:
    """The ``--message-queue URL`` values in a node's argument list (both spellings)."""
    args = list(server_args)
    found = []
    for i, arg in enumerate(args):
        if arg == "--message-queue" and i + 1 < len(args):
            found.append(args[i + 1])
        elif arg.startswith("--message-queue="):
            found.append(arg.split("=", 1)[1])
    return found


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "Connection refused" in text or "111" in text:
        return "connection refused"
    return text.split(". ")[0] or type(exc).__name__


def check_queue_urls(configs: Iterable[Any], redis_url: str | None) -> None:
    """Check ``--redis-url`` and every configuration's ``--message-queue`` URL (ConfigSpecs)."""
    if redis_url is not None:
        check_redis_url(redis_url)
    for config in configs:
        for url in message_queue_urls(getattr(config, "server_args", ())):
            check_redis_url(url, f"configuration {config.name!r} server_args --message-queue")
