"""A stepped session on the master: one Locust run, its users kept, many measured steps.

The capacity search's rate axis changes only each sender's rate, so its steps
need not reconnect anyone. The runner drives the session through a control
directory; the master (``Coordinator``, with this ``Stepper``) answers::

    runner                                    master                          workers
    command.json {"index": 1, "rate": r,  ->  rb_step {rate, step window} -->  senders re-pace;
                  "window_s": w,                                               CPU sampled at edges
                  "config": {...}}
                                              settle, window, drain
                                              rb_sync {index} ------------->
                                           <-------------------------------  rb_synced {delta}
    step01.json (a results document)   <---  the aggregate over the step's window
    command.json {"stop": true}         -->  flush; the whole session's results; quit

Each step's window is planned like a run's (``plan_window``: settle = the
scenario's ``warmup_s``, then ``window_s`` whole seconds, then its
``drain_s``), and its document is built from the same aggregate by the same
code as any run's, over that window only: sends outside it do not count,
receipts of its sends during its drain do. A worker that does not answer the
sync within ``sync_timeout_s`` makes that step ``incomplete``.

Bounded: with no command for ``idle_timeout_s`` the master ends the session
by itself (the runner died or forgot it), and a command that does not parse
ends it too, naming what was wrong.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from loadtests.measure.window import Window, plan_window
from loadtests.model.json_object import JsonObject
from loadtests.model.load import MAX_RATE_PER_SENDER_PER_S
from loadtests.model.progress import StepCommand
from loadtests.units import NS_PER_S

log = logging.getLogger("roombench")

COMMAND = "command.json"
MAX_STEP_WINDOW_S = 3600
SYNC_AFTER_END_NS = 500_000_000


def step_path(control_dir: Path, index: int) -> Path:
    """Where the master writes step ``index``'s results document."""
    return control_dir / f"step{index:02d}.json"


class StepAction(Enum):
    WAIT = "wait"
    START = "start"  # send the new rate and the step's window to every worker
    SYNC = "sync"  # ask every worker for its delta so far
    WRITE = "write"  # every worker answered (or timed out): write the step's document
    FINISH = "finish"  # end the session: flush as a run does


@dataclass
class StepState:
    index: int
    rate: float
    config: JsonObject
    window: Window
    sync_sent_ns: int | None = None
    expecting: set[str] = field(default_factory=set)
    synced: set[str] = field(default_factory=set)
    incomplete: list[str] = field(default_factory=list)


@dataclass
class Stepper:
    """The master's state machine for the steps; ``poll(now_ns, workers)`` says what to do."""

    control_dir: Path
    settle_s: float
    drain_s: float
    sync_timeout_s: float = 15.0
    idle_timeout_s: float = 120.0
    current: StepState | None = None
    last_index: int = 0
    idle_since_ns: int | None = None
    finish_reason: str = ""

    def poll(self, now_ns: int, workers: set[str]) -> StepAction:
        step = self.current
        if step is None:
            return self._next_command(now_ns)
        if step.sync_sent_ns is None:
            # After the drain, and never sooner than SYNC_AFTER_END_NS past the window's
            # end: every worker has taken its CPU sample at that edge by then.
            if now_ns < max(step.window.drain_end_ns, step.window.end_ns + SYNC_AFTER_END_NS):
                return StepAction.WAIT
            step.sync_sent_ns = now_ns
            step.expecting = set(workers)
            return StepAction.SYNC
        missing = step.expecting - step.synced
        if missing and now_ns - step.sync_sent_ns <= self.sync_timeout_s * NS_PER_S:
            return StepAction.WAIT
        if missing:
            step.incomplete.append(
                f"{len(missing)} worker(s) did not report step {step.index} within "
                f"{self.sync_timeout_s:.0f} s: " + ", ".join(sorted(missing))
            )
        return StepAction.WRITE

    def on_synced(self, worker: str, index: int) -> bool:
        """Note ``worker``'s answer; False if it answers no step that is waiting for it."""
        step = self.current
        if step is None or step.index != index or step.sync_sent_ns is None:
            return False
        step.synced.add(worker)
        return True

    def written(self, now_ns: int) -> None:
        """The current step's document is out; wait for the next command."""
        assert self.current is not None
        self.last_index = self.current.index
        self.current = None
        self.idle_since_ns = now_ns

    def _next_command(self, now_ns: int) -> StepAction:
        if self.idle_since_ns is None:
            self.idle_since_ns = now_ns
        try:
            command = self._read_command()
        except ValueError as exc:
            self.finish_reason = f"bad step command: {exc}"
            log.error("roombench: %s; ending the session", self.finish_reason)
            return StepAction.FINISH
        if command is None:
            if now_ns - self.idle_since_ns > self.idle_timeout_s * NS_PER_S:
                self.finish_reason = f"no step command for {self.idle_timeout_s:.0f} s"
                log.warning("roombench: %s; ending the session", self.finish_reason)
                return StepAction.FINISH
            return StepAction.WAIT
        if command.get("stop"):
            return StepAction.FINISH
        self.current = StepState(
            index=command["index"],
            rate=command["rate"],
            config=command.get("config", {}),
            window=plan_window(now_ns, self.settle_s, command["window_s"], self.drain_s),
        )
        return StepAction.START

    def _read_command(self) -> StepCommand | None:
        """The runner's command if it is new (a stop, or a step after the last), else None."""
        path = self.control_dir / COMMAND
        try:
            command: StepCommand = json.loads(path.read_text())  # checked below
        except FileNotFoundError:
            return None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} is not JSON ({exc})") from exc
        if not isinstance(command, dict):
            raise ValueError(f"{path}: expected an object, got {type(command).__name__}")
        if command.get("stop") is True:
            return command
        index, rate = command.get("index"), command.get("rate")
        if not isinstance(index, int) or isinstance(index, bool) or index < 1:
            raise ValueError(f"{path}: index {index!r} is not a step number (1, 2, ...)")
        if index <= self.last_index:
            return None  # the step just written: the runner has not decided yet
        if index != self.last_index + 1:
            raise ValueError(f"{path}: step {index} after step {self.last_index}")
        if not isinstance(rate, (int, float)) or not 0 < rate <= MAX_RATE_PER_SENDER_PER_S:
            raise ValueError(
                f"{path}: rate {rate!r} out of range; allowed: (0, {MAX_RATE_PER_SENDER_PER_S}]"
            )
        window_s = command.get("window_s")
        if not isinstance(window_s, (int, float)) or not 0 < window_s <= MAX_STEP_WINDOW_S:
            raise ValueError(
                f"{path}: window_s {window_s!r} out of range; allowed: (0, {MAX_STEP_WINDOW_S}]"
            )
        if not isinstance(command.get("config", {}), dict):
            raise ValueError(f"{path}: config must be an object")
        return {**command, "rate": float(rate)}
