"""ManagedProcess: process groups stopped whole, failures that show the log."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import psutil
import pytest

from loadtests.cluster.ports import free_port, port_in_use
from loadtests.cluster.processes import ManagedProcess, ProcessError

# A parent that forks a grandchild and prints its PID, then waits forever.
FORKER = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(600)\n"
)


def _wait_for_text(path: Path, timeout_s: float = 10.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        if text.strip():
            return text
        time.sleep(0.02)
    raise AssertionError(f"nothing written to {path}")


def test_stop_kills_the_whole_process_group(tmp_path: Path) -> None:
    proc = ManagedProcess("forker", [sys.executable, "-c", FORKER], tmp_path / "forker.log").start()
    try:
        grandchild = int(_wait_for_text(tmp_path / "forker.log").split()[0])
        assert psutil.pid_exists(grandchild)
    finally:
        proc.stop(grace_s=2)
    assert not proc.alive()
    deadline = time.monotonic() + 5
    while (
        psutil.pid_exists(grandchild)
        and psutil.Process(grandchild).status() != psutil.STATUS_ZOMBIE
    ):
        assert time.monotonic() < deadline, "grandchild survived the group stop"
        time.sleep(0.02)


def test_stop_is_idempotent_and_safe_before_start(tmp_path: Path) -> None:
    proc = ManagedProcess("true", [sys.executable, "-c", "pass"], tmp_path / "t.log")
    assert proc.stop() is None
    proc.start()
    assert proc.proc is not None
    proc.proc.wait(timeout=10)
    assert proc.stop() == 0
    assert proc.stop() == 0


def test_early_exit_names_the_process_and_shows_its_log(tmp_path: Path) -> None:
    script = "import sys; print('bad option --frobnicate'); sys.exit(3)"
    proc = ManagedProcess("demo node", [sys.executable, "-c", script], tmp_path / "d.log").start()
    try:
        with pytest.raises(ProcessError) as err:
            proc.wait_until(lambda: False, timeout_s=10, what="healthy")
    finally:
        proc.stop()
    message = str(err.value)
    assert "demo node exited before it was healthy" in message
    assert "exit code 3" in message
    assert "bad option --frobnicate" in message


def test_timeout_is_reported(tmp_path: Path) -> None:
    proc = ManagedProcess(
        "sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "s.log"
    ).start()
    try:
        with pytest.raises(ProcessError, match="was not ready within 0 s"):
            proc.wait_until(lambda: False, timeout_s=0.2)
    finally:
        proc.stop()


def test_free_port_is_free_and_port_in_use_sees_a_listener() -> None:
    import socket

    port = free_port()
    assert not port_in_use(port)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        assert port_in_use(port)
    assert os.getpid() > 0
