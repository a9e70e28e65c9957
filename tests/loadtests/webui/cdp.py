"""A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe``.

No port is opened: Chromium reads commands on its fd 3 and writes answers on
fd 4, each a JSON object ended by a NUL byte. One page target, attached in
flat mode; ``evaluate`` runs JavaScript in it and returns the value. Chromium
runs in its own process group with a fresh profile and is killed as a group
on ``close`` (or on any failure to start), so no browser outlives a test.
Every wait is bounded.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import tempfile
import time
from typing import Any

from tests.reports.html.chromium import _flags

READ_CHUNK_BYTES = 65536


def _high(pair: tuple[int, int]) -> tuple[int, int]:
    """Both fds moved to numbers >= 10 (away from 3 and 4), non-inheritable by default."""
    moved = []
    for fd in pair:
        moved.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return moved[0], moved[1]


class CdpError(RuntimeError):
    """Chromium answered a command with an error, or did not answer in time."""


class Browser:
    """One headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, binary: str, window_size: str = "1400,1000") -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="roombench-cdp-")
        to_chrome_r, self._to_chrome = _high(os.pipe())
        self._from_chrome, from_chrome_w = _high(os.pipe())
        argv = [
            binary,
            *_flags(self._profile.name),
            "--remote-debugging-pipe",
            f"--window-size={window_size}",
            "about:blank",
        ]
        # bash puts our pipe ends on the fds Chromium expects (3 in, 4 out); they sit at
        # fds >= 10, so neither is overwritten by the other's move.
        script = f'exec "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}'
        self._proc = subprocess.Popen(
            ["bash", "-c", script, "bash", *argv],
            pass_fds=(to_chrome_r, from_chrome_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None
        try:
            target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.send(
                "Target.attachToTarget", {"targetId": target, "flatten": True}
            )["sessionId"]
            self.send("Runtime.enable", session=True)
            self.send("Page.enable", session=True)
        except BaseException:
            self.close()
            raise

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: bool = False,
        timeout_s: float = 30.0,
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout_s
        while True:
            for answer in self._messages(deadline, method):
                if answer.get("id") == self._next_id:
                    if "error" in answer:
                        raise CdpError(f"{method}: {answer['error']}")
                    result: dict[str, Any] = answer.get("result", {})
                    return result

    def _messages(self, deadline: float, method: str) -> list[dict[str, Any]]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise CdpError(f"{method}: no answer from Chromium in time")
        ready, _w, _x = select.select([self._from_chrome], [], [], left)
        if not ready:
            raise CdpError(f"{method}: no answer from Chromium in time")
        chunk = os.read(self._from_chrome, READ_CHUNK_BYTES)
        if not chunk:
            raise CdpError(f"{method}: Chromium closed the pipe (exit {self._proc.poll()})")
        self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\0")
        return [json.loads(part) for part in complete if part]

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", {"url": url}, session=True)

    def evaluate(self, expression: str, timeout_s: float = 30.0) -> Any:
        """The value of ``expression`` in the page (promises awaited); JS errors raise."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=True,
            timeout_s=timeout_s,
        )
        if "exceptionDetails" in result:
            raise CdpError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout_s: float, every_s: float = 0.25) -> Any:
        """Evaluate until the value is truthy; return it (CdpError after ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except CdpError:
                value = None  # the page may be between documents
            if value:
                return value
            time.sleep(every_s)
        raise CdpError(f"not true within {timeout_s:g} s: {expression}")

    def close(self) -> None:
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._proc.wait(timeout=10)
        self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
