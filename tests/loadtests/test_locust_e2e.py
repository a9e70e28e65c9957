"""End to end: Locust (headless, a subprocess) against a real reference server.

Small and bounded: a few seconds of window each. Assertions are on behaviour
and exact counts, never on wall-clock speed (except the injected delay, which
is a lower bound the server guarantees).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import pytest

from loadtests.cluster.processes import ManagedProcess
from loadtests.model.load import Load
from loadtests.orchestrate.locust_cmd import LocustRun, build_argv

pytestmark = pytest.mark.slow

SMALL = {
    "users": 20,
    "rooms": 4,
    "senders": 20,
    "rate_per_sender_per_s": 5.0,
    "warmup_s": 1.0,
    "window_s": 3.0,
    "drain_s": 1.0,
    "join_timeout_s": 20.0,
}
RUN_BUDGET_S = 90.0


def run_locust(
    tmp_path: Path, urls: list[str], scenario: dict[str, Any], processes: int = 1, name: str = "run"
) -> dict[str, Any]:
    """Run Locust to completion in its own process group; return the results document."""
    results_path = tmp_path / f"{name}.json"
    run = LocustRun(
        scenario=Load.from_dict(scenario),
        node_urls=urls,
        results_path=results_path,
        config={"name": name},
        processes=processes,
        progress_path=tmp_path / f"{name}.progress.json",
    )
    proc = ManagedProcess(f"locust {name}", build_argv(run), tmp_path / f"{name}.log")
    try:
        proc.start()
        deadline = time.monotonic() + RUN_BUDGET_S
        while proc.alive():
            if time.monotonic() > deadline:
                raise proc.failure(f"did not finish within {RUN_BUDGET_S:.0f} s")
            time.sleep(0.2)
        code = proc.stop()
    finally:
        proc.stop()
    if not results_path.exists():
        raise proc.failure(f"exited with {code} without writing {results_path}")
    assert code == 0, proc.failure(f"exited with {code}")
    doc: dict[str, Any] = json.loads(results_path.read_text())
    return doc


def assert_consistent(doc: dict[str, Any]) -> None:
    c, lat = doc["counters"], doc["latency"]
    assert c["delivered"] == lat["fanout"]["count"] + lat["self"]["count"]
    assert c["lost"] == c["expected"] - c["delivered"]
    assert (
        sum(
            doc["timeseries"]["delivered"][i]
            for i, p in enumerate(doc["timeseries"]["phase"])
            if p == "window"
        )
        == c["delivered"]
    )
    assert "incomplete" not in doc["flags"], doc["flags"]


def test_no_fault_delivers_exactly_what_is_expected(node_factory: Any, tmp_path: Path) -> None:
    node = node_factory()
    doc = run_locust(tmp_path, [node.url], SMALL)
    c = doc["counters"]
    assert_consistent(doc)
    # Open model: 20 senders x 5/s x 3 s are due in the window; a send due at an
    # edge may land on either side of it (its t_ns is taken when it is emitted).
    assert abs(c["sent"] - 20 * 5 * 3) <= 20
    assert c["expected"] == c["sent"] * 5  # balanced rooms: 5 members each, sender included
    assert c["delivered"] == c["expected"]
    assert (c["lost"], c["duplicated"], c["leaked"], c["errors"]) == (0, 0, 0, 0)
    assert c["connects"] == 20 and doc["latency"]["connect"]["count"] == 20
    assert doc["latency"]["join"]["count"] == 20
    assert doc["latency"]["self"]["count"] == c["sent"]
    assert doc["generator"]["cpu_s"] > 0
    # A master and one worker (processes=1): both sampled.
    assert sorted((r["role"], r["name"]) for r in doc["resources"]) == [
        ("generator", "worker-0"),
        ("master", "master"),
    ]
    assert "lost" not in doc["flags"]


def test_injected_drops_are_counted_as_lost(node_factory: Any, tmp_path: Path) -> None:
    node = node_factory(extra_args=["--inject-drop-rate", "0.1"])
    doc = run_locust(tmp_path, [node.url], {**SMALL, "rate_per_sender_per_s": 10.0})
    c = doc["counters"]
    assert_consistent(doc)
    n, p = c["expected"], 0.1
    half_width = 2.576 * math.sqrt(n * p * (1 - p))  # 99 % binomial bounds
    assert n * p - half_width <= c["lost"] <= n * p + half_width, (c["lost"], n)
    assert c["leaked"] == 0 and c["duplicated"] == 0
    assert "lost" in doc["flags"]


def test_injected_delay_moves_fanout_latency(node_factory: Any, tmp_path: Path) -> None:
    node = node_factory(extra_args=["--inject-delay-ms", "20"])
    doc = run_locust(tmp_path, [node.url], SMALL)
    assert_consistent(doc)
    assert doc["counters"]["lost"] == 0
    assert doc["latency"]["fanout"]["p50"] >= 20_000
    assert doc["latency"]["fanout"]["min"] >= 20_000


def test_two_processes_merge_into_one_result(node_factory: Any, tmp_path: Path) -> None:
    node = node_factory()
    doc = run_locust(tmp_path, [node.url], SMALL, processes=2)
    c = doc["counters"]
    assert_consistent(doc)
    assert abs(c["sent"] - 20 * 5 * 3) <= 20
    # Σ over rooms of sends x members: equal only if global user indexes were unique.
    assert c["expected"] == c["sent"] * 5 == c["delivered"]
    names = sorted(r["name"] for r in doc["resources"])
    assert names == ["master", "worker-0", "worker-1"]
    assert doc["generator"]["processes"] == 2


def test_churn_loses_nothing_and_leaks_nothing(node_factory: Any, tmp_path: Path) -> None:
    node = node_factory()
    scenario = {
        **SMALL,
        "window_s": 4.0,
        "churn": {"leave_rejoin_per_user_per_min": 20.0, "reconnect_per_user_per_min": 10.0},
    }
    doc = run_locust(tmp_path, [node.url], scenario)
    c = doc["counters"]
    assert_consistent(doc)
    assert c["reconnects"] > 0
    assert (c["lost"], c["duplicated"], c["leaked"]) == (0, 0, 0)
    assert c["expected"] == c["delivered"] > 0


@pytest.mark.parametrize("user_class, members", [("broadcast", 10), ("echo", 1)])
def test_broadcast_and_echo_users(
    node_factory: Any, tmp_path: Path, user_class: str, members: int
) -> None:
    node = node_factory(async_mode="gevent")
    scenario = {**SMALL, "user_class": user_class, "users": 10, "senders": 5, "window_s": 2.0}
    doc = run_locust(tmp_path, [node.url], scenario)
    c = doc["counters"]
    assert_consistent(doc)
    assert c["expected"] == c["sent"] * members == c["delivered"] > 0
    assert (c["lost"], c["leaked"], c["duplicated"]) == (0, 0, 0)
    assert doc["latency"]["self"]["count"] == c["sent"]
