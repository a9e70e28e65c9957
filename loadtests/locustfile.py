"""roombench's locustfile: Socket.IO room fan-out latency and delivery accounting.

    locust -f loadtests/locustfile.py --host http://127.0.0.1:5000            # web UI
    locust -f loadtests/locustfile.py --headless -u 200 -r 50 --host http://127.0.0.1:5000 \\
        --roombench-scenario '{"users": 200, "rooms": 10, "window_s": 30}' \\
        --roombench-results results.json

Works on one process, with ``--processes N``, and with separate ``--master`` /
``--worker`` processes. The test ends by itself (no ``-t``): once every user
has joined, the master opens the measurement window, waits for the drain,
collects every process's final report, writes one results JSON
(docs/results-schema.md) and quits. See docs/loadtests.md.

Options (each also from an environment variable):
``--roombench-scenario`` JSON of loadtests.orchestrate.scenario.Scenario (ROOMBENCH_SCENARIO);
``--roombench-nodes`` comma-separated node URLs, default ``--host`` (ROOMBENCH_NODES);
``--roombench-config`` JSON copied to the results' ``config`` (ROOMBENCH_CONFIG);
``--roombench-results`` where the results JSON goes (ROOMBENCH_RESULTS,
default ./roombench-results.json); ``--roombench-progress`` a live progress
JSON (ROOMBENCH_PROGRESS); ``--roombench-run-id`` / ``--roombench-repeat``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from locust import events
from locust.env import Environment
from locust.runners import WorkerRunner

from loadtests.coordination.agent import install_worker
from loadtests.coordination.coordinator import Coordinator
from loadtests.coordination.messages import RunSettings
from loadtests.orchestrate.scenario import Scenario, ScenarioError
from loadtests.users.bench_user import USER_CLASSES, BroadcastUser, EchoUser, RoomUser

__all__ = ["RoomUser", "BroadcastUser", "EchoUser"]
log = logging.getLogger("roombench")


@events.init_command_line_parser.add_listener
def add_options(parser: Any) -> None:
    group = parser.add_argument_group("roombench")
    group.add_argument(
        "--roombench-scenario",
        env_var="ROOMBENCH_SCENARIO",
        default="{}",
        help="JSON of the Scenario (users, rooms, rates, window_s...); default: its defaults",
    )
    group.add_argument(
        "--roombench-nodes",
        env_var="ROOMBENCH_NODES",
        default="",
        help="comma-separated node URLs users are spread over; default: --host",
    )
    group.add_argument(
        "--roombench-config",
        env_var="ROOMBENCH_CONFIG",
        default="{}",
        help="JSON describing the server configuration, copied to the results",
    )
    group.add_argument(
        "--roombench-results",
        env_var="ROOMBENCH_RESULTS",
        default="roombench-results.json",
        help="where the master writes the results JSON",
    )
    group.add_argument(
        "--roombench-progress",
        env_var="ROOMBENCH_PROGRESS",
        default="",
        help="a JSON file the master rewrites each second with the run's progress",
    )
    group.add_argument(
        "--roombench-run-id",
        env_var="ROOMBENCH_RUN_ID",
        default="",
        help="run id written to the results (default: a UTC timestamp)",
    )
    group.add_argument(
        "--roombench-repeat",
        env_var="ROOMBENCH_REPEAT",
        type=int,
        default=0,
        help="repeat index written to the results",
    )


def settings_from(options: Any) -> RunSettings:
    """The run's settings from the parsed options; ScenarioError names a bad one."""
    try:
        scenario_doc = json.loads(options.roombench_scenario or "{}")
        config = json.loads(options.roombench_config or "{}")
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"--roombench-scenario/--roombench-config: not JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise ScenarioError(f"--roombench-config: expected a JSON object, got {config!r}")
    nodes = tuple(
        u.strip().rstrip("/") for u in (options.roombench_nodes or "").split(",") if u.strip()
    )
    return RunSettings(
        scenario=Scenario.from_dict(scenario_doc),
        node_urls=nodes,
        config=config,
        results_path=Path(options.roombench_results),
        progress_path=Path(options.roombench_progress) if options.roombench_progress else None,
        run_id=options.roombench_run_id or None,
        repeat=options.roombench_repeat,
    )


@events.init.add_listener
def on_init(environment: Environment, **_kw: Any) -> None:
    install_worker(environment)
    if isinstance(environment.runner, WorkerRunner):
        return  # workers get the scenario from the master's layout message
    settings = settings_from(environment.parsed_options)
    # Run only the scenario's user class (the others stay available to workers by name).
    chosen = USER_CLASSES[settings.scenario.user_class]
    environment.user_classes[:] = [chosen]
    if not settings.node_urls and not environment.host:
        raise ScenarioError("no target: pass --host http://127.0.0.1:PORT or --roombench-nodes")
    Coordinator(environment, settings).install()
