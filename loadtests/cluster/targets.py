"""Servers the harness does not start: ``target`` URLs, loopback only.

This workplace (and roombench's contract) sends load only to 127.0.0.0/8 and
::1, so a target URL naming any other host is refused before anything runs.
Nothing here is started or stopped; ``target_pids`` (when given) let the
runner sample the server's CPU and RSS, otherwise the results say the
server side was not measured.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from loadtests.cluster.processes import ProcessError

LOOPBACK_NAMES = ("localhost",)
NOT_MEASURED = (
    "server CPU/RSS not measured: the target was not started by roombench and no "
    "target_pids were given"
)


class TargetURLError(ValueError):
    """A target URL is not an http:// loopback URL; the message says which and why."""


def loopback_url(url: str) -> str:
    """``url`` normalised (no trailing slash) if it is ``http://<loopback>:PORT``; else raise."""
    parts = urlsplit(url.strip())
    allowed = "http://127.0.0.1:PORT, http://[::1]:PORT or http://localhost:PORT"
    if parts.scheme != "http":
        raise TargetURLError(
            f"{url!r}: scheme {parts.scheme or '(none)'!r} is not supported; allowed: {allowed} "
            "(plain websocket over loopback)"
        )
    host = parts.hostname or ""
    if host not in LOOPBACK_NAMES:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise TargetURLError(
                f"{url!r}: host {host!r} is not a loopback address; load goes only to "
                f"127.0.0.0/8 and ::1 here; allowed: {allowed}"
            )
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
    """One running server: node ``index`` at ``url``; ``pid`` to sample, if known."""

    index: int
    url: str
    pid: int | None = None
