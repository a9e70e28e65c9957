"""Fault timelines: kill, stop, start, pause and resume nodes or Redis at offsets into the window,
and partition and heal the links between test hosts.

A ``[[config]]`` may carry ``[[config.events]]`` (``at_s``, ``action``, ``node``)
so a run measures what a failure costs: the loss window and the time until
delivery is whole again (``loadtests.measure.faults``). The window is planned
by Locust's master, so the runner learns its start from the progress file the
master rewrites each second (``"window": {"start_ns", "end_ns"}`` once
planned) and fires each event at ``start_ns + at_s``. Every firing is recorded
with its actual time; an event that could not be fired is recorded as such,
never dropped.

A ``partition`` (``between = [A, B]``, on a run whose nodes and redis-server
are on test hosts) takes one end of the link between A and B down and
``heal`` brings it up (``TestHosts.partition``): A's packets to B vanish, as
when a network fails, which is not what a killed process looks like.

The sequence is checked before anything runs (``check_sequence``): starting a
node that is up, or resuming one that is not paused, is an error in the
scenario, not a surprise in the middle of a run.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from loadtests.cluster.processes import ManagedProcess, ProcessError
from loadtests.coordination.progress_file import read_window_start_ns
from loadtests.model import strict
from loadtests.model.json_object import JsonObject
from loadtests.model.results import TimelineEvent
from loadtests.units import NS_PER_S


@dataclass(frozen=True)
class Action:
    """What an action does to its ``target`` ("node" or "redis"): its ``verb``."""

    target: str
    verb: str


ACTIONS: dict[str, Action] = {
    "kill_node": Action("node", "kill"),  # SIGKILL
    "stop_node": Action("node", "stop"),  # SIGTERM
    "start_node": Action("node", "start"),  # same port, same arguments
    "pause_node": Action("node", "pause"),  # SIGSTOP
    "resume_node": Action("node", "resume"),  # SIGCONT
    "kill_redis": Action("redis", "kill"),
    "start_redis": Action("redis", "start"),
    "pause_redis": Action("redis", "pause"),
    "resume_redis": Action("redis", "resume"),
    "partition": Action("link", "partition"),  # one end of a link down (test hosts)
    "heal": Action("link", "heal"),  # the same end up again
}

# The state a verb needs its target in, and the state it leaves it in.
_NEEDS = {
    "kill": ("up", "paused"),
    "stop": ("up", "paused"),
    "start": ("down",),
    "pause": ("up",),
    "resume": ("paused",),
    "partition": ("up",),
    "heal": ("cut",),
}
_LEAVES = {
    "kill": "down",
    "stop": "down",
    "start": "up",
    "pause": "paused",
    "resume": "up",
    "partition": "cut",
    "heal": "up",
}
_HINT = {
    "kill": "kill or stop a target that is up or paused",
    "stop": "kill or stop a target that is up or paused",
    "start": "start only a target an earlier event killed or stopped",
    "pause": "pause only a target that is up",
    "resume": "resume only a target an earlier event paused",
    "partition": "partition a link that is whole",
    "heal": "heal only a link an earlier partition cut",
}


@dataclass(frozen=True)
class FaultEvent:
    """One scheduled fault: ``action`` at ``at_s`` seconds into the window, on node ``node``
    (0-based index; None for Redis and link actions), or on the link ``between`` two
    test hosts (partition, heal)."""

    at_s: float
    action: str
    node: int | None = None
    between: tuple[str, str] | None = None

    @property
    def target(self) -> str:
        """What it acts on: ``node-1``, ``redis-server`` or a link ``node-1 | redis-server``."""
        if self.between is not None:
            return " | ".join(self.between)
        return "redis-server" if self.node is None else f"node-{self.node}"

    def to_dict(self) -> JsonObject:
        doc: JsonObject = {"at_s": self.at_s, "action": self.action, "node": self.node}
        if self.between is not None:
            doc["between"] = list(self.between)
        return doc


def ordered(events: Sequence[FaultEvent]) -> list[tuple[int, FaultEvent]]:
    """(index in the file, event) by ``at_s``; equal offsets keep their file order."""
    return sorted(enumerate(events), key=lambda pair: (pair[1].at_s, pair[0]))


def check_sequence(
    events: Sequence[FaultEvent], where: str, error: type[strict.InputError] = strict.InputError
) -> None:
    """Fail on the first event whose target is not in the state the action needs."""
    state: dict[str, str] = {}
    for index, event in ordered(events):
        verb = ACTIONS[event.action].verb
        now = state.get(event.target, "up")
        if now not in _NEEDS[verb]:
            strict.fail(
                f"{where} #{index + 1}.action",
                f"{event.action} on {event.target} at {event.at_s:g} s, which is {now} then",
                _HINT[verb],
                error,
            )
        state[event.target] = _LEAVES[verb]


def check_window(
    events: Sequence[FaultEvent],
    window_s: float,
    where: str,
    error: type[strict.InputError] = strict.InputError,
) -> None:
    """Fail on an event outside ``0 <= at_s < window_s``."""
    for index, event in enumerate(events):
        if not 0 <= event.at_s < window_s:
            strict.fail(
                f"{where} #{index + 1}.at_s",
                f"{event.at_s:g} s is outside the {window_s:g} s window",
                f"0 <= at_s < {window_s:g} (the window's length)",
                error,
            )


def due_ns(start_ns: int, event: FaultEvent) -> int:
    return start_ns + round(event.at_s * NS_PER_S)


class Target(Protocol):
    """A node or redis-server: ``TargetNode`` and ``RedisServer`` both fit."""

    process: ManagedProcess

    def start(self, timeout_s: float = ...) -> Any: ...


@dataclass
class EventRecord:
    """What happened to one event: ``t_ns`` when fired (None: not fired), ``ok``, ``detail``."""

    action: str
    target: str
    at_s: float
    t_ns: int | None = None
    done_ns: int | None = None
    ok: bool = False
    detail: str = ""

    def to_schema(self, window_start_ns: int) -> TimelineEvent:
        """The ``events[]`` entry of docs/results-schema.md."""
        return {
            "action": self.action,
            "target": self.target,
            "at_s": self.at_s,
            "t_ns": self.t_ns,
            "t_s": None if self.t_ns is None else round((self.t_ns - window_start_ns) / 1e9, 3),
            "done_ns": self.done_ns,
            "ok": self.ok,
            "detail": self.detail,
        }


class HostLinks(Protocol):
    """The test hosts of a run (``TestHosts``): cut and restore the link of two of them."""

    def partition(self, a: str, b: str) -> str: ...

    def heal(self, a: str, b: str) -> str: ...


@dataclass(frozen=True)
class LinkTarget:
    """The link between test hosts ``a`` and ``b`` of ``hosts``: what partition/heal act on."""

    hosts: HostLinks
    a: str
    b: str


KILL_WAIT_S = 5.0
STOP_WAIT_S = 10.0


def fire(action: str, target: Target | LinkTarget) -> str:
    """Do ``action`` to ``target`` now; return what happened, raise ProcessError (or
    another OSError/RuntimeError naming the cause) if it failed."""
    verb = ACTIONS[action].verb
    if isinstance(target, LinkTarget):
        if verb == "partition":
            return target.hosts.partition(target.a, target.b)
        if verb == "heal":
            return target.hosts.heal(target.a, target.b)
        raise ProcessError(f"{action} does not act on a link")
    process = target.process
    if verb == "start":
        target.start()
        return f"started, pid {process.pid}"
    if verb == "pause":
        process.send(signal.SIGSTOP)
        return f"SIGSTOP to pid {process.pid}"
    if verb == "resume":
        process.send(signal.SIGCONT)
        return f"SIGCONT to pid {process.pid}"
    pid = process.pid
    sig, wait_s = (signal.SIGKILL, KILL_WAIT_S) if verb == "kill" else (signal.SIGTERM, STOP_WAIT_S)
    process.send(sig)
    if verb == "stop" and process.paused:
        process.send(signal.SIGCONT)  # a stopped process acts on SIGTERM only once woken
    code = process.wait_exit(wait_s)
    if code is None:
        raise ProcessError(f"pid {pid} still running {wait_s:g} s after {sig.name}")
    return f"{sig.name} to pid {pid}, exit status {code}"


class Timeline:
    """Fires ``events`` against ``targets`` (by name) in a thread, once the window is planned.

    ``on_started(name, pid)`` is called after a restart (the sampler follows the
    new pid); ``after_fire()`` after every event (the watcher polls at once).
    """

    def __init__(
        self,
        events: Sequence[FaultEvent],
        targets: Mapping[str, Target | LinkTarget],
        progress_path: Path,
        on_started: Callable[[str, int], None] = lambda name, pid: None,
        after_fire: Callable[[], object] = lambda: None,
    ) -> None:
        self.events = [event for _, event in ordered(events)]
        self.targets = targets
        self.progress_path = progress_path
        self.on_started = on_started
        self.after_fire = after_fire
        self.records = [EventRecord(e.action, e.target, e.at_s) for e in self.events]
        self.start_ns: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while self.start_ns is None:
            self.start_ns = read_window_start_ns(self.progress_path)
            if self.start_ns is None and self._stop.wait(0.05):
                return
        for event, record in zip(self.events, self.records, strict=True):
            due = due_ns(self.start_ns, event)
            while (left_ns := due - time.time_ns()) > 0:
                if self._stop.wait(min(left_ns / NS_PER_S, 0.5)):
                    return
            record.t_ns = time.time_ns()
            try:
                record.detail = fire(event.action, self.targets[event.target])
                record.ok = True
                target = self.targets[event.target]
                if ACTIONS[event.action].verb == "start" and not isinstance(target, LinkTarget):
                    self.on_started(event.target, target.process.pid)
            except (ProcessError, OSError, KeyError, RuntimeError) as exc:
                record.detail = f"failed: {exc}"[:800]
            record.done_ns = time.time_ns()
            self.after_fire()

    def start(self) -> Timeline:
        self._thread = threading.Thread(target=self._run, name="roombench-timeline", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[EventRecord]:
        """Cancel what has not fired yet (recorded as not fired); return every record."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None
        for record in self.records:
            if record.t_ns is None and not record.detail:
                record.detail = (
                    "not fired: the window was never planned"
                    if self.start_ns is None
                    else "not fired: the run ended first"
                )
        return self.records
