"""``roombench worker --master-timeout S``: follow masters one after another, exit by itself.

A real listening socket on loopback stands for the master (the loop only asks
whether something listens there); the "worker" is a small Python process that
records each start in a file, so the counts are exact. Each test takes about a
second.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from loadtests.cli import main
from loadtests.orchestrate import external_workers
from loadtests.orchestrate.worker_loop import Follow, serve

# Each start appends its number to the file; a start numbered ``stay_from`` or later
# sleeps (a worker waiting for a master that never comes), the others exit 0 at once.
WORKER = """
import pathlib, sys, time
log = pathlib.Path(sys.argv[1])
n = len(log.read_text().split()) + 1 if log.exists() else 1
log.write_text((log.read_text() if log.exists() else "") + f"{n}\\n")
if n >= int(sys.argv[2]):
    time.sleep(60)
    log.write_text(log.read_text() + "woke\\n")
"""


def worker(log: Path, stay_from: int) -> list[str]:
    return [sys.executable, "-c", WORKER, str(log), str(stay_from)]


def listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


def test_no_master_ever_ends_the_wait_after_the_timeout(tmp_path: Path) -> None:
    with listener() as sock:  # bound, then closed: a port nothing listens on
        port = sock.getsockname()[1]
    log, said = tmp_path / "starts", list[str]()
    code = serve(Follow("127.0.0.1", port, 5, 0.5), worker(log, 1), said.append)
    assert code == 1
    assert log.read_text() == "1\n"  # one worker, stopped: it never woke
    assert said[-1] == (
        f"roombench worker: no master at 127.0.0.1:{port} within 0.5 s (--master-timeout); "
        "start the run first, or check the address"
    )


def test_masters_are_followed_until_none_comes(tmp_path: Path) -> None:
    log, said = tmp_path / "starts", list[str]()
    sock = listener()
    port = sock.getsockname()[1]

    # Two workers exit by themselves (their masters ended them); the third waits, and
    # the master is gone for good once the second has started.
    def close_after_two() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if log.exists() and len(log.read_text().split()) >= 2:
                break
            time.sleep(0.05)
        sock.close()

    closer = threading.Thread(target=close_after_two)
    closer.start()
    try:
        code = serve(Follow("127.0.0.1", port, 1000, 0.5), worker(log, 3), said.append)
    finally:
        closer.join()
        sock.close()
    assert code == 0
    assert log.read_text().split() == ["1", "2", "3"]  # the third was stopped, never woke
    assert said[-1] == "roombench worker: served 2 master(s); none came for 0.5 s"


def test_runs_bound_the_count(tmp_path: Path) -> None:
    log, said = tmp_path / "starts", list[str]()
    with listener() as sock:
        code = serve(
            Follow("127.0.0.1", sock.getsockname()[1], 3, 0.5), worker(log, 99), said.append
        )
    assert code == 0
    assert log.read_text().split() == ["1", "2", "3"]
    assert said[-1] == "roombench worker: served 3 master(s); --runs"


def test_a_worker_that_fails_before_any_master_is_not_started_again(tmp_path: Path) -> None:
    with listener() as sock:
        port = sock.getsockname()[1]
    failing = [sys.executable, "-c", "import sys; sys.exit(3)"]
    said: list[str] = []
    assert serve(Follow("127.0.0.1", port, 5, 5.0), failing, said.append) == 3
    assert said[-1] == "roombench worker: the Locust worker exited (code 3) by itself"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--master-timeout", "0.5"],
            "roombench worker: error: --master-timeout: 0.5 is out of range",
        ),
        (["--runs", "0"], "roombench worker: error: --runs: 0 is out of range; allowed: 1..1000"),
        (
            ["--master-timeout", "5", "--runs", "1001"],
            "roombench worker: error: --runs: 1001 is out",
        ),
    ],
)
def test_bad_worker_options_name_the_option(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["worker", "--master", "127.0.0.1:1", *args]) == 2
    assert capsys.readouterr().err.startswith(message)


def test_a_capacity_search_tells_its_workers_to_follow(tmp_path: Path) -> None:
    workers = external_workers.ExternalWorkers(2, "198.18.0.1", 5557, 8.0).following(60.0)
    assert workers.worker_command == "roombench worker --master 198.18.0.1:5557 --master-timeout 60"
    log = tmp_path / "locust.log"
    log.write_text(
        "a/INFO/locust.runners: b_12 (index 0) reported as ready. 1 workers connected.\n"
        "a/ERROR/root: Gave up waiting for workers to connect\n"
    )
    assert workers.never_arrived(log) == (
        "--external-workers 2: 1 of 2 worker(s) connected to 198.18.0.1:5557 within 8 s "
        "(--workers-timeout); start each with `roombench worker --master 198.18.0.1:5557 "
        "--master-timeout 60` on a host that reaches it"
    )
