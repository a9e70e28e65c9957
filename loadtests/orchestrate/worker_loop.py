"""``roombench worker --master HOST[:PORT] --master-timeout S``: one command for a whole search.

A Locust worker serves one master and exits with it, and the runner starts a
master for every run; a capacity search starts one for every step (or stepped
session) it measures, a number nobody knows in advance. So the worker command
loops: one Locust worker process a master, the next started as soon as the
previous one ended, while this loop checks once a second that something
listens at the master's address. When nothing has listened there for
``master_timeout_s`` seconds the run or search is over: the waiting worker
process is stopped and the command exits by itself. It serves at most
``runs`` masters, each bounded by its master's life and the timeout.

Why a TCP probe and not Locust's own retry: a Locust worker waits 60 × 5 s for
its first master, says nothing when one accepts it, and a worker started while
the previous master was still closing would wait those 5 minutes after the
search ended. A connect closed at once is nothing to the master's ZeroMQ socket
and costs nothing beside the load.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

PROBE_INTERVAL_S = 0.5
PROBE_CONNECT_TIMEOUT_S = 1.0
LOCUST_USAGE_ERROR = 2  # argparse's exit code: Locust refused its options
STOP_GRACE_S = 10.0  # a worker told to stop (SIGTERM) may take this long before SIGKILL


@dataclass(frozen=True)
class Follow:
    """Serve up to ``runs`` masters at ``host``:``port``; give up after ``master_timeout_s``
    seconds with nothing listening there."""

    host: str
    port: int
    runs: int
    master_timeout_s: float

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def master_listening(host: str, port: int) -> bool:
    """Whether something accepts TCP connections at ``host``:``port`` (the connection is
    closed at once)."""
    try:
        with socket.create_connection((host, port), timeout=PROBE_CONNECT_TIMEOUT_S):
            return True
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> int:
    """Stop the worker's own process group (its ``--processes`` children too); its code."""
    for sig, wait_s in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, STOP_GRACE_S)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            return process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
    return process.wait()


def serve_one(
    follow: Follow,
    command: Sequence[str],
    listening: Callable[[str, int], bool] = master_listening,
) -> tuple[bool, bool, int]:
    """Run one worker process until it exits or no master listened for the timeout.

    Returns (served: it exited by itself, seen: a master listened during its life,
    its exit code).
    """
    process = subprocess.Popen(list(command), start_new_session=True)
    seen = False
    last_listening = time.monotonic()
    try:
        while process.poll() is None:
            if listening(follow.host, follow.port):
                seen, last_listening = True, time.monotonic()
            elif time.monotonic() - last_listening > follow.master_timeout_s:
                return False, seen, _stop(process)
            try:
                process.wait(timeout=PROBE_INTERVAL_S)
            except subprocess.TimeoutExpired:
                pass
        return True, seen, process.returncode
    finally:
        if process.poll() is None:  # Ctrl-C or an error here: the worker goes too
            _stop(process)


def serve(
    follow: Follow,
    command: Sequence[str],
    say: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    listening: Callable[[str, int], bool] = master_listening,
) -> int:
    """Serve masters one after another (``command`` each time); the exit code.

    0 once at least one master was served and none came for the timeout (or
    ``runs`` were served); 1 when none ever came; a worker's own failure (it
    exited while no master listened) ends the loop with its code.
    """
    served, code = 0, 0
    while served < follow.runs:
        say(
            f"roombench worker: waiting for master {served + 1} at {follow.address} "
            f"(up to {follow.master_timeout_s:g} s)"
        )
        ended, seen, returncode = serve_one(follow, command, listening)
        if not ended:
            break
        if not seen or returncode == LOCUST_USAGE_ERROR:
            # it failed by itself (no master yet, or bad options): starting it again
            # would fail the same way
            say(f"roombench worker: the Locust worker exited (code {returncode}) by itself")
            return returncode or 1
        served += 1
        code = max(code, returncode)
    if served == 0:
        say(
            f"roombench worker: no master at {follow.address} within "
            f"{follow.master_timeout_s:g} s (--master-timeout); start the run first, or "
            "check the address"
        )
        return 1
    why = "--runs" if served == follow.runs else f"none came for {follow.master_timeout_s:g} s"
    say(f"roombench worker: served {served} master(s); {why}")
    return code
