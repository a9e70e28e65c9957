"""Process liveness: every process the harness started, watched for the whole run.

DESIGN rule 9. A node that dies mid-window must never leave a clean report, so
the supervisor side polls each ``ManagedProcess`` (every 150 ms by default) and
records every exit it sees: when (``time.time_ns()`` at detection, so at most
one poll interval late), the exit code or the signal that ended it, and
whether the harness caused it (``ManagedProcess.planned_exit_pids``: its own
stop, or a fault the scenario's timeline fired) or not.

A ``ManagedProcess`` started again (a timeline's ``start_node``) gets a new
``Popen``; the watcher keeps every ``Popen`` it has seen, so an incarnation that
ended between two polls is still recorded.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field

from loadtests.cluster.processes import ManagedProcess
from loadtests.model.results import ProcessExit as ProcessExitDoc
from loadtests.periodic import Periodic

DEFAULT_INTERVAL_S = 0.15


@dataclass(frozen=True)
class ProcessExit:
    """One ended process: ``returncode`` as Popen gives it (negative: killed by a signal)."""

    name: str
    role: str
    pid: int
    t_ns: int
    returncode: int
    planned: bool

    @property
    def signal_name(self) -> str | None:
        """``"SIGKILL"`` etc. when a signal ended the process, else None."""
        if self.returncode >= 0:
            return None
        try:
            return signal.Signals(-self.returncode).name
        except ValueError:
            return f"signal {-self.returncode}"

    def describe(self) -> str:
        how = self.signal_name or f"exit code {self.returncode}"
        return f"{self.name} (pid {self.pid}) ended: {how}"

    def to_schema(self, window_start_ns: int) -> ProcessExitDoc:
        """The ``process_exits[]`` entry of docs/results-schema.md."""
        return {
            "name": self.name,
            "role": self.role,
            "pid": self.pid,
            "t_ns": self.t_ns,
            "returncode": self.returncode,
            "planned": self.planned,
            "t_s": round((self.t_ns - window_start_ns) / 1e9, 3),
            "signal": self.signal_name,
        }


@dataclass
class _Watched:
    role: str
    name: str
    process: ManagedProcess
    expected_codes: frozenset[int]
    seen: list[subprocess.Popen[bytes]] = field(default_factory=list)
    ended: set[int] = field(default_factory=set)


class ProcessWatcher(Periodic):
    """Polls watched processes in a daemon thread; ``exits`` lists what ended, in order.

    ``poll`` may also be called directly (it is thread-safe), e.g. right after a
    fault was fired, so the record does not wait for the next tick.
    """

    name = "roombench-watcher"

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        super().__init__(interval_s)
        self.exits: list[ProcessExit] = []
        self._watched: list[_Watched] = []
        self._lock = threading.Lock()

    def watch(
        self,
        role: str,
        process: ManagedProcess,
        name: str | None = None,
        expected_codes: Collection[int] = (),
    ) -> None:
        """Watch ``process`` (role: "node", "redis", "locust", ...) from now on.

        ``name`` defaults to the process's own; an exit with one of ``expected_codes``
        is planned (a process that ends by itself when its work is done: Locust).
        """
        with self._lock:
            self._watched.append(
                _Watched(role, name or process.name, process, frozenset(expected_codes))
            )
        self.poll()

    def poll(self) -> list[ProcessExit]:
        """Record exits not seen before; return them."""
        found: list[ProcessExit] = []
        with self._lock:
            now_ns = time.time_ns()
            for entry in self._watched:
                current = entry.process.proc
                if current is not None and all(current is not p for p in entry.seen):
                    entry.seen.append(current)
                for popen in entry.seen:
                    if popen.pid in entry.ended:
                        continue
                    code = popen.poll()
                    if code is None:
                        continue
                    entry.ended.add(popen.pid)
                    planned = (
                        popen.pid in entry.process.planned_exit_pids or code in entry.expected_codes
                    )
                    found.append(
                        ProcessExit(entry.name, entry.role, popen.pid, now_ns, code, planned)
                    )
            self.exits.extend(found)
        return found

    def unplanned(self) -> list[ProcessExit]:
        with self._lock:
            return [e for e in self.exits if not e.planned]

    def tick(self) -> None:
        self.poll()

    def start(self) -> ProcessWatcher:
        self.start_thread()
        return self

    def stop(self) -> None:
        """Stop the thread after one last poll; idempotent."""
        self.stop_thread()


# Flags of measurement rule 9 (docs/measurement.md): an unplanned exit of this role sets this flag.
DEATH_FLAGS = {"node": "node_died", "redis": "redis_died"}


def death_flags(exits: list[ProcessExit], window_start_ns: int) -> dict[str, str]:
    """``{"node_died": why, "redis_died": why}`` for unplanned exits of nodes and redis."""
    reasons: dict[str, list[str]] = {}
    for ended in exits:
        flag = DEATH_FLAGS.get(ended.role)
        if flag is None or ended.planned:
            continue
        at_s = (ended.t_ns - window_start_ns) / 1e9
        reasons.setdefault(flag, []).append(
            f"{ended.describe()} at {at_s:+.1f} s from the window start, unplanned"
        )
    return {flag: "; ".join(why) for flag, why in reasons.items()}
