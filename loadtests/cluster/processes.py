"""Child processes that are always stopped.

Every process roombench starts gets its own process group (``start_new_session``)
so that stopping it also stops whatever it spawned (Locust workers, for one),
and is stopped by that group id only: never by name. Output goes to a log file
whose last lines are shown when the process fails to start or dies early.

A process may be signalled on purpose (a scenario's fault timeline) and started
again with the same command line; each pid it ever had is remembered with
whether its end was planned, so the process watcher can tell a planned exit
from a death nobody asked for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from loadtests.cluster import cpusets


class ProcessError(RuntimeError):
    """A child failed to start or died; the message carries its last log lines."""


def tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a log file ('' when it does not exist)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class ManagedProcess:
    """One child process in its own process group, logging to ``log_path``.

    Use as a context manager, or call :meth:`stop` in a ``finally``.
    ``stop`` sends SIGTERM to the group, waits ``grace_s`` (default 5 s) and
    then sends SIGKILL; it is idempotent.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._env = dict(env) if env is not None else None
        self._cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        # pids whose exit the harness caused (stop, or a planned fault signal)
        self.planned_exit_pids: set[int] = set()
        self.paused = False
        # CPUs the process (and what it forks) may run on; None: wherever it likes
        # (loadtests/cluster/cpusets.py). Applied again on every start.
        self.cpus: frozenset[int] | None = None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise ProcessError(f"{self.name} was never started")
        return self.proc.pid

    def start(self) -> ManagedProcess:
        """Start the command (again, after it ended: same argv, same log, new pid)."""
        if self.alive():
            raise ProcessError(f"{self.name} is already running (pid {self.pid})")
        if self.proc is not None:
            self.proc.wait()  # reap the previous incarnation before replacing it
        self.paused = False
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env,
                cwd=self._cwd,
                start_new_session=True,
            )
        if self.cpus is not None:
            # Right after exec, before the program starts threads or forks workers:
            # they inherit the set.
            cpusets.pin(self.proc.pid, self.cpus)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def failure(self, what: str) -> ProcessError:
        """An error naming this process, its exit status and its last log lines."""
        status = (
            "running" if self.alive() else f"exit code {self.proc.returncode if self.proc else '?'}"
        )
        return ProcessError(
            f"{self.name} {what} ({status}); command: {' '.join(self.argv)}\n"
            f"last lines of {self.log_path}:\n{tail(self.log_path) or '(empty log)'}"
        )

    def wait_until(self, ready: Callable[[], bool], timeout_s: float, what: str = "ready") -> None:
        """Poll ``ready`` until it is true; raise if the process dies or time runs out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise self.failure(f"exited before it was {what}")
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise self.failure(f"was not {what} within {timeout_s:.0f} s")

    def send(self, sig: signal.Signals, planned: bool = True) -> None:
        """Send ``sig`` to the process group; a planned one makes its exit planned.

        SIGSTOP / SIGCONT are remembered (``paused``) so ``stop`` can wake a paused
        group: a stopped process never acts on SIGTERM.
        """
        if self.proc is None or self.proc.poll() is not None:
            raise ProcessError(f"{self.name} is not running: cannot send {sig.name}")
        if planned and sig not in (signal.SIGSTOP, signal.SIGCONT):
            self.planned_exit_pids.add(self.proc.pid)
        self._signal_group(sig)
        if sig is signal.SIGSTOP:
            self.paused = True
        elif sig is signal.SIGCONT:
            self.paused = False

    def wait_exit(self, timeout_s: float) -> int | None:
        """Wait (and reap) up to ``timeout_s``; the exit status, or None if still running."""
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace_s: float = 5.0) -> int | None:
        """Stop the whole process group; return the exit code (None if never started)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.planned_exit_pids.add(self.proc.pid)
            self._signal_group(signal.SIGTERM)
            # A paused (SIGSTOP) group keeps SIGTERM pending until it runs again.
            self._signal_group(signal.SIGCONT)
            self.paused = False
            try:
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(timeout=grace_s)
        # The leader may be gone while children it forked still run in the group.
        self._signal_group(signal.SIGKILL)
        return self.proc.returncode

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self) -> ManagedProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
