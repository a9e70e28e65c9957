"""A capacity search whose every step runs on workers started elsewhere (issue 26).

Two ``roombench worker --master 127.0.0.1:PORT --master-timeout 10`` processes
follow the runner's masters on loopback. First a search that wants 3 workers
gets 2 and fails after ``--workers-timeout`` saying so; then a two-step search
on the users axis (a new master a step) runs both steps on exactly those two
workers, exact; then the workers, with no master left, exit by themselves
having served 3 masters each. Slow: about 40 s, a 2 s window a step.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from loadtests.cluster.ports import free_port
from loadtests.cluster.processes import ManagedProcess

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
MASTER_TIMEOUT_S = 10  # beyond a capacity start-up (the gap between the two searches)
SCENARIO = """
name = "external"
generator_processes = 1
[load]
users = 20
rooms = 4
rate_per_sender_per_s = 2.0
warmup_s = 1.0
window_s = 2.0
drain_s = 1.0
[[config]]
name = "one-node"
"""


def capacity(tmp_path: Path, name: str, *args: str) -> tuple[int, str, dict[str, Any]]:
    out = tmp_path / name
    done = subprocess.run(
        [sys.executable, "-m", "loadtests.cli", "capacity", str(tmp_path / "scenario.toml")]
        + ["--out", str(out), "--axis", "users", "--slo", "lost=0", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    doc: dict[str, Any] = json.loads((out / "capacity.json").read_text())
    return done.returncode, done.stdout + done.stderr, doc


def test_every_step_of_a_search_runs_on_the_external_workers(tmp_path: Path) -> None:
    (tmp_path / "scenario.toml").write_text(SCENARIO)
    port = free_port()
    master = f"127.0.0.1:{port}"
    workers = [
        ManagedProcess(
            f"worker-{n}",
            [sys.executable, "-m", "loadtests.cli", "worker", "--master", master]
            + ["--master-timeout", str(MASTER_TIMEOUT_S)],
            tmp_path / f"worker-{n}.log",
            cwd=REPO,
        )
        for n in (1, 2)
    ]
    try:
        for worker in workers:
            worker.start()
        bind = ["--master-bind", master]

        # Three wanted, two come: the step fails after its timeout, saying so.
        short = ["--external-workers", "3", *bind, "--workers-timeout", "4", "--max-steps", "1"]
        code, printed, doc = capacity(tmp_path, "short", *short)
        assert code == 1, printed
        never = (
            f"--external-workers 3: 2 of 3 worker(s) connected to {master} within 4 s "
            f"(--workers-timeout); start each with `roombench worker --master {master} "
            f"--master-timeout 60` on a host that reaches it"
        )
        assert never in printed
        (entry,) = doc["configs"]
        assert entry["incomplete"] == never and entry["steps"] == []

        # The same two workers follow a two-step search: a master a step.
        code, printed, doc = capacity(
            tmp_path, "good", "--external-workers", "2", *bind, "--max-steps", "2"
        )
        assert code == 0, printed
        (entry,) = doc["configs"]
        assert [(s["load"], s["outcome"]) for s in entry["steps"]] == [
            (20, "pass"),
            (40, "pass"),
        ], entry["steps"]
        for point in entry["steps"]:
            step: dict[str, Any] = json.loads((tmp_path / "good" / point["results"]).read_text())
            assert step["config"]["generator_processes"] == 2
            assert step["config"]["generator_processes_auto"] == (
                f"external workers, master at {master}"
            )
            generators = [r for r in step["resources"] if r["role"] == "generator"]
            assert len(generators) == len(step["clocks"]["workers"]) == 2, step["clocks"]
            c = step["counters"]
            assert c["delivered"] == c["expected"] > 0, c
            assert (c["lost"], c["duplicated"], c["leaked"], c["errors"]) == (0, 0, 0, 0), c
        masters = len(entry["steps"]) + 1  # the short search's master, then one a step

        # No master comes any more: each worker exits by itself.
        deadline = time.monotonic() + MASTER_TIMEOUT_S + 30
        while any(w.alive() for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        for worker in workers:
            assert not worker.alive(), worker.failure("still running after its --master-timeout")
            log = worker.log_path.read_text(errors="replace")
            assert worker.stop() == 0, log[-3000:]
            assert (
                f"roombench worker: served {masters} master(s); none came for {MASTER_TIMEOUT_S} s"
            ) in log, log[-3000:]
    finally:
        for worker in workers:
            worker.stop()
