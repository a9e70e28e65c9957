"""Live progress of a configuration run, from the progress file Locust's master writes.

The line says the phase (starting, joining, warmup, window, drain, flushing),
what the master reports, and an ETA only when one is known: the window's end
plus its drain, from the window the master actually planned. Before everyone
has joined no honest ETA exists (joining takes as long as it takes, up to the
join timeout), so the line says so instead of counting past a guess.

On a terminal the line is redrawn in place every tick, cut to the terminal's
width so it never wraps; anywhere else (a log, CI) a plain line without
control characters is printed every ``log_every_s`` (default 10 s) and on
each phase change.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from loadtests.model.progress import ProgressState
from loadtests.units import NS_PER_S

FLUSH_ALLOWANCE_S = 2  # the master's flush and write after the drain, typically
MAX_WIDTH = 120


def describe(state: ProgressState) -> str:
    """One line from the master's progress document (missing fields are left out)."""
    parts = [str(state.get("phase", "starting"))]
    if "joined" in state and "users" in state:
        parts.append(f"{state['joined']}/{state['users']} joined")
    if state.get("deliveries_per_s") is not None:
        parts.append(f"{state['deliveries_per_s']:,.0f} deliv/s")
    if state.get("p99_us") is not None:
        parts.append(f"p99 {state['p99_us'] / 1000:.1f} ms")
    if state.get("lost"):
        parts.append(f"lost {state['lost']:,}")
    return ", ".join(parts)


def eta_s(state: ProgressState, now_ns: int) -> float | None:
    """Seconds until the run should end, or None while no window is planned."""
    window = state.get("window")
    if not window or state.get("phase") == "done":
        return None
    end_ns = int(window["end_ns"]) + int(float(window.get("drain_s", 0)) * NS_PER_S)
    return max(0.0, (end_ns - now_ns) / NS_PER_S + FLUSH_ALLOWANCE_S)


def eta_text(state: ProgressState, now_ns: int) -> str:
    phase = state.get("phase", "starting")
    if phase == "done":
        return "done"
    left = eta_s(state, now_ns)
    if phase == "between steps":
        return "waiting for the next step"
    if left is None:
        return "ETA once every user has joined"
    if left <= FLUSH_ALLOWANCE_S:
        return "finishing"
    return f"about {left:.0f} s left"


def plain(text: str) -> str:
    """``text`` without control characters (a log must not carry terminal codes)."""
    return "".join(ch for ch in text if ch.isprintable())


class Progress:
    """Prints ``label  elapsed  <what the master says>  <ETA>``."""

    def __init__(
        self,
        label: str,
        expected_s: float,
        say: Callable[[str], None] = print,
        log_every_s: float = 10.0,
        stream: TextIO | None = None,
    ) -> None:
        self.label = label
        self.expected_s = expected_s  # warm-up + window + drain: the floor of a run's length
        self.say = say
        self.log_every_s = log_every_s
        self.stream = stream or sys.stdout
        self.started = time.monotonic()
        self._last_said = -float("inf")
        self._last_phase: str | None = None
        self._tty = self.stream.isatty()
        self._drawn = False

    def line(self, state: ProgressState, now_ns: int | None = None) -> str:
        now_ns = time.time_ns() if now_ns is None else now_ns
        elapsed = time.monotonic() - self.started
        eta = eta_text(state, now_ns)
        rest = f"  {elapsed:4.0f} s  {describe(state)}" + ("" if eta == "done" else f"  ({eta})")
        rest = plain(rest)
        label = plain(self.label)
        room = MAX_WIDTH - len(rest)
        if len(label) > room:  # never wider than MAX_WIDTH: the label gives way
            label = label[: max(1, room - 1)] + "…"
        return label + rest

    def tick(self, progress_path: Path) -> None:
        now = time.monotonic()
        state: ProgressState
        try:
            state = json.loads(progress_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            state = {}
        line = self.line(state)
        if self._tty:
            width = min(MAX_WIDTH, shutil.get_terminal_size((MAX_WIDTH, 24)).columns) - 1
            self.stream.write("\r\033[K" + line[:width])
            self.stream.flush()
            self._drawn = True
            return
        phase = state.get("phase", "starting")
        if phase != self._last_phase or now - self._last_said >= self.log_every_s:
            self.say(line)
            self._last_said = now
            self._last_phase = phase

    def done(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
