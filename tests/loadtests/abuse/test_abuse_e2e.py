"""Abuse beside a measured load, end to end: real nodes, real Locust, the real abuse process.

The server must count what the abusers did (its /stats deltas in the results'
``abuse`` section), and the measured users' accounting must stay exact: the
abusers are not measured users, and a hardened server makes the others pay
nothing in lost or leaked deliveries.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[3]

SCENARIO = """
name = "abuse-e2e"

[load]
users = 20
rooms = 2
senders = 20
rate_per_sender_per_s = 2.0
warmup_s = 1.0
window_s = 4.0
drain_s = 1.0

[[config]]
name = "slow"
# a low outbound cap; the kernel's send buffer (up to 4 MiB a socket here) fills
# first, so each client asks for 3 MB/s of echoes to get past both within the window
server_args = ["--max-outbound-bytes", "65536"]
[config.abuse]
kind = "slow_consumer"
clients = 3
rate_per_s = 50
echo_bytes = 60000

[[config]]
name = "bad"
[config.abuse]
kind = "bad_input"
clients = 2
rate_per_s = 40
mix = ["truncated", "reserved_event", "non_finite", "bad_frame"]
"""


def _run(tmp_path: Path) -> Path:
    path = tmp_path / "abuse.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadtests.cli", "run", str(path), "--out", str(out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, output
    return out


def _exact(doc: dict[str, object]) -> dict[str, int]:
    counters = doc["counters"]
    assert isinstance(counters, dict)
    assert counters["sent"] > 0
    assert counters["delivered"] == counters["expected"] == counters["sent"] * 10
    return {k: counters[k] for k in ("lost", "leaked", "duplicated")}


@pytest.mark.slow
def test_slow_consumers_and_bad_input_are_counted_and_cost_the_measured_users_nothing(
    tmp_path: Path,
) -> None:
    out = _run(tmp_path)
    manifest = json.loads((out / "run.json").read_text())
    assert [(o["config"], o["error"]) for o in manifest["outcomes"]] == [
        ("slow", None),
        ("bad", None),
    ]

    slow = json.loads((out / "slow.json").read_text())
    assert _exact(slow) == {"lost": 0, "leaked": 0, "duplicated": 0}
    abuse = slow["abuse"]
    assert abuse["status"] == "done" and abuse["handshakes"] == 3
    # every client that never read was dropped by the server and counted there
    assert abuse["server"]["slow_consumer_disconnects"] == 3
    assert abuse["closed_by_server"] == 3
    assert slow["flags"]["abuse"].startswith("deliberately hostile run: slow_consumer (3 hostile")
    assert [r["role"] for r in slow["resources"]].count("abuse") == 1

    bad = json.loads((out / "bad.json").read_text())
    assert _exact(bad) == {"lost": 0, "leaked": 0, "duplicated": 0}
    abuse = bad["abuse"]
    sent = abuse["by_variant"]
    assert abuse["status"] == "done" and sum(sent.values()) > 0
    assert set(sent) == {"truncated", "reserved_event", "non_finite", "bad_frame"}
    (node,) = abuse["server"]["nodes"]
    # each bad frame counted exactly once, under the kind it is
    assert node["protocol_errors"] == {
        "bad_packet": sent["truncated"],
        "reserved_event": sent["reserved_event"],
        "bad_frame": sent["bad_frame"],
    }
    assert node["errors"] == {
        "bad_payload": sent["truncated"] + sent["non_finite"],
        "unknown_event": sent["reserved_event"],
    }
    # a bad frame closes its session; the slot reconnects to keep the rate
    assert abuse["closed_by_server"] == sent["bad_frame"]
    assert abuse["reconnects"] >= sent["bad_frame"] - 2
    assert bad["flags"]["abuse"].startswith("deliberately hostile run: bad_input (2 hostile")
    # the abuse processes ended with their runs
    left = [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if "loadtests.abuse" in (p.info["cmdline"] or [])
    ]
    assert left == []
