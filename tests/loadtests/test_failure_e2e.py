"""A node killed from outside the harness mid-window: the loss is counted, exactly.

Two nodes over a real Redis; 40 users in 4 rooms of 10, so every room has 5
members on each node (``layout.node_of``). node-1 is SIGKILLed 4 s into the
window and never comes back. From then on each message a survivor sends reaches
exactly its 5 members on node-0 and misses the 5 on node-1: per send second
wholly after the kill, ``lost == delivered == 5 × sent``; wholly before it,
nothing is lost. Whole-window totals must agree: ``expected == 10 × sent``
(every member stays expected: a dropped connection ends nothing) and
``lost == expected − delivered``.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import psutil
import pytest

from tests.loadtests.orchestrate.test_runner_e2e import _finish, _start_run

KILL_AT_S = 4.0
LOAD = """
[load]
users = 40
rooms = 4
rate_per_sender_per_s = 2.0
warmup_s = 2.0
window_s = 10.0
drain_s = 2.0

[[config]]
name = "two"
nodes = 2
queue = "redis"
"""


def _node_pid(root_pid: int, node_id: str) -> int | None:
    for child in psutil.Process(root_pid).children(recursive=True):
        try:
            cmdline = child.cmdline()
        except psutil.Error:
            continue
        if "target_app" in cmdline and node_id in cmdline:
            return child.pid
    return None


@pytest.mark.slow
def test_a_node_killed_mid_window_is_counted_exactly(tmp_path: Path) -> None:
    proc, marker, out = _start_run(tmp_path, LOAD)
    progress = out / "logs" / "two.progress.json"
    killed_ns = None
    deadline = time.monotonic() + 120
    while killed_ns is None and time.monotonic() < deadline and proc.poll() is None:
        try:
            window = json.loads(progress.read_text()).get("window")
        except (OSError, ValueError):
            window = None
        if window is not None and time.time_ns() >= window["start_ns"] + KILL_AT_S * 1e9:
            pid = _node_pid(proc.pid, "node-1")
            assert pid is not None, "node-1 not found among the run's processes"
            psutil.Process(pid).send_signal(signal.SIGKILL)
            killed_ns = time.time_ns()
            kill_t_s = (killed_ns - window["start_ns"]) / 1e9
        time.sleep(0.05)
    output = _finish(proc, marker)
    assert killed_ns is not None, output
    doc = json.loads((out / "two.json").read_text())
    c, flags, series = doc["counters"], doc["flags"], doc["timeseries"]

    assert c["expected"] == 10 * c["sent"]
    assert c["lost"] == c["expected"] - c["delivered"] > 0
    assert c["lost_connected"] + c["lost_disconnected"] == c["lost"]
    assert c["unexpected_disconnects"] == 20  # node-1's users
    assert c["sends_skipped"] > 0  # node-1's senders could not send
    assert "lost" in flags and "connections_dropped" in flags

    for t_s, phase, sent, delivered, lost in zip(
        series["t_s"],
        series["phase"],
        series["sent"],
        series["delivered"],
        series["lost"],
        strict=True,
    ):
        if phase != "window":
            continue
        if t_s + 1 <= kill_t_s:  # the whole second before the kill
            assert lost == 0 and delivered == 10 * sent, (t_s, sent, delivered, lost)
        elif t_s >= kill_t_s + 1:  # a whole second after the drop was noticed
            assert lost == 5 * sent and delivered == 5 * sent, (t_s, sent, delivered, lost)
    assert (
        sum(series["lost"][i] for i, p in enumerate(series["phase"]) if p == "window") == c["lost"]
    )
    assert "two" in output and "lost" in output
