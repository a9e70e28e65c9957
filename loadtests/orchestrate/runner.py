"""Run a scenario's configurations one after another and collect their results.

For each (configuration, repeat) in A B A B order: start the cluster (private
redis-server when queued, N nodes on free loopback ports), run Locust headless
as its own process group against it, watch and sample every process it started
(``Supervision``: CPU, RSS, run-queue wait, exits, the fault timeline), fetch
every node's /stats, and complete the results file Locust's master wrote with
what only the runner knows (server processes, exits, events and what they
cost, redis version, config).
Everything is stopped by process group when a configuration ends — normally,
on error, on timeout or on Ctrl-C.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from loadtests import atomic
from loadtests.abuse import effect as abuse_effect
from loadtests.abuse.process import AbuseProcess
from loadtests.cluster.processes import ManagedProcess, ProcessError
from loadtests.cluster.supervisor import cluster, find_redis_server
from loadtests.cluster.targets import NOT_MEASURED, describe, fetch_stats
from loadtests.cluster.testhosts import TestHostError, require_privileges
from loadtests.measure import faults, results, speed
from loadtests.model import strict
from loadtests.model.json_object import JsonObject
from loadtests.model.load import ScenarioError
from loadtests.model.results import ResultsDoc
from loadtests.orchestrate import external_workers
from loadtests.orchestrate.config_spec import ConfigSpec, ReferenceServer, RunningTarget
from loadtests.orchestrate.external_workers import ExternalWorkers
from loadtests.orchestrate.locust_cmd import LocustRun, build_argv
from loadtests.orchestrate.locust_step import run_budget_s, wait_for_locust
from loadtests.orchestrate.progress import Progress
from loadtests.orchestrate.scenario_file import Scenario
from loadtests.orchestrate.supervision import Supervision
from loadtests.orchestrate.timeline import check_window
from loadtests.users.probe import MARKER as PROTOCOL_MISMATCH


@dataclass(frozen=True)
class RunOptions:
    """How to run a matrix. ``window_s`` overrides the scenario's window when set;
    ``external``: Locust workers started elsewhere instead of local ones."""

    out_dir: Path
    window_s: float | None = None
    redis_url: str | None = None
    redis_binary: str | None = None
    external: ExternalWorkers | None = None
    locustfile: Path = Path(__file__).resolve().parents[1] / "locustfile.py"


@dataclass
class ConfigOutcome:
    """What happened to one (configuration, repeat)."""

    config: str
    repeat: int
    results_path: str | None = None
    error: str | None = None
    wall_s: float = 0.0


@dataclass
class Manifest:
    """``run.json``: what was run, in which order, and where each result went."""

    run_id: str
    scenario_file: str
    matrix: JsonObject  # the scenario file as parsed (Scenario.to_dict)
    command: list[str]
    started_utc: str
    finished_utc: str | None = None
    status: str = "running"
    outcomes: list[ConfigOutcome] = field(default_factory=list)

    def write(self, out_dir: Path) -> Path:
        doc = dict(self.__dict__)
        doc["outcomes"] = [o.__dict__ for o in self.outcomes]
        return atomic.write_text(out_dir / "run.json", json.dumps(doc, indent=1) + "\n")


def redis_server_version(binary: str | None) -> str | None:
    """``redis-server --version``'s v=X.Y.Z, or None when there is no binary."""
    try:
        out = subprocess.run(
            [find_redis_server(binary), "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (ProcessError, OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"v=(\S+)", out)
    return match.group(1) if match else None


def results_name(config: ConfigSpec, repeat_index: int, repeats: int) -> str:
    return config.name if repeats == 1 else f"{config.name}.{repeat_index}"


def run_config(
    matrix: Scenario,
    config: ConfigSpec,
    repeat_index: int,
    options: RunOptions,
    progress: Progress,
) -> Path:
    """Run one configuration once; return the completed results file."""
    load = matrix.load_for(config)
    if options.window_s is not None:
        load = replace(load, window_s=options.window_s)
    stem = results_name(config, repeat_index, matrix.repeat)
    out = options.out_dir
    results_path = out / f"{stem}.json"
    progress_path = out / "logs" / f"{stem}.progress.json"
    log_dir = out / "logs" / stem
    processes, why = matrix.processes_for(config, load)
    external = options.external
    if external is not None:
        processes, why = external.count, f"external workers, master at {external.address}"
    budget_s = run_budget_s(load, processes) + (external.wait_s if external else 0.0)
    own_doc = config.to_dict()  # every kind writes the fault keys (0 but for target_app)
    config_doc = {
        **own_doc,
        "server_args": config.target_app_args(),
        "faults": {
            "inject_delay_ms": own_doc["inject_delay_ms"],
            "inject_drop_rate": own_doc["inject_drop_rate"],
        },
        "generator_processes": processes,
        **({"generator_processes_auto": why} if why else {}),
    }
    cpu_plan = matrix.cpu_plan_for(config)
    before = speed.probe_schema("before", cpu_plan)
    with ExitStack() as stack:
        spec = replace(
            config.cluster_spec(options.redis_url, options.redis_binary), cpu_plan=cpu_plan
        )
        running = stack.enter_context(cluster(log_dir, spec))
        supervision = Supervision.start(running, config.events, progress_path)
        stack.callback(supervision.stop)
        run = LocustRun(
            locustfile=options.locustfile,
            scenario=load,
            node_urls=running.urls,
            config=config_doc,
            results_path=results_path,
            progress_path=progress_path,
            csv_prefix=out / stem,
            processes=processes,
            run_id=out.name,
            repeat=repeat_index,
            external=external,
        )
        locust = ManagedProcess(f"locust ({config.name})", build_argv(run), log_dir / "locust.log")
        locust.cpus = running.generator_cpus
        stack.callback(locust.stop)
        locust.start()
        supervision.watch_locust(locust)
        abuser = None
        if config.abuse is not None:  # hostile clients beside the load (loadtests/abuse)
            abuser = AbuseProcess(
                config.abuse, running.urls, load, progress_path, log_dir, budget_s
            )
            abuser.cpus = running.generator_cpus  # a client like the generator's
            stack.callback(abuser.stop)
            supervision.sampler.watch("abuse", "abuse", abuser.start().pid)
        code = wait_for_locust(locust, progress, progress_path, budget_s)
        abuse_report = abuser.finish() if abuser is not None else None
        supervision.stop()
        after = speed.probe_schema("after", cpu_plan)
        mismatch = protocol_mismatch(locust.log_path)
        if mismatch is not None:
            raise locust.failure(mismatch)
        never_came = external_workers.failure(external, locust.log_path)
        if never_came is not None:
            raise never_came
        if not results_path.exists():
            raise locust.failure(f"exited (code {code}) without writing {results_path}")
        doc: ResultsDoc = json.loads(results_path.read_text())  # dump() validates it
        node_stats: list[JsonObject] = []
        for node in running.nodes:
            try:
                node_stats.append({"node": f"node-{node.index}", **node.stats()})
            except OSError as exc:
                node_stats.append({"node": f"node-{node.index}", "error": str(exc)})
        for target in running.targets:
            if target.stats:  # a target_app node the runner did not start
                try:
                    stats = fetch_stats(target.url)
                    # the runner's name for it; the server's own --node-id as node_id
                    stats["node_id"] = stats.get("node")
                    node_stats.append({**stats, "node": f"node-{target.index}"})
                except (OSError, ValueError) as exc:
                    node_stats.append({"node": f"node-{target.index}", "error": str(exc)})
        supervision.complete(doc)
        doc["machine"]["speed"] = speed.combined([before, after])
        doc["server_stats"] = node_stats
        if abuse_report is not None:
            abuse_effect.fold(doc, abuse_report)
        doc["config"] = {**doc.get("config", {}), **config_doc}
        doc["config_name"] = config.name
        doc["repeat"] = repeat_index
        doc["run_id"] = out.name
        doc["versions"]["redis_server"] = (
            redis_server_version(options.redis_binary) if config.queue == "redis" else None
        )
        add_protocol(doc, config, running.targets)
        if isinstance(config, ReferenceServer) and (
            config.inject_delay_ms or config.inject_drop_rate
        ):
            doc["flags"]["faults_injected"] = (
                f"inject_delay_ms={config.inject_delay_ms}, "
                f"inject_drop_rate={config.inject_drop_rate}"
            )
        results.dump(doc, results_path)
    return results_path


def add_protocol(doc: ResultsDoc, config: ConfigSpec, targets: list[Any]) -> None:
    """The results' ``protocol`` section, and flags for what a foreign server leaves unmeasured."""
    protocol = config.protocol
    doc["protocol"] = summary = protocol.summary()
    if not protocol.join_ack:
        doc["flags"]["join_unconfirmed"] = (
            f"profile {protocol.name!r} has join_ack = false: {summary['join_guarantee']}"
        )
    if targets and any(not t.measured for t in targets):
        doc["flags"]["server_not_measured"] = NOT_MEASURED


def protocol_mismatch(log_path: Path) -> str | None:
    """The users' "nothing recognised in the warm-up" line from Locust's log, if any."""
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        at = line.find(PROTOCOL_MISMATCH)
        if at >= 0:
            return "stopped: " + line[at:]
    return None


def run_scenario(
    matrix: Scenario,
    options: RunOptions,
    manifest: Manifest,
    say: Callable[[str], None] = print,
) -> Manifest:
    """Run every (configuration, repeat) of ``matrix``; a failed one is recorded, the rest go on."""
    check_events(matrix, options)
    plan = matrix.plan()
    for index, (config, repeat_index) in enumerate(plan):
        load = matrix.load_for(config)
        per_run_s = load.warmup_s + (options.window_s or load.window_s) + load.drain_s
        label = f"[{index + 1}/{len(plan)}] {results_name(config, repeat_index, matrix.repeat)}"
        server = config.server_text()
        protocol = "" if config.protocol.is_reference else f", profile {config.protocol.name}"
        say(f"{label}: {config.nodes} node(s), queue {config.queue}, {server}{protocol}")
        for url in config.target if isinstance(config, RunningTarget) else ():
            where = describe(url)
            if where is not None:
                say(f"{label}: {where}")
        outcome = ConfigOutcome(config.name, repeat_index)
        manifest.outcomes.append(outcome)
        started = time.monotonic()
        progress = Progress(label, per_run_s, say)
        try:
            outcome.results_path = str(run_config(matrix, config, repeat_index, options, progress))
        except ProcessError as exc:
            outcome.error = str(exc)
            say(f"{label}: FAILED\n{exc}")
        finally:
            outcome.wall_s = round(time.monotonic() - started, 1)
            progress.done()
            manifest.write(options.out_dir)
        if outcome.results_path is not None:
            for line in fault_lines(Path(outcome.results_path)):
                say(f"{label}: {line}")
    return manifest


def check_events(matrix: Scenario, options: RunOptions) -> None:
    """Fail before anything runs when a fault timeline cannot run as these options ask.

    ``--duration`` shortens every window: an event beyond it would never fire.
    ``--redis-url`` uses a Redis the harness did not start and cannot kill.
    """
    for config in matrix.configs:
        if config.test_hosts:
            where = f"{matrix.source} [[config]] {config.name!r}.test_hosts"
            try:
                require_privileges()
            except TestHostError as exc:
                strict.fail(where, str(exc), "test_hosts = false, or run as root", ScenarioError)
            if options.redis_url is not None:
                strict.fail(
                    "--redis-url",
                    f"configuration {config.name!r} places its own redis-server on a test host",
                    "leave out --redis-url, or --only configurations without test_hosts",
                    ScenarioError,
                )
        if not config.events:
            continue
        where = f"{matrix.source} [[config]] {config.name!r} [[config.events]]"
        if options.window_s is not None:
            try:
                check_window(config.events, options.window_s, where, ScenarioError)
            except ScenarioError as exc:
                raise ScenarioError(f"--duration {options.window_s:g}: {exc}") from exc
        if options.redis_url is not None and any(e.node is None for e in config.events):
            strict.fail(
                "--redis-url",
                f"configuration {config.name!r} has Redis events, but a Redis the harness "
                "did not start cannot be killed, paused or restarted",
                "leave out --redis-url (the harness starts its own redis-server), "
                "or use --only for configurations without Redis events",
                ScenarioError,
            )


def fault_lines(results_path: Path) -> list[str]:
    """The terminal's account of a run's faults: exits nobody planned, then each event."""
    doc = json.loads(results_path.read_text())
    lines = [
        f"{flag}: {doc['flags'][flag]}"
        for flag in ("node_died", "redis_died")
        if flag in doc.get("flags", {})
    ]
    lines += [f"fault {faults.describe(row)}" for row in doc.get("faults", [])]
    return lines
