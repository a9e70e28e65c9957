"""``roombench run`` end to end: real nodes, real redis-server, real Locust.

Each run gets a marker in its environment; every process it starts inherits it,
so after the run the whole process table is searched for that marker: a
leftover node, redis-server or Locust worker anywhere fails the test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.marked import MARKER_ENV, kill_marked, marked

REPO = Path(__file__).resolve().parents[3]

TINY_LOAD = """
[load]
users = 20
rooms = 2
senders = 20
rate_per_sender_per_s = 2.0
warmup_s = 1.0
window_s = 3.0
drain_s = 1.0
"""


def _ignore_sigint() -> None:
    # What a shell script's background job inherits: the run must take Ctrl-C anyway.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_run(
    tmp_path: Path, scenario: str, *extra: str, sigint_ignored: bool = False
) -> tuple[subprocess.Popen[str], str, Path]:
    path = tmp_path / "scenario.toml"
    path.write_text(scenario)
    out = tmp_path / "run"
    marker = uuid.uuid4().hex
    env = {**os.environ, MARKER_ENV: marker}
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadtests.cli", "run", str(path), "--out", str(out), *extra],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_ignore_sigint if sigint_ignored else None,
    )
    return proc, marker, out


def _finish(proc: subprocess.Popen[str], marker: str, timeout_s: float = 240) -> str:
    try:
        output, _ = proc.communicate(timeout=timeout_s)
    finally:
        if proc.poll() is None:
            # The test fails; leave nothing this run started (its children sit in
            # process groups of their own) to hold ports for the tests after it.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kill_marked(marker)
    # Teardown is synchronous in the runner, but give the kernel a moment to reap.
    deadline = time.monotonic() + 5
    while marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = marked(marker)
    assert not left, "the run left processes behind:\n" + "\n".join(left)
    return output


@pytest.mark.slow
def test_two_configurations_run_with_exact_accounting(tmp_path: Path) -> None:
    scenario = (
        'name = "e2e"\n'
        + TINY_LOAD
        + """
[[config]]
name = "single"

[[config]]
name = "redis-2"
nodes = 2
queue = "redis"
"""
    )
    proc, marker, out = _start_run(tmp_path, scenario)
    output = _finish(proc, marker)
    assert proc.returncode == 0, output
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "ok"
    assert [(o["config"], o["error"]) for o in manifest["outcomes"]] == [
        ("single", None),
        ("redis-2", None),
    ]
    for name, nodes in (("single", 1), ("redis-2", 2)):
        doc = json.loads((out / f"{name}.json").read_text())
        counters = doc["counters"]
        assert counters["sent"] > 0
        # 20 users in 2 rooms: every message has 10 members, the sender included.
        assert counters["expected"] == counters["sent"] * 10
        assert counters["delivered"] == counters["expected"]
        assert counters["lost"] == counters["duplicated"] == counters["leaked"] == 0
        fanout, self_ = doc["latency"]["fanout"], doc["latency"]["self"]
        assert fanout["count"] + self_["count"] == counters["delivered"]
        assert self_["count"] == counters["sent"]
        roles = sorted(r["role"] for r in doc["resources"] if r["role"] in ("node", "redis"))
        assert roles == ["node"] * nodes + (["redis"] if nodes > 1 else [])
        assert len(doc["server_stats"]) == nodes
        assert doc["config"]["nodes"] == nodes
        assert (doc["versions"]["redis_server"] is not None) == (nodes > 1)
        assert (out / f"{name}_stats.csv").exists()
    assert "deliveries/s" in output  # the summary table


@pytest.mark.slow
def test_a_node_that_crashes_at_start_is_reported_and_everything_stops(tmp_path: Path) -> None:
    scenario = (
        'name = "crash"\n'
        + TINY_LOAD
        + """
[[config]]
name = "broken"
nodes = 2
queue = "redis"
server_args = ["--no-such-option"]
"""
    )
    proc, marker, out = _start_run(tmp_path, scenario)
    output = _finish(proc, marker, timeout_s=120)
    assert proc.returncode == 1, output
    assert "target_app node-0 exited before it was healthy" in output
    assert "--no-such-option" in output  # the node's own last log lines are shown
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "failed"
    assert "exited before it was healthy" in manifest["outcomes"][0]["error"]


@pytest.mark.slow
def test_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    scenario = (
        'name = "interrupt"\n'
        + TINY_LOAD.replace("window_s = 3.0", "window_s = 60.0")
        + """
[[config]]
name = "redis-2"
nodes = 2
queue = "redis"
"""
    )
    proc, marker, out = _start_run(tmp_path, scenario, sigint_ignored=True)
    progress = out / "logs" / "redis-2.progress.json"
    deadline = time.monotonic() + 60
    while not progress.exists():
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "the run never got going"
        time.sleep(0.2)
    assert len(marked(marker)) >= 4  # runner, redis, two nodes, Locust
    proc.send_signal(signal.SIGINT)
    output = _finish(proc, marker, timeout_s=60)
    assert proc.returncode == 130, output
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
