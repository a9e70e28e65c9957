"""A stepped session against a real node: the users stay, each step is measured exactly.

One target_app node; one Locust run carries 20 users (10 rooms of 2) through
three rate steps (2, 4 and 1 message/s per sender, 2-s windows): each step's
document counts the sends of its own window at its own rate, delivers every
one of them (lost 0, nothing leaked or duplicated), and records its node CPU.
Nobody reconnected between steps: no step counts a connect or a disconnect.
A step that does not keep the users starts a second session. When the
session ends, its Locust processes are gone and its own results are complete.
Run under ``flock /tmp/roombench-load.lock``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from loadtests.capacity.session import StepRunner
from loadtests.cluster.supervisor import cluster
from loadtests.measure import results
from loadtests.orchestrate.locust_step import StepRun
from loadtests.orchestrate.progress import Progress
from loadtests.orchestrate.scenario_file import parse_scenario

pytestmark = pytest.mark.slow

USERS = 20
WINDOW_S = 2


def test_a_session_keeps_its_users_and_measures_each_step(tmp_path: Path) -> None:
    matrix = parse_scenario(
        {
            "name": "session",
            "load": {
                "users": USERS,
                "rooms": 10,
                "rate_per_sender_per_s": 2.0,
                "warmup_s": 1.5,
                "window_s": float(WINDOW_S),
                "drain_s": 1.0,
            },
            "config": [{"name": "one"}],
        }
    )
    [config] = matrix.configs
    base = matrix.load_for(config)
    docs: list[dict[str, Any]] = []
    log_dir = tmp_path / "logs"

    def step(runner: StepRunner, index: int, rate: float, keep_users: bool) -> dict[str, Any]:
        run = StepRun(
            out=tmp_path / "steps",
            stem=f"one.step{index:02d}",
            log_dir=log_dir,
            config_doc={"name": "one", "capacity_step": index},
            processes=1,
            run_id="session-test",
        )
        progress = Progress(f"step {index}", 5.0, say=lambda _line: None)
        doc = runner.measure(replace(base, rate_per_sender_per_s=rate), run, progress, keep_users)
        results.dump(doc, run.results_path)  # the document validates as any run's does
        return doc

    with (
        cluster(log_dir, config.cluster_spec(None, None)) as running,
        StepRunner(running, "one", reuse_users=True) as runner,
    ):
        for index, rate in enumerate((2.0, 4.0, 1.0), 1):
            docs.append(step(runner, index, rate, keep_users=True))
        assert runner.sessions == 1
        fresh = step(runner, 4, 2.0, keep_users=False)
        assert runner.sessions == 2

    for index, (doc, rate) in enumerate(zip(docs, (2.0, 4.0, 1.0), strict=True), 1):
        counters = doc["counters"]
        nominal = USERS * rate * WINDOW_S
        # Sends fall in the window by their send time: a slot due just before a
        # second's edge and sent just after it moves one send across.
        assert abs(counters["sent"] - nominal) <= 2, (index, counters)
        assert counters["expected"] == 2 * counters["sent"]  # rooms of 2, the sender's own too
        assert counters["delivered"] == counters["expected"]
        assert (counters["lost"], counters["leaked"], counters["duplicated"]) == (0, 0, 0)
        assert doc["scenario"]["rate_per_sender_per_s"] == rate
        assert doc["config"]["session_step"] == index
        assert doc["window"]["duration_s"] == WINDOW_S
        # The whole-run counters are those reported during the step: nobody left, and
        # after the first step (whose start a worker's report of the joins may trail
        # by a second) nobody connected.
        assert (counters["disconnects"], counters["errors"]) == (0, 0)
        assert counters["connects"] == 0 if index > 1 else counters["connects"] <= USERS
        assert "incomplete" not in doc["flags"]
        node = [r for r in doc["resources"] if r["role"] == "node"]
        assert node and node[0]["cpu_s_window"] > 0
    assert fresh["config"]["session_step"] == 1 and fresh["counters"]["lost"] == 0
    # Each session ended by itself on "stop" and wrote the whole session's results.
    for name in ("one.session1.json", "one.session2.json"):
        whole = results.load(tmp_path / "steps" / name)
        assert whole["counters"]["lost"] == 0 and "incomplete" not in whole["flags"]
