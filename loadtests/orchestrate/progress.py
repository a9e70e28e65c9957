"""Live progress of a configuration run, from the progress file Locust's master writes.

On a terminal the line is redrawn in place every second; in a log (CI) a line
is printed every ``log_every_s`` (default 10 s) so the log stays readable.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def describe(state: dict[str, Any]) -> str:
    """One line from the master's progress document (missing fields are left out)."""
    parts = [str(state.get("phase", "starting"))]
    if "joined" in state and "users" in state:
        parts.append(f"joined {state['joined']}/{state['users']}")
    if state.get("deliveries_per_s") is not None:
        parts.append(f"{state['deliveries_per_s']:,.0f} deliveries/s")
    if state.get("p99_us") is not None:
        parts.append(f"p99 {state['p99_us'] / 1000:.1f} ms")
    if state.get("lost"):
        parts.append(f"lost {state['lost']}")
    return ", ".join(parts)


class Progress:
    """Prints ``label  elapsed/expected  <what the master says>``."""

    def __init__(
        self,
        label: str,
        expected_s: float,
        say: Callable[[str], None] = print,
        log_every_s: float = 10.0,
    ) -> None:
        self.label = label
        self.expected_s = expected_s
        self.say = say
        self.log_every_s = log_every_s
        self.started = time.monotonic()
        self._last_said = 0.0
        self._tty = sys.stdout.isatty()
        self._drawn = False

    def tick(self, progress_path: Path) -> None:
        now = time.monotonic()
        try:
            state = json.loads(progress_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            state = {}
        line = f"{self.label}  {now - self.started:5.0f}/{self.expected_s:.0f} s  {describe(state)}"
        if self._tty:
            sys.stdout.write("\r\033[K" + line)
            sys.stdout.flush()
            self._drawn = True
        elif now - self._last_said >= self.log_every_s:
            self.say(line)
            self._last_said = now

    def done(self) -> None:
        if self._drawn:
            sys.stdout.write("\n")
            sys.stdout.flush()
