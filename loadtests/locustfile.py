"""roombench's locustfile: Socket.IO room fan-out latency and delivery accounting.

    roombench locust --host http://127.0.0.1:5000 --roombench-scenario '{"users": 50, "rooms": 5}'
    locust -f loadtests/locustfile.py --web-host 127.0.0.1 --host http://127.0.0.1:5000   # web UI
    locust -f loadtests/locustfile.py --headless -u 200 -r 50 --host http://127.0.0.1:5000 \\
        --roombench-scenario '{"users": 200, "rooms": 10, "window_s": 30}' \\
        --roombench-results results.json

Works on one process, with ``--processes N``, and with separate ``--master`` /
``--worker`` processes. The test ends by itself (no ``-t``): once every user
has joined, the master opens the measurement window, waits for the drain,
collects every process's final report, writes one results JSON
(docs/results-schema.md) and quits (headless) or stops (web UI). See
docs/loadtests.md.

By hand, nothing recorded can lie about the load: the web UI's form starts
with the scenario's users; a test started with another user count is
recorded as that many users (``config.load_adopted`` says what the scenario
said, and the gate calls the comparison inconclusive: different load); an
existing results file is never overwritten (``-1``, ``-2``... is appended to
the name), and the absolute path is logged. A bad option is one line on
stderr and exit code 2. The web UI gets a "Fan-out" tab (loadtests/webui).

Locust prints ``--help`` before it imports a locustfile, so ``locust --help``
cannot list these options; ``roombench locust --help`` does (with defaults).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from locust import events
from locust.env import Environment
from locust.runners import WorkerRunner

from loadtests.coordination.agent import install_worker
from loadtests.coordination.clock_exchange import with_test_clock
from loadtests.coordination.coordinator import Coordinator
from loadtests.coordination.messages import RunSettings
from loadtests.csv_writer_stop import stop_csv_writer
from loadtests.model.exit_codes import EXIT_USAGE
from loadtests.model.json_object import JsonObject
from loadtests.model.load import Load, ScenarioError
from loadtests.model.profile import ProfileError, load_profile
from loadtests.users.bench_user import USER_CLASSES, BroadcastUser, EchoUser, RoomUser
from loadtests.webui.install import install_web_ui

__all__ = ["RoomUser", "BroadcastUser", "EchoUser"]
log = logging.getLogger("roombench")
MAX_SPAWN_RATE_PER_PROCESS = 100  # as the runner's (locust_cmd): Locust warns above it
DEFAULT_RESULTS = "roombench-results.json"

# (option, environment variable, default, help); the help shows the default.
OPTIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "--roombench-scenario",
        "ROOMBENCH_SCENARIO",
        "{}",
        "JSON of the Load (users, rooms, senders, rate_per_sender_per_s, window_s...; "
        "docs/loadtests.md); missing keys take their defaults (users 200, senders all users)",
    ),
    (
        "--roombench-nodes",
        "ROOMBENCH_NODES",
        "",
        "comma-separated node URLs users are spread over (default: --host)",
    ),
    (
        "--roombench-config",
        "ROOMBENCH_CONFIG",
        "{}",
        "JSON object describing the server configuration, copied to the results",
    ),
    (
        "--roombench-results",
        "ROOMBENCH_RESULTS",
        DEFAULT_RESULTS,
        "where the master writes the results JSON; an existing file is kept and -1, -2... "
        "is appended to the new one's name",
    ),
    (
        "--roombench-progress",
        "ROOMBENCH_PROGRESS",
        "",
        "a JSON file the master rewrites each second with the run's progress (default: none)",
    ),
    (
        "--roombench-run-id",
        "ROOMBENCH_RUN_ID",
        "",
        "run id written to the results (default: a UTC timestamp)",
    ),
    ("--roombench-repeat", "ROOMBENCH_REPEAT", "0", "repeat index written to the results"),
    (
        "--roombench-control",
        "ROOMBENCH_CONTROL",
        "",
        "a directory that makes the run a stepped session: the master takes rate steps from "
        "its command.json and writes each step's results there (coordination.stepping)",
    ),
    (
        "--roombench-profile",
        "ROOMBENCH_PROFILE",
        "",
        "protocol profile of the server: a name in loadtests/profiles/ (reference, "
        "python-socketio-chat, node-socketio-chat) or a TOML file (default: the reference's)",
    ),
)


@events.init_command_line_parser.add_listener
def add_options(parser: Any) -> None:
    group = parser.add_argument_group("roombench")
    for option, env_var, default, text in OPTIONS:
        kind = int if option == "--roombench-repeat" else str
        group.add_argument(
            option,
            env_var=env_var,
            type=kind,
            default=kind(default),
            help=f"{text} [env {env_var}; default: {default!r}]",
        )


def settings_from(options: Any) -> RunSettings:
    """The run's settings from the parsed options; ScenarioError names a bad one."""
    scenario_doc = _json_option(options.roombench_scenario, "--roombench-scenario")
    config = _json_option(options.roombench_config, "--roombench-config")
    nodes = tuple(
        u.strip().rstrip("/") for u in (options.roombench_nodes or "").split(",") if u.strip()
    )
    for url in nodes:
        if not url.startswith(("http://", "https://")):
            raise ScenarioError(
                f"--roombench-nodes: {url!r} is not an http(s) URL; "
                "allowed: comma-separated URLs like http://127.0.0.1:5000"
            )
    try:
        scenario = Load.from_dict(scenario_doc)
    except ScenarioError as exc:
        raise ScenarioError(f"--roombench-scenario: {exc}") from exc
    if getattr(options, "roombench_profile", ""):
        try:
            scenario = replace(scenario, protocol=load_profile(options.roombench_profile))
        except ProfileError as exc:
            raise ScenarioError(str(exc).replace("--profile", "--roombench-profile", 1)) from exc
    control = getattr(options, "roombench_control", "")
    return RunSettings(
        scenario=scenario,
        node_urls=nodes,
        config=config,
        results_path=Path(options.roombench_results),
        progress_path=Path(options.roombench_progress) if options.roombench_progress else None,
        run_id=options.roombench_run_id or None,
        repeat=options.roombench_repeat,
        control_dir=Path(control) if control else None,
    )


def _json_option(text: str, option: str) -> JsonObject:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"{option}: not JSON ({exc.msg} at character {exc.pos}); "
            """allowed: a JSON object like '{"users": 50, "rooms": 5}'"""
        ) from exc
    if not isinstance(value, dict):
        raise ScenarioError(f"{option}: {value!r} is not a JSON object; allowed: {{...}}")
    return value


def spawn_rate_for(scenario: Load, processes: int = 1) -> float:
    """A spawn rate that has every user started well inside the join timeout.

    The runner's rate (``min(users, 100 a process)``): everyone starts within about
    a second, leaving the join timeout for connecting and joining.
    """
    return float(max(1, min(scenario.users, MAX_SPAWN_RATE_PER_PROCESS * max(1, processes))))


def adopted(scenario: Load, users: int) -> Load:
    """``scenario`` with ``users`` users (the count the test was started with).

    Senders follow: "every user" stays every user, a subset is capped at ``users``.
    """
    senders = users if scenario.senders == scenario.users else min(scenario.senders, users)
    return replace(scenario, users=users, senders=senders)


def free_results_path(path: Path) -> Path:
    """``path``, or ``NAME-1.json``, ``NAME-2.json``... when it exists: never overwrite."""
    if not path.exists():
        return path
    for n in range(1, 10_000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise ScenarioError(
        f"--roombench-results: {path} and 9,999 numbered siblings exist; allowed: a new file name"
    )


class ByHand:
    """What a test started by hand (web UI, ``-u``) changes in the coordinator's settings.

    Runs before the coordinator's own ``test_start`` listener: it adopts the
    started user count and picks a results file that does not exist yet.
    """

    def __init__(self, environment: Environment, coordinator: Coordinator) -> None:
        self.environment = environment
        self.coordinator = coordinator
        self.original = coordinator.settings

    def on_test_start(self, environment: Environment, **_kw: Any) -> None:
        settings = self.original
        started = int(getattr(environment.runner, "target_user_count", 0) or 0)
        config = dict(settings.config)
        scenario = settings.scenario
        if started and started != scenario.users:
            scenario = adopted(scenario, started)
            config["load_adopted"] = (
                f"started with {started} users; the scenario said {settings.scenario.users} "
                f"(senders {settings.scenario.senders} -> {scenario.senders})"
            )
            log.warning(
                "roombench: %d users started, the scenario has %d: recording a %d-user run "
                "(config.load_adopted); compare it only with runs of the same load",
                started,
                settings.scenario.users,
                started,
            )
        path = free_results_path(settings.results_path)
        if path != settings.results_path:
            log.warning("roombench: %s exists; this test writes %s", settings.results_path, path)
        log.info("roombench: results will be written to %s", path.resolve())
        self.coordinator.settings = replace(
            settings, scenario=scenario, config=config, results_path=path
        )


def _usage_error(message: str) -> None:
    sys.stderr.write(f"locust: {message}\n")
    sys.stderr.flush()
    raise SystemExit(EXIT_USAGE)


@events.init.add_listener
def on_init(environment: Environment, **_kw: Any) -> None:
    install_worker(environment)
    environment.events.quit.add_listener(lambda **_kw: stop_csv_writer())
    if isinstance(environment.runner, WorkerRunner):
        return  # workers get the scenario from the master's layout message
    try:
        # test-only clock knobs (docs/loadtests.md "Running on many hosts")
        settings = with_test_clock(settings_from(environment.parsed_options), os.environ)
    except ScenarioError as exc:
        _usage_error(str(exc))
        return
    if not settings.node_urls and not environment.host:
        _usage_error("no target: pass --host http://127.0.0.1:PORT or --roombench-nodes URL,...")
    # Run only the scenario's user class (the others stay available to workers by name).
    environment.user_classes[:] = [USER_CLASSES[settings.scenario.user_class]]
    options = environment.parsed_options
    if options is not None:
        processes = max(1, int(getattr(options, "processes", 0) or 0))
        if not getattr(options, "num_users", None):
            options.num_users = settings.scenario.users  # the web UI form's first value
        needed = settings.scenario.users / max(1.0, settings.scenario.join_timeout_s / 2)
        if float(getattr(options, "spawn_rate", 1) or 1) < needed:
            options.spawn_rate = spawn_rate_for(settings.scenario, processes)
    coordinator = Coordinator(environment, settings)
    by_hand = ByHand(environment, coordinator)
    environment.events.test_start.add_listener(by_hand.on_test_start)  # before the coordinator's
    coordinator.install()
    install_web_ui(environment, coordinator)
