"""One headless Locust run against a cluster that is already up, watched and completed.

The capacity search keeps its cluster running across steps and calls this
once per step, so a step costs a Locust start and a join, not a server
restart. The run is supervised like any other (``Supervision``: CPU, RSS and
run-queue wait of every server process, exits, host load), and the results
file Locust's master wrote is completed with what only the runner knows.
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtests.cluster.processes import ManagedProcess
from loadtests.cluster.supervisor import Cluster
from loadtests.measure import results
from loadtests.model.json_object import JsonObject
from loadtests.model.load import Load
from loadtests.model.results import ResultsDoc
from loadtests.orchestrate import external_workers
from loadtests.orchestrate.external_workers import ExternalWorkers
from loadtests.orchestrate.locust_cmd import MAX_SPAWN_RATE_PER_PROCESS, LocustRun, build_argv
from loadtests.orchestrate.progress import Progress
from loadtests.orchestrate.supervision import Supervision

# Time Locust may take beyond warm-up + window + drain and spawning its users:
# starting its workers, the joins, flushing and writing results.
OVERHEAD_ALLOWANCE_S = 90.0


def run_budget_s(load: Load, processes: int) -> float:
    """How long a Locust run of ``load`` may take before it is stopped as stuck: its
    phases, spawning every user at Locust's spawn rate, and the overhead allowance."""
    spawn_rate = max(1, min(load.users, MAX_SPAWN_RATE_PER_PROCESS * max(1, processes)))
    spawning_s = load.users / spawn_rate
    return load.warmup_s + load.window_s + load.drain_s + spawning_s + OVERHEAD_ALLOWANCE_S


@dataclass(frozen=True)
class StepRun:
    """Where one run writes (``out``/``stem``.json, logs under ``log_dir``) and what it records."""

    out: Path
    stem: str
    log_dir: Path
    config_doc: JsonObject
    processes: int = 1
    run_id: str | None = None
    repeat: int = 0
    external: ExternalWorkers | None = None  # workers started elsewhere (``processes`` of them)

    @property
    def budget_extra_s(self) -> float:
        """Beyond ``run_budget_s``: the master's wait for external workers."""
        return self.external.wait_s if self.external is not None else 0.0

    @property
    def results_path(self) -> Path:
        return self.out / f"{self.stem}.json"

    @property
    def progress_path(self) -> Path:
        return self.out / "logs" / f"{self.stem}.progress.json"


def start_supervised(
    stack: ExitStack,
    running: Cluster,
    load: Load,
    step: StepRun,
    control_dir: Path | None = None,
) -> tuple[Supervision, ManagedProcess]:
    """Start watching ``running`` and a Locust run of ``load`` for ``step``; both are
    stopped when ``stack`` closes. ``control_dir``: a stepped session's."""
    supervision = Supervision.start(running, (), step.progress_path)
    stack.callback(supervision.stop)
    run = LocustRun(
        scenario=load,
        node_urls=running.urls,
        config=step.config_doc,
        results_path=step.results_path,
        progress_path=step.progress_path,
        processes=step.processes,
        run_id=step.run_id,
        repeat=step.repeat,
        control_dir=control_dir,
        external=step.external,
    )
    locust = ManagedProcess(
        f"locust ({step.stem})", build_argv(run), step.log_dir / f"{step.stem}.locust.log"
    )
    locust.cpus = running.generator_cpus
    stack.callback(locust.stop)
    locust.start()
    supervision.watch_locust(locust)
    return supervision, locust


def run_on_cluster(running: Cluster, load: Load, step: StepRun, progress: Progress) -> ResultsDoc:
    """Run Locust with ``load`` against ``running``; return the completed results document."""
    budget_s = run_budget_s(load, step.processes) + step.budget_extra_s
    with ExitStack() as stack:
        supervision, locust = start_supervised(stack, running, load, step)
        code = wait_for_locust(locust, progress, step.progress_path, budget_s)
        supervision.stop()
        never_came = external_workers.failure(step.external, locust.log_path)
        if never_came is not None:
            raise never_came
        if not step.results_path.exists():
            raise locust.failure(f"exited (code {code}) without writing {step.results_path}")
        doc: ResultsDoc = json.loads(step.results_path.read_text())  # dump() validates it
        supervision.complete(doc)
        doc["server_stats"] = [node_stats(node) for node in running.nodes]
        doc["config"] = {**doc.get("config", {}), **step.config_doc}
        results.dump(doc, step.results_path)
        return doc


def wait_for_locust(
    locust: ManagedProcess, progress: Progress, progress_path: Path, budget_s: float
) -> int | None:
    """Show progress until Locust ends by itself (bounded by ``budget_s``); its exit code."""
    deadline = time.monotonic() + budget_s
    while locust.alive():
        progress.tick(progress_path)
        if time.monotonic() > deadline:
            raise locust.failure(f"did not finish within {budget_s:.0f} s")
        time.sleep(0.5)
    return locust.stop()


def node_stats(node: Any) -> JsonObject:
    """A node's ``GET /stats`` (or the error that stopped it), named."""
    try:
        return {"node": f"node-{node.index}", **node.stats()}
    except OSError as exc:
        return {"node": f"node-{node.index}", "error": str(exc)}
