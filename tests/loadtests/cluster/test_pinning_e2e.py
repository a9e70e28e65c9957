"""A pinned run: every process the runner starts runs on its planned CPU set.

Two target_app nodes over a private redis-server and a Locust master with two
workers, through the runner exactly as ``roombench run`` does, with the
automatic split. While the run goes on, a watcher reads ``Cpus_allowed_list``
from ``/proc/PID/status`` of every process below this one; afterwards every
server (node, redis-server) must have read back the servers' set and every
Locust process the generator's, and the results must record the sets.
Short window; run under ``flock /tmp/roombench-load.lock``.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import psutil
import pytest

from loadtests.cluster import cpusets
from loadtests.orchestrate.progress import Progress
from loadtests.orchestrate.runner import RunOptions, run_config
from loadtests.orchestrate.scenario_file import parse_scenario

pytestmark = pytest.mark.slow

LOAD = {"users": 20, "rooms": 4, "rate_per_sender_per_s": 4.0, "warmup_s": 1.0,
        "window_s": 3.0, "drain_s": 1.0}  # fmt: skip


class AffinityWatch:
    """Reads every descendant's Cpus_allowed_list every 0.2 s (bounded by ``stop``)."""

    def __init__(self) -> None:
        self.seen: dict[int, tuple[str, frozenset[int]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process(os.getpid())
        while not self._stop.wait(0.2):
            for proc in me.children(recursive=True):
                try:
                    cmd = " ".join(proc.cmdline())
                    self.seen[proc.pid] = (cmd, cpusets.allowed_list(proc.pid))
                except (psutil.NoSuchProcess, OSError, ValueError):
                    continue

    def __enter__(self) -> AffinityWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def kind(cmd: str) -> str | None:
    if "target_app" in cmd:
        return "server"
    if "redis-server" in cmd:
        return "server"
    if "locust" in cmd:
        return "generator"
    return None


def test_a_pinned_run_reads_back_its_cpu_sets(tmp_path: Path) -> None:
    scenario = {
        "name": "pinned",
        "generator_processes": 2,
        "load": LOAD,
        "config": [{"name": "redis-2", "nodes": 2, "queue": "redis"}],
    }
    matrix = parse_scenario(scenario, str(tmp_path / "pinned.toml"))
    plan = matrix.cpu_plan_for(matrix.configs[0])
    out = tmp_path / "out"
    out.mkdir()
    progress = Progress("pinned", 5.0, say=lambda _line: None)
    with AffinityWatch() as watch:
        try:
            path = run_config(matrix, matrix.configs[0], 0, RunOptions(out), progress)
        finally:
            progress.done()
    doc: dict[str, Any] = json.loads(path.read_text())
    by_kind: dict[str, list[frozenset[int]]] = {"server": [], "generator": []}
    for cmd, allowed in watch.seen.values():
        k = kind(cmd)
        if k is not None:
            by_kind[k].append(allowed)
    # 2 nodes + redis-server; a Locust master and its 2 workers
    assert len(by_kind["server"]) == 3, watch.seen
    assert len(by_kind["generator"]) == 3, watch.seen
    assert all(a == plan.servers for a in by_kind["server"]), by_kind
    assert all(a == plan.generator for a in by_kind["generator"]), by_kind
    assert doc["machine"]["cpu_sets"] == plan.to_schema()
    assert ("shared_cpus" in doc["flags"]) == plan.shared
    assert doc["counters"]["lost"] == 0 and doc["counters"]["delivered"] > 0
    speed = doc["machine"]["speed"]
    assert [p["when"] for p in speed["probes"]] == ["before", "after"]
    assert speed["index"] > 0
    assert doc["noise"]["seconds"] >= 3
