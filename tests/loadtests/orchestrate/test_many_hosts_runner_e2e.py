"""The runner across test hosts: external workers, targets it did not start, partitions.

``test_external_workers_and_targets_on_other_hosts``: ``roombench run`` on host A
with ``--external-workers 2 --master-bind A``, two ``roombench worker --master
A --runs 2`` on B and C, against two target_app nodes on D and E (over Redis on
F) given as ``target`` URLs. First a run that wants 3 workers gets 2 and fails
after ``--workers-timeout`` saying so; then the same workers serve a run that
is exact, with both nodes sampled through ``/stats`` (no ``server_not_measured``)
and the host of every process in the results.

``test_a_partition_and_its_heal``: ``loadtests/scenarios/partition.toml`` (node-1
cut from Redis for 3 s, mid-window) through the runner.

Slow: about 30 s each. Both compare ``ip netns list`` and the links before and after.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from loadtests.cli import main
from loadtests.cluster.processes import ManagedProcess
from loadtests.cluster.testhosts import TestHosts
from tests.loadtests.cluster.test_testhosts import machine_state
from tests.loadtests.conftest import MakeTestHosts

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
PARTITION = ROOT / "loadtests" / "scenarios" / "partition.toml"
RUN_BUDGET_S = 120.0


def roombench(*args: str) -> list[str]:
    return [sys.executable, "-m", "loadtests.cli", *args]


def finish(process: ManagedProcess) -> tuple[int | None, str]:
    deadline = time.monotonic() + RUN_BUDGET_S
    while process.alive():
        assert time.monotonic() < deadline, process.failure(f"ran past {RUN_BUDGET_S:.0f} s")
        time.sleep(0.2)
    code = process.stop()
    return code, process.log_path.read_text(errors="replace")


def start_nodes(hosts: TestHosts) -> list[str]:
    # On a test host only test hosts reach it: protected mode would refuse them all.
    redis = ["redis-server", "--bind", hosts["F"].address, "--save", "", "--protected-mode", "no"]
    hosts.start("F", "redis", redis)
    urls = []
    for host in ("D", "E"):
        address = hosts[host].address
        node = hosts.start(
            host,
            f"node-{host}",
            [sys.executable, "-m", "target_app", "--host", address, "--port", "5000"]
            + ["--async-mode", "eventlet", "--node-id", f"node-{host}"]
            + ["--message-queue", f"redis://{hosts['F'].address}:6379/0"],
            cwd=ROOT,
        )
        urls.append(f"http://{address}:5000")

        def healthy(url: str = urls[-1]) -> bool:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as reply:  # noqa: S310
                return bool(json.loads(reply.read()).get("ok"))

        node.wait_until(healthy, 30, "healthy")
    return urls


SCENARIO = """
name = "staging"
generator_processes = 1

[load]
users = 40
rooms = 4
rate_per_sender_per_s = 2.0
warmup_s = 2.0
window_s = 5.0
drain_s = 2.0

[[config]]
name = "staging"
target = {targets}
"""


def test_external_workers_and_targets_on_other_hosts(
    test_hosts: MakeTestHosts, tmp_path: Path
) -> None:
    before = machine_state()
    hosts = test_hosts(["A", "B", "C", "D", "E", "F"], hostnames={"B": "load-b", "C": "load-c"})
    urls = start_nodes(hosts)
    scenario = tmp_path / "staging.toml"
    scenario.write_text(SCENARIO.format(targets=json.dumps(urls)))
    master = hosts["A"].address
    for host in ("B", "C"):
        hosts.start(
            host, f"worker-{host}", roombench("worker", "--master", master, "--runs", "2"), cwd=ROOT
        )

    # Three wanted, two come: the run fails after its timeout, saying so.
    short = roombench("run", str(scenario), "--out", str(tmp_path / "short"), "--no-summary")
    short += ["--external-workers", "3", "--master-bind", master, "--workers-timeout", "8"]
    code, log = finish(hosts.start("A", "runner-short", short, cwd=ROOT))
    assert code == 1, log
    assert (
        f"--external-workers 3: 2 of 3 worker(s) connected to {master}:5557 within 8 s "
        f"(--workers-timeout); start each with `roombench worker --master {master}:5557`"
    ) in log
    for url in urls:
        assert f"target {url} is not on loopback: load goes to" in log

    # The same two workers serve the next run.
    good = roombench("run", str(scenario), "--out", str(tmp_path / "good"), "--no-summary")
    good += ["--external-workers", "2", "--master-bind", master]
    code, log = finish(hosts.start("A", "runner", good, cwd=ROOT))
    assert code == 0, log
    doc: dict[str, Any] = json.loads((tmp_path / "good" / "staging.json").read_text())
    c = doc["counters"]
    assert c["delivered"] == c["expected"] > 0, c
    assert (c["lost"], c["duplicated"], c["leaked"], c["errors"]) == (0, 0, 0, 0), c
    assert "server_not_measured" not in doc["flags"], doc["flags"]
    assert doc["config"]["generator_processes"] == 2
    by_name = {r["name"]: r for r in doc["resources"]}
    for index, host in enumerate(("D", "E")):
        node = by_name[f"node-{index}"]
        assert node["source"] == "stats" and node["host"] == hosts[host].address, node
        assert len(node["connections"]) == len(node["t_s"]) >= 5
        assert max(node["connections"]) >= 1 and node["errors"][-1] == 0
        assert node["cpu_s_window"] > 0 and node["peak_rss_bytes"] > 0
    assert [(s["node"], s["node_id"]) for s in doc["server_stats"]] == [
        ("node-0", "node-D"),
        ("node-1", "node-E"),
    ]
    assert sum(s["connections"] for s in doc["server_stats"]) == 0  # all gone at the end
    generators = sorted(r["host"] for r in doc["resources"] if r["role"] == "generator")
    assert generators == ["load-b", "load-c"]
    assert {r["host"] for r in doc["resources"] if r["role"] == "master"} == {
        by_name["master"]["host"]
    }
    assert sorted(w["host"] for w in doc["clocks"]["workers"]) == ["load-b", "load-c"]

    hosts.close()
    assert machine_state() == before


def test_a_partition_and_its_heal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = machine_state()
    out = tmp_path / "partition"
    code = main(["run", str(PARTITION), "--out", str(out), "--no-summary"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    doc: dict[str, Any] = json.loads((out / "node-cut-from-redis.json").read_text())
    events = doc["events"]
    assert [(e["action"], e["target"], e["ok"]) for e in events] == [
        ("partition", "node-1 | redis-server", True),
        ("heal", "node-1 | redis-server", True),
    ], events
    assert all(abs(e["t_s"] - e["at_s"]) < 0.5 for e in events), events
    cut, heal = doc["faults"]
    series = list(zip(doc["timeseries"]["t_s"], doc["timeseries"]["p99_us"], strict=True))
    # The node's clients stay connected: nobody is dropped, nobody reconnects.
    assert cut["users_dropped"] == 0 and cut["reconnects"] == 0, cut
    assert doc["counters"]["unexpected_disconnects"] == 0
    # What was sent in the cut arrives late: the late window is the cut's own seconds,
    # ending within a second of the heal. (When delivery is timely again after the heal
    # also depends on the rest of the window being quiet, which a shared machine does
    # not promise: docs/loadtests.md gives it over repeats instead of a test.)
    late = cut["late_window_s"]
    assert late is not None and 6 <= late[0] < 7 and 9 <= late[1] <= 10, (cut, series)
    assert "partition node-1 | redis-server at 6.0 s:" in printed
    c = doc["counters"]
    assert c["delivered"] + c["lost"] == c["expected"] and c["leaked"] == 0, c
    print("partition:", c, cut, heal)
    hosts_of = {r["name"]: r.get("host") for r in doc["resources"]}
    assert (hosts_of["node-0"], hosts_of["node-1"], hosts_of["redis-server"]) == (
        "node-0",
        "node-1",
        "redis-server",
    )
    assert machine_state() == before
