"""A real ``socketio.Client`` that records every event it receives, with bounded waits.

python-socketio's client runs each received event in its own thread, so
tests never sleep and hope: they wait on a condition for what they expect,
with a timeout, and ``sync()`` gives a barrier: the server echoes a
``message`` to this client only after everything sent to it earlier.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import socketio

WAIT_S = 10.0


class RecordingClient:
    """One websocket connection to a target_app node."""

    _sync_ids = itertools.count()

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.Client(reconnection=False)
        self.sid: str | None = None
        self.welcome: dict[str, Any] | None = None
        self._events: list[tuple[str, Any]] = []
        self.arrivals_s: list[tuple[str, float]] = []  # (event, time.monotonic() on receipt)
        self._changed = threading.Condition()
        self.sio.on("*", self._record)

    def _record(self, event: str, *args: Any) -> None:
        arrived_s = time.monotonic()
        with self._changed:
            self.arrivals_s.append((event, arrived_s))
            self._events.append((event, args[0] if len(args) == 1 else args))
            self._changed.notify_all()

    def connect(self) -> RecordingClient:
        self.sio.connect(self.url, transports=["websocket"], wait_timeout=WAIT_S)
        self.welcome = self.wait_for("welcome")[0]
        self.sid = self.welcome["sid"]
        return self

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()

    def call(self, event: str, *args: Any) -> Any:
        """Emit with an ack and return the ack (a single value)."""
        data: Any = args[0] if len(args) == 1 else (args if args else None)
        return self.sio.call(event, data, timeout=WAIT_S)

    def emit(self, event: str, *args: Any) -> None:
        data: Any = args[0] if len(args) == 1 else (args if args else None)
        self.sio.emit(event, data)

    def received(self, event: str) -> list[Any]:
        with self._changed:
            return [data for name, data in self._events if name == event]

    def wait_until(self, done: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
        with self._changed:
            if not self._changed.wait_for(done, timeout_s):
                raise AssertionError(f"{what} not seen within {timeout_s} s; got {self._events}")

    def wait_for(self, event: str, count: int = 1, timeout_s: float = WAIT_S) -> list[Any]:
        """The first ``count`` ``event`` payloads, waiting for them to arrive."""
        self.wait_until(
            lambda: sum(1 for name, _ in self._events if name == event) >= count,
            f"{count} x {event!r}",
            timeout_s,
        )
        return self.received(event)[:count]

    def sync(self) -> None:
        """Return once the server has echoed a fresh ``message`` to this client."""
        token = f"sync-{next(self._sync_ids)}"
        assert self.call("message", token) == {"ok": True}
        self.wait_until(
            lambda: ("message", f"Received: {token}") in self._events, f"echo of {token}"
        )


@contextmanager
def connected(url: str, count: int = 1) -> Iterator[list[RecordingClient]]:
    """``count`` connected clients, disconnected on exit."""
    clients: list[RecordingClient] = []
    try:
        for _ in range(count):
            clients.append(RecordingClient(url).connect())
        yield clients
    finally:
        for client in clients:
            client.close()


def room_name(prefix: str = "room") -> str:
    """A room name no other test uses (tests share servers)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def get_json(url: str) -> Any:
    """GET ``url`` (loopback) and decode its JSON body."""
    with urllib.request.urlopen(url, timeout=WAIT_S) as response:  # noqa: S310
        return json.loads(response.read())


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    """Poll ``condition`` (e.g. a server's /stats) until true; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s} s")
        time.sleep(0.02)
