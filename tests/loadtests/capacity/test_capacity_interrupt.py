"""Ctrl-C during a capacity search: every process it started stops, the finished steps are
kept, and the capacity document is written marked incomplete and interrupted.

The search runs as a user runs it (``roombench capacity``) with a
marker in its environment, so every process it started can be found; SIGINT
arrives once the first step is in the document, in the middle of the second
step of a stepped session (its users kept). Run under
``flock /tmp/roombench-load.lock``.
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
SCENARIO = """
name = "interrupt"
[load]
users = 20
rooms = 4
rate_per_sender_per_s = 2.0
warmup_s = 1.0
window_s = 3.0
drain_s = 1.0
[[config]]
name = "one"
"""


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_steps_and_stops_everything(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "out"
    marker = uuid.uuid4().hex
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadtests.cli", "capacity", str(scenario), "--out", str(out)],
        cwd=REPO,
        env={**os.environ, MARKER_ENV: marker},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        document = out / "capacity.json"
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "the first step never finished"
            if document.exists():
                steps = json.loads(document.read_text())["configs"][0]["steps"]
                if steps:
                    break
            time.sleep(0.2)
        time.sleep(2.0)  # into the second step
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kill_marked(marker)
    assert proc.returncode == 130, output
    assert "interrupted: finished steps kept in" in output
    doc = json.loads(document.read_text())
    assert doc["incomplete"] is True and doc["interrupted"] is True
    [entry] = doc["configs"]
    assert len(entry["steps"]) >= 1 and entry["steps"][0]["outcome"] == "pass"
    assert (out / "capacity.html").is_file()
    deadline = time.monotonic() + 5
    while marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marked(marker) == [], "the search left processes behind"
