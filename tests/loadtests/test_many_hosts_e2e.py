"""docs/loadtests.md "Running on many hosts", for real, across six test hosts.

Six network namespaces on one bridge (198.18.0.0/15), each its own network
stack: the Locust master on A, two workers on B and C under host names of their
own, two target_app nodes on D and E over a password-protected redis-server on
F. Every process is started with the command the docs give (``roombench
locust --master ...``, ``roombench worker --master A``, ``python -m target_app
--host D ...``, ``redis-server --bind F ...``), so the recipe cannot rot.

Wanted: exact accounting over 52,000 deliveries (4,000 a second for 13 s: the
issue's 50,000), one ``clocks`` entry per worker host, whose offsets are 0
within their uncertainty (one kernel clock: the known answer, so nothing is
corrected), the host of every process in the results, and the machine's
namespace and link lists as they were before.

``test_the_same_load_on_loopback`` runs the same commands and load with every
process on this machine's loopback: the fan-out figure to compare with (both
print theirs with ``-s``).

Slow: about 25 s each.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from loadtests.cluster.ports import LOOPBACK, free_port
from loadtests.cluster.processes import ManagedProcess
from loadtests.cluster.testhosts import TestHosts
from tests.loadtests.cluster.test_testhosts import machine_state
from tests.loadtests.conftest import MakeTestHosts

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
HOSTNAMES = {"A": "master-a", "B": "load-b", "C": "load-c"}
PASSWORD = "rehearsal"  # the docs' $REDIS_PASSWORD
LOAD = {  # 200 senders at 1/s in rooms of 20: 4,000 deliveries a second
    "users": 200,
    "rooms": 10,
    "rate_per_sender_per_s": 1.0,
    "warmup_s": 2.0,
    "window_s": 13.0,
    "drain_s": 2.0,
    "join_timeout_s": 30.0,
}
MIN_DELIVERIES = 50_000
RUN_BUDGET_S = 90.0


def roombench(*args: str) -> list[str]:
    """``roombench ARGS`` as this interpreter runs it (the same entry point)."""
    return [sys.executable, "-m", "loadtests.cli", *args]


def wait_healthy(url: str, process: ManagedProcess) -> None:
    def healthy() -> bool:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as reply:  # noqa: S310
            return bool(json.loads(reply.read()).get("ok"))

    process.wait_until(healthy, 30, "healthy (GET /healthz)")


FIXED_PORTS = {"D": 5000, "E": 5000, "F": 6379, "A": 5557}


@dataclass
class Placement:
    """Where each of the recipe's hosts A-F is: test hosts (own stacks, the docs'
    fixed ports) or this machine's loopback (free ports, for the comparison)."""

    address: Callable[[str], str]
    start: Callable[..., ManagedProcess]
    ports: dict[str, int] = field(default_factory=lambda: dict(FIXED_PORTS))


def on_test_hosts(hosts: TestHosts) -> Placement:
    return Placement(lambda host: hosts[host].address, hosts.start)


def start_servers(place: Placement) -> list[str]:
    """redis-server on F, target_app nodes on D and E (the docs' commands); node URLs."""
    redis_at, redis_port = place.address("F"), str(place.ports["F"])
    place.start(
        "F",
        "redis-server",
        ["redis-server", "--bind", redis_at, "--port", redis_port, "--requirepass", PASSWORD]
        + ["--save", "", "--appendonly", "no"],
    )
    urls = []
    for host in ("D", "E"):
        address, port = place.address(host), str(place.ports[host])
        node = place.start(
            host,
            f"node-{host}",
            [sys.executable, "-m", "target_app", "--host", address, "--port", port]
            + ["--async-mode", "eventlet", "--node-id", f"node-{host}"]
            + ["--message-queue", f"redis://:{PASSWORD}@{redis_at}:{redis_port}/0"],
            cwd=ROOT,
        )
        urls.append(f"http://{address}:{port}")
        wait_healthy(urls[-1], node)
    return urls


def run_recipe(place: Placement, urls: list[str], results: Path) -> dict[str, Any]:
    master_at, master_port = place.address("A"), str(place.ports["A"])
    master = place.start(
        "A",
        "master",
        roombench("locust", "--headless", "--master", "--expect-workers", "2")
        + ["--expect-workers-max-wait", "30"]
        + ["--master-bind-host", master_at, "--master-bind-port", master_port]
        + ["-u", "200", "-r", "200", "--host", urls[0], "--roombench-nodes", ",".join(urls)]
        + ["--roombench-scenario", json.dumps(LOAD), "--roombench-results", str(results)],
        cwd=ROOT,
    )
    for host in ("B", "C"):
        worker = roombench("worker", "--master", f"{master_at}:{master_port}")
        place.start(host, f"worker-{host}", worker, cwd=ROOT)
    deadline = time.monotonic() + RUN_BUDGET_S
    while master.alive():
        assert time.monotonic() < deadline, master.failure(f"ran past {RUN_BUDGET_S:.0f} s")
        time.sleep(0.2)
    code = master.stop()
    assert code == 0 and results.exists(), master.failure(f"exited with {code}")
    doc: dict[str, Any] = json.loads(results.read_text())
    c = doc["counters"]
    print(
        {k: c[k] for k in ("sent", "expected", "delivered", "lost")},
        "fan-out p50/p99 µs:",
        doc["latency"]["fanout"]["p50"],
        doc["latency"]["fanout"]["p99"],
        "self p50 µs:",
        doc["latency"]["self"]["p50"],
    )
    # Exact accounting.
    assert c["delivered"] == c["expected"] >= MIN_DELIVERIES, c
    assert (c["lost"], c["duplicated"], c["leaked"], c["errors"]) == (0, 0, 0, 0), c
    assert c["unexpected_disconnects"] == 0 and c["connects"] == LOAD["users"], c
    fanout, self_ = doc["latency"]["fanout"]["count"], doc["latency"]["self"]["count"]
    assert fanout + self_ == c["delivered"]
    assert "incomplete" not in doc["flags"] and "lost" not in doc["flags"], doc["flags"]
    return doc


def test_the_many_hosts_recipe_across_six_test_hosts(
    test_hosts: MakeTestHosts, tmp_path: Path
) -> None:
    before = machine_state()
    hosts = test_hosts(["A", "B", "C", "D", "E", "F"], hostnames=HOSTNAMES)
    place = on_test_hosts(hosts)
    urls = start_servers(place)
    print("\ncross-host:", end=" ")
    doc = run_recipe(place, urls, tmp_path / "results.json")  # exact, or it fails

    # One clocks entry per worker host; one kernel clock, so every offset is 0 within
    # its uncertainty and nothing is corrected.
    workers = doc["clocks"]["workers"]
    assert sorted(w["host"] for w in workers) == ["load-b", "load-c"]
    assert len({w["clock_id"] for w in workers}) == 1 and doc["clocks"]["cross_host"] is False
    for worker in workers:
        assert worker["rounds"] >= 2 and worker["applied_offset_ns"] == 0, worker
        assert abs(worker["offset_ns"]) <= worker["uncertainty_ns"], worker
        print("clock:", worker["host"], worker["offset_ns"], "±", worker["uncertainty_ns"], "ns")
    assert doc["latency"]["fanout"]["negative"] == 0

    # Where every process ran: the master on A, one generator on each worker host.
    hosts_of = {r["name"]: r.get("host") for r in doc["resources"]}
    assert sorted(hosts_of.values()) == ["load-b", "load-c", "master-a"], hosts_of

    # Each node served half the users, all through Redis on F.
    for url in urls:
        with urllib.request.urlopen(f"{url}/stats", timeout=2) as reply:  # noqa: S310
            stats = json.loads(reply.read())
        assert stats["message_queue"]["publish_failures"] == 0, stats["message_queue"]
        assert stats["message_queue"]["subscribed"] is True

    hosts.close()
    assert machine_state() == before


def test_the_same_load_on_loopback(tmp_path: Path) -> None:
    """The comparison for the cross-host fan-out: the same six processes, the same
    commands and load, every one on this machine's loopback (free ports)."""
    started: list[ManagedProcess] = []

    def start(host: str, name: str, argv: list[str], cwd: Path | None = None) -> ManagedProcess:
        process = ManagedProcess(name, argv, tmp_path / f"{name}.log", cwd=cwd)
        started.append(process)
        return process.start()

    ports = {host: free_port() for host in ("A", "D", "E", "F")}
    place = Placement(lambda host: LOOPBACK, start, ports)
    try:
        urls = start_servers(place)
        print("\nloopback:", end=" ")
        doc = run_recipe(place, urls, tmp_path / "results.json")  # exact, or it fails
    finally:
        for process in reversed(started):
            process.stop()
    assert doc["clocks"]["cross_host"] is False and not doc["clocks"]["split_by_worker"]
