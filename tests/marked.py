"""Processes a test started, found by a marker in their environment, and stopped by PID.

A test that runs roombench as a user does (a subprocess) puts
``ROOMBENCH_TEST_MARKER=<uuid>`` in its environment; every process the run
starts inherits it, so the test can list them (and kill exactly them if the
run fails) without touching anything else on the machine.
"""

from __future__ import annotations

import contextlib
import os
import signal

import psutil

MARKER_ENV = "ROOMBENCH_TEST_MARKER"


def marked(marker: str) -> list[str]:
    """``"PID command"`` of every live process carrying ``marker``."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            if proc.environ().get(MARKER_ENV) == marker:
                found.append(f"{proc.pid} {' '.join(proc.info['cmdline'] or [])[:100]}")
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def kill_marked(marker: str) -> None:
    """SIGKILL every process carrying ``marker`` (a failed test's leftovers)."""
    for line in marked(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(line.split()[0]), signal.SIGKILL)
