"""A stepped session, runner side: one Locust run carries a configuration's users
through the capacity search's rate steps.

On the rate axis a step changes only each sender's rate, so the users stay
connected and joined from one step to the next and a step costs its settle,
window and drain, not a Locust start and a join. The master measures each step
(``coordination.stepping``); the runner writes the next command into the
session's control directory, waits (bounded) for the step's results document,
and completes it with what only it saw (server CPU, RSS and run-queue wait over
that step's window, process exits, the saturation flag), exactly as
``locust_step.run_on_cluster`` completes a run's.
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

from loadtests import atomic
from loadtests.cluster.processes import ManagedProcess
from loadtests.cluster.supervisor import Cluster
from loadtests.coordination.stepping import COMMAND, step_path
from loadtests.orchestrate.locust_step import (
    StepRun,
    node_stats,
    run_budget_s,
    run_on_cluster,
    start_supervised,
    wait_for_locust,
)
from loadtests.orchestrate.progress import Progress
from loadtests.orchestrate.scenario import Scenario
from loadtests.orchestrate.supervision import Supervision

# The run's own window: the session ends by the runner's stop command, long before this.
SESSION_WINDOW_S = 6 * 3600.0
# Beyond a step's settle + window + drain: the sync round and building the document.
STEP_ALLOWANCE_S = 30.0
STOP_ALLOWANCE_S = 60.0  # the flush and the session's own results after "stop"
POLL_S = 0.2


class SteppedSession:
    """``with SteppedSession(...) as session: doc = session.measure(index, scenario, ...)``."""

    def __init__(self, running: Cluster, first: Scenario, run: StepRun) -> None:
        self.running = running
        self.first = first
        self.run = run
        self.control_dir = run.out / "logs" / f"{run.stem}.control"
        self.steps = 0
        self._stack = ExitStack()
        self._supervision: Supervision | None = None
        self._locust: ManagedProcess | None = None

    def __enter__(self) -> SteppedSession:
        run = self.run
        self.control_dir.mkdir(parents=True, exist_ok=True)
        for old in self.control_dir.glob("*.json"):
            old.unlink()
        with ExitStack() as stack:
            first = replace(self.first, window_s=SESSION_WINDOW_S)
            supervision, locust = start_supervised(
                stack, self.running, first, run, self.control_dir
            )
            self._stack = stack.pop_all()
        self._supervision, self._locust = supervision, locust
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None and self._locust is not None and self._locust.alive():
                atomic.write_text(self.control_dir / COMMAND, json.dumps({"stop": True}))
                progress = Progress(f"{self.run.stem} ending", 1.0)
                try:
                    wait_for_locust(
                        self._locust, progress, self.run.progress_path, STOP_ALLOWANCE_S
                    )
                finally:
                    progress.done()
        finally:
            self._stack.close()

    # Any values: a results document and its config, typed in model/results.py
    # (results branch) like locust_step's, whose shapes these are.
    def measure(
        self, scenario: Scenario, config_doc: dict[str, Any], progress: Progress
    ) -> dict[str, Any]:
        """Step at ``scenario``'s rate for its ``window_s``; the completed results document."""
        assert self._locust is not None and self._supervision is not None
        locust = self._locust
        self.steps += 1
        index = self.steps
        command = {
            "index": index,
            "rate": scenario.rate_per_sender_per_s,
            "window_s": scenario.window_s,
            "config": config_doc,
        }
        atomic.write_text(self.control_dir / COMMAND, json.dumps(command))
        path = step_path(self.control_dir, index)
        if index == 1:  # Locust starts; every user connects and joins
            budget_s = run_budget_s(scenario, self.run.processes) + STEP_ALLOWANCE_S
        else:
            budget_s = scenario.warmup_s + scenario.window_s + scenario.drain_s + STEP_ALLOWANCE_S
        deadline = time.monotonic() + budget_s
        while not path.exists():
            if not locust.alive():
                raise locust.failure(
                    f"exited (code {locust.stop()}) before step {index} was measured"
                )
            if time.monotonic() > deadline:
                raise locust.failure(f"step {index} was not measured within {budget_s:.0f} s")
            progress.tick(self.run.progress_path)
            time.sleep(POLL_S)
        doc: dict[str, Any] = json.loads(path.read_text())  # a results document (see above)
        self._supervision.complete(doc)
        doc["server_stats"] = [node_stats(node) for node in self.running.nodes]
        doc["config"] = {**doc.get("config", {}), **config_doc, "session_step": index}
        return doc


class StepRunner:
    """How one configuration's steps run: in stepped sessions where the axis allows, else
    one Locust run each (``locust_step.run_on_cluster``).

    A session carries its users only from a *passing* step at the same worker count:
    after a step that failed or was generator-limited the server may still hold a
    backlog, and fresh connections (a new session) measure the next step from a clean
    start, as a restart always did.
    """

    def __init__(self, running: Cluster, name: str, reuse_users: bool) -> None:
        self.running = running
        self.name = name
        self.reuse_users = reuse_users
        self.sessions = 0
        self._session: SteppedSession | None = None

    def __enter__(self) -> StepRunner:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._end(*exc)

    # Any values: a results document, typed in model/results.py (results branch).
    def measure(
        self, scenario: Scenario, step: StepRun, progress: Progress, keep_users: bool
    ) -> dict[str, Any]:
        """The completed results document of one step."""
        if not self.reuse_users:
            return run_on_cluster(self.running, scenario, step, progress)
        session = self._session
        if session is not None and (not keep_users or session.run.processes != step.processes):
            self._end(None, None, None)
            session = None
        if session is None:
            self.sessions += 1
            run = replace(step, stem=f"{self.name}.session{self.sessions}")
            session = self._session = SteppedSession(self.running, scenario, run).__enter__()
        return session.measure(scenario, step.config_doc, progress)

    def _end(self, *exc: Any) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.__exit__(*exc)
