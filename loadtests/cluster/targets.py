"""Servers the harness does not start: ``target`` URLs, on any host.

A target is a user's own server: loopback, a test host (198.18.0.0/15) or a
staging machine. Nothing here is started or stopped. The runner says at start
where load goes for every target off loopback (``describe``: the host and the
address it resolves to), so a typo'd host name is seen before the load runs.
A target is measured when it can be: its ``target_pids`` are sampled like a
node the runner started (same machine only), else a target_app node is
sampled through its ``GET /stats`` (CPU, RSS, connections, errors: any host);
a server that offers neither leaves the results ``server_not_measured``.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from loadtests.cluster.processes import ProcessError

LOOPBACK_NAMES = ("localhost",)
NOT_MEASURED = (
    "server CPU/RSS not measured: the target was not started by roombench, no "
    "target_pids were given and it serves no target_app /stats"
)
# Keys a target_app ``GET /stats`` document has (target_app/stats.py): how a
# target is recognised as one whose CPU, RSS, connections and errors can be read.
STATS_KEYS = ("node", "connections", "errors", "cpu_s", "rss_bytes")


class TargetURLError(ValueError):
    """A target URL is not a plain http://HOST:PORT URL; the message says which and why."""


def target_url(url: str) -> str:
    """``url`` normalised (no trailing slash) if it is ``http://HOST:PORT``; else raise."""
    parts = urlsplit(url.strip())
    allowed = "http://HOST:PORT (e.g. http://127.0.0.1:5000, http://[::1]:5000)"
    if parts.scheme != "http":
        raise TargetURLError(
            f"{url!r}: scheme {parts.scheme or '(none)'!r} is not supported; allowed: {allowed} "
            "(plain websocket)"
        )
    if not parts.hostname:
        raise TargetURLError(f"{url!r}: no host; allowed: {allowed}")
    try:
        port = parts.port
    except ValueError as exc:
        raise TargetURLError(f"{url!r}: {exc}; allowed: {allowed}") from exc
    if port is None:
        raise TargetURLError(f"{url!r}: no port; allowed: {allowed}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise TargetURLError(
            f"{url!r}: a path or query is not supported (the Socket.IO path is /socket.io/); "
            f"allowed: {allowed}"
        )
    return url.strip().rstrip("/")


def is_loopback(url: str) -> bool:
    """True when ``url``'s host is loopback (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(url).hostname or ""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def describe(url: str) -> str | None:
    """For a target off loopback: where the load goes (host and resolved address), else None."""
    if is_loopback(url):
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port, type=socket.SOCK_STREAM)
        addresses = sorted({str(info[4][0]) for info in infos})
        where = ", ".join(addresses)
    except OSError as exc:
        where = f"does not resolve ({exc})"
    return f"target {url} is not on loopback: load goes to {host} (address {where})"


def stats_sample(doc: Any) -> dict[str, float | int] | None:
    """CPU s, RSS bytes, connections and errors from a target_app ``/stats`` document;
    None when ``doc`` is not one (another server, an error page)."""
    if not isinstance(doc, dict) or any(key not in doc for key in STATS_KEYS):
        return None
    errors = doc["errors"]
    if not isinstance(errors, dict):
        return None
    try:
        return {
            "cpu_s": float(doc["cpu_s"]),
            "rss_bytes": int(doc["rss_bytes"]),
            "connections": int(doc["connections"]),
            "errors": int(sum(int(n) for n in errors.values())),
        }
    except (TypeError, ValueError):
        return None


def fetch_stats(url: str, timeout_s: float = 1.0) -> Any:
    """``GET url/stats`` parsed; OSError or ValueError when it cannot be read."""
    with urllib.request.urlopen(f"{url}/stats", timeout=timeout_s) as response:  # noqa: S310
        return json.loads(response.read())


def read_stats(url: str) -> dict[str, float | int] | None:
    """One sample of the target_app node at ``url`` (the runner's sampler calls it each
    second); a short timeout, so a node cut off does not hold the sampler up."""
    return stats_sample(fetch_stats(url, timeout_s=0.5))


def serves_stats(url: str) -> bool:
    """True when ``url`` answers ``/stats`` as a target_app node does."""
    try:
        return stats_sample(fetch_stats(url, timeout_s=2.0)) is not None
    except (OSError, ValueError):
        return False


def check_pid(pid: int) -> None:
    """Raise ProcessError unless process ``pid`` exists (a typo would sample nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        raise ProcessError(
            f"target_pids: no process {pid} is running; allowed: the pids of the target servers"
        ) from None
    except PermissionError:
        pass  # it exists; sampling will say what it can read


@dataclass(frozen=True)
class ExternalTarget:
    """One running server: node ``index`` at ``url``; ``pid`` to sample, if known;
    ``stats``: it serves target_app's ``/stats`` (sampled through it when no pid)."""

    index: int
    url: str
    pid: int | None = None
    stats: bool = False

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def measured(self) -> bool:
        return self.pid is not None or self.stats
