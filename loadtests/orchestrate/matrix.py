"""A scenario file: one load, several named server configurations to compare.

```toml
name = "default"
repeat = 1                  # runs of each configuration, interleaved A B A B
generator_processes = 1     # Locust worker processes (plus a master); 0 = one process;
                            # "auto": as many as the load needs (orchestrate.generator_size)

[load]                      # orchestrate.scenario.Scenario: users, rooms, rates, window...
users = 200

[[config]]
name = "single"
nodes = 1
queue = "none"              # or "redis": a private redis-server, nodes share it
async_mode = "eventlet"     # eventlet | gevent | threading
gc = "freeze"               # freeze (the server's default) | default | off
redis_manager = "robust"    # queue = "redis" only: robust (target_app's) | stock
                            # (python-socketio's RedisManager as shipped)
server_args = []            # any other target_app option, verbatim
inject_delay_ms = 0.0       # fault injection: only to prove the harness measures truly
inject_drop_rate = 0.0
load = { rooms = 100 }      # optional: this configuration's changes to [load]
app_dir = "../base"         # optional: run target_app from this checkout (a git
                            # worktree of another commit), relative to the file

[config.abuse]              # optional: hostile clients beside the load (loadtests/abuse/spec.py)
kind = "slow_consumer"      # slow_consumer | bad_input | connection_churn | idle_sockets
clients = 20

[[config]]                  # any other Socket.IO server, started by the harness:
name = "node"
command = ["node", "{here}/server.js", "--port", "{port}"]  # {port} {node} {redis_url}
protocol = "node-socketio-chat"   # a profile name, a .toml file, or a [config.protocol] table

[[config]]                  # or one already running (any host), nothing started:
name = "mine"
target = "http://127.0.0.1:5000"  # or a list, one URL a node
target_pids = [12345]       # optional: sample its CPU/RSS (else: not measured)

[protocol]                  # optional: every configuration's protocol (default: reference)

[[config.events]]           # optional fault timeline (orchestrate/timeline.py)
at_s = 8                    # seconds into the measurement window: 0 <= at_s < window_s
action = "kill_node"        # kill_node stop_node start_node pause_node resume_node
node = 1                    # 0-based node index (node actions only)  kill_redis start_redis
                            #                                        pause_redis resume_redis
                            # partition / heal: between = ["node-1", "redis-server"] (needs
                            # test_hosts = true: each node and redis-server on a test host)
```

Parsing is strict: an unknown key or a bad value is an error that names it, so a
typo never silently falls back to a default and measures the wrong thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from loadtests import strict
from loadtests.abuse.spec import AbuseSpec, parse_abuse
from loadtests.cluster import cpusets
from loadtests.cluster.cpusets import CpuPlan
from loadtests.cluster.supervisor import QUEUES, ClusterSpec, check_topology
from loadtests.model.json_object import JsonObject
from loadtests.orchestrate import generator_size
from loadtests.orchestrate.event_tables import parse_events
from loadtests.orchestrate.scenario import Scenario, ScenarioError
from loadtests.orchestrate.server_keys import server_keys
from loadtests.orchestrate.timeline import FaultEvent
from loadtests.users.protocol import REFERENCE, Protocol, ProtocolError, protocol_from
from target_app.config import ASYNC_MODES, GC_MODES

# The most runs (or capacity searches) of each configuration a scenario or --repeat may ask for.
MAX_REPEAT = 100

MAX_NODES = 16
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class ConfigSpec:
    """One server configuration to measure.

    Defaults: 1 node, no queue, eventlet, gc ``freeze`` (target_app's own default:
    gc.freeze() after start-up, measured to cut full-collection pauses from 20-57 ms
    to 4-7 ms on this machine).
    """

    name: str
    nodes: int = 1
    queue: str = "none"
    async_mode: str = "eventlet"
    gc: str = "freeze"
    server_args: tuple[str, ...] = ()
    inject_delay_ms: float = 0.0
    inject_drop_rate: float = 0.0
    load: Scenario | None = None
    app_dir: Path | None = None
    events: tuple[FaultEvent, ...] = ()
    command: tuple[str, ...] = ()
    target: tuple[str, ...] = ()
    target_pids: tuple[int, ...] = ()
    protocol: Protocol = REFERENCE
    abuse: AbuseSpec | None = None  # [config.abuse]: hostile clients beside the load
    test_hosts: bool = False  # nodes and redis-server on test hosts (cluster.hosted; root)
    redis_manager: str = "robust"  # target_app's --redis-manager (queue = "redis" only)

    @property
    def is_target_app(self) -> bool:
        return not self.command and not self.target

    def cluster_spec(
        self, redis_url: str | None = None, redis_binary: str | None = None
    ) -> ClusterSpec:
        """What the runner (and the capacity search) starts for this configuration."""
        auth_free = self.protocol.connect_options(0)
        return ClusterSpec(
            nodes=self.nodes,
            queue=self.queue,
            async_mode=self.async_mode,
            extra_args=tuple(self.target_app_args()),
            redis_url=redis_url,
            redis_binary=redis_binary,
            app_dir=self.app_dir,
            command=self.command,
            targets=self.target,
            target_pids=self.target_pids,
            handshake_query=tuple(auth_free[1].items()),
            handshake_headers=tuple(auth_free[2].items()),
            test_hosts=self.test_hosts,
        )

    def target_app_args(self) -> list[str]:
        """The extra ``python -m target_app`` arguments this configuration implies."""
        if not self.is_target_app:
            return []
        args = ["--gc", self.gc]
        if self.inject_delay_ms:
            args += ["--inject-delay-ms", repr(self.inject_delay_ms)]
        if self.inject_drop_rate:
            args += ["--inject-drop-rate", repr(self.inject_drop_rate)]
        if self.redis_manager != "robust":
            args += ["--redis-manager", self.redis_manager]
        return args + list(self.server_args)

    def to_dict(self) -> JsonObject:
        doc: JsonObject = asdict(self)
        doc["server_args"] = list(self.server_args)
        doc["load"] = self.load.to_dict() if self.load is not None else None
        doc["app_dir"] = str(self.app_dir) if self.app_dir is not None else None
        doc["events"] = [event.to_dict() for event in self.events]
        doc["command"] = list(self.command)
        doc["target"] = list(self.target)
        doc["target_pids"] = list(self.target_pids)
        doc["protocol"] = self.protocol.to_dict()
        doc["abuse"] = self.abuse.to_dict() if self.abuse is not None else None
        return doc


@dataclass(frozen=True)
class Matrix:
    """A parsed scenario file.

    ``repeat`` default 1; ``generator_processes`` default 1: Locust runs a master and
    that many worker processes (0: one process, no master), or ``"auto"``: as many
    as the load needs (``orchestrate.generator_size``).
    """

    name: str
    load: Scenario
    configs: tuple[ConfigSpec, ...]
    repeat: int = 1
    generator_processes: int | str = 1
    source: str = ""
    cpu_sets: str | None = None  # the servers/generator split (cluster/cpusets.py; None: auto)

    def cpu_plan_for(self, config: ConfigSpec) -> CpuPlan:
        """Where ``config``'s servers and generator run (``cpu_sets``, else automatic)."""
        return cpusets.plan(self.cpu_sets, config.nodes + (config.queue == "redis"))

    def with_cpu_sets(self, text: str | None) -> Matrix:
        """The same matrix split as ``--cpu-sets`` says (None: as is); checked now."""
        matrix = replace(self, cpu_sets=text or self.cpu_sets)
        try:
            for config in self.configs:
                matrix.cpu_plan_for(config)
        except strict.InputError as exc:
            raise ScenarioError(str(exc)) from exc
        return matrix

    def processes_for(
        self, config: ConfigSpec, load: Scenario, us_per_delivery: float | None = None
    ) -> tuple[int, str | None]:
        """Worker processes for ``config`` at ``load``; with ``auto``, also why."""
        if isinstance(self.generator_processes, int):
            return self.generator_processes, None
        servers, plan = config.nodes + (config.queue == "redis"), self.cpu_plan_for(config)
        cpus = len(plan.generator) + servers if plan.pinned else None  # the generator's CPUs
        return generator_size.processes_for(
            load.offered_deliveries_per_s, servers, us_per_delivery, cpus
        )

    def load_for(self, config: ConfigSpec) -> Scenario:
        """The load ``config`` runs: its own ``load`` table applied over ``[load]``,
        spoken in its protocol."""
        load = config.load if config.load is not None else self.load
        return replace(load, protocol=config.protocol)

    def with_protocol(self, protocol: Protocol) -> Matrix:
        """The same matrix with every configuration speaking ``protocol`` (``--profile``)."""
        configs = tuple(replace(c, protocol=protocol) for c in self.configs)
        return replace(self, load=replace(self.load, protocol=protocol), configs=configs)

    def plan(self) -> list[tuple[ConfigSpec, int]]:
        """(configuration, repeat index) in run order: A B A B, so drift hits all alike."""
        return [(config, k) for k in range(self.repeat) for config in self.configs]

    def with_repeat(self, repeat: int | None) -> Matrix:
        """The same matrix, ``repeat`` runs of each configuration (``--repeat``; None: as is)."""
        if repeat is None:
            return self
        strict.in_range(repeat, 1, MAX_REPEAT, "--repeat", ScenarioError)
        return replace(self, repeat=repeat)

    def only(self, names: list[str]) -> Matrix:
        """The same matrix restricted to the named configurations (unknown names are an error)."""
        known = {c.name for c in self.configs}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ScenarioError(
                f"--only {', '.join(unknown)}: no such configuration (have {sorted(known)})"
            )
        return replace(self, configs=tuple(c for c in self.configs if c.name in names))


def parse_config(
    table: Mapping[str, Any],
    where: str,
    base_load: Mapping[str, Any],
    base_dir: Path = Path("."),
    base_protocol: Protocol = REFERENCE,
) -> ConfigSpec:
    """Validate one ``[[config]]`` table; its ``load`` table overrides ``base_load``.

    A relative ``app_dir`` is relative to ``base_dir`` (the scenario file's folder).
    """
    fields = ConfigSpec.__dataclass_fields__
    strict.check_keys(table, set(fields), where, ScenarioError)
    if "name" not in table:
        strict.fail(f"{where}.name", "missing key 'name'", "a configuration name", ScenarioError)
    name = strict.typed(table["name"], str, f"{where}.name", ScenarioError)
    if not _NAME.match(name):
        strict.fail(
            f"{where}.name",
            f"{name!r} is not a valid name",
            "1-64 of letters, digits, '_', '.', '-'",
            ScenarioError,
        )
    values: dict[str, Any] = {"name": name}  # ConfigSpec's fields, each checked as it is read
    for key, kind in (
        ("nodes", int),
        ("queue", str),
        ("async_mode", str),
        ("gc", str),
        ("inject_delay_ms", float),
        ("inject_drop_rate", float),
        ("test_hosts", bool),
    ):
        if key in table:
            values[key] = strict.typed(table[key], kind, f"{where}.{key}", ScenarioError)
    if "server_args" in table:
        values["server_args"] = strict.string_list(
            table["server_args"], f"{where}.server_args", ScenarioError
        )
    if "app_dir" in table:
        app_dir = base_dir / strict.typed(table["app_dir"], str, f"{where}.app_dir", ScenarioError)
        if not (app_dir / "target_app" / "__main__.py").is_file():
            strict.fail(
                f"{where}.app_dir",
                f"{app_dir} holds no target_app package",
                "a checkout with target_app/__main__.py",
                ScenarioError,
            )
        values["app_dir"] = app_dir
    if "load" in table:
        overrides = strict.table_of(table["load"], f"{where}.load", ScenarioError)
        try:
            values["load"] = Scenario.from_dict({**base_load, **overrides})
        except ScenarioError as exc:
            raise ScenarioError(f"{where}.load: {exc}") from exc
    values.update(server_keys(table, where, base_dir, base_protocol))
    spec = ConfigSpec(**values)
    if spec.test_hosts and not spec.is_target_app:
        strict.fail(
            f"{where}.test_hosts",
            "set for a command or a running target",
            "test_hosts = true only for target_app nodes",
            ScenarioError,
        )
    strict.one_of(spec.queue, QUEUES, f"{where}.queue", ScenarioError)
    strict.one_of(spec.async_mode, ASYNC_MODES, f"{where}.async_mode", ScenarioError)
    strict.one_of(spec.gc, GC_MODES, f"{where}.gc", ScenarioError)
    strict.in_range(spec.nodes, 1, MAX_NODES, f"{where}.nodes", ScenarioError)
    try:
        if not spec.target:
            check_topology(spec.nodes, spec.queue)
    except ValueError as exc:
        strict.fail(
            f"{where}.nodes", str(exc), 'queue = "redis" for 2 or more nodes', ScenarioError
        )
    strict.in_range(spec.inject_delay_ms, 0, 60_000, f"{where}.inject_delay_ms", ScenarioError)
    strict.in_range(spec.inject_drop_rate, 0, 1, f"{where}.inject_drop_rate", ScenarioError)
    if "events" in table:
        load = spec.load if spec.load is not None else Scenario.from_dict(base_load)
        events = parse_events(
            table["events"],
            f"{where} [[config.events]]",
            spec.nodes,
            spec.queue,
            load.window_s,
            spec.test_hosts,
        )
        spec = replace(spec, events=events)
    if "abuse" in table:
        load = spec.load if spec.load is not None else Scenario.from_dict(base_load)
        if not spec.protocol.is_reference:
            strict.fail(
                f"{where}.abuse",
                f"abusive clients speak the reference protocol, not {spec.protocol.name!r}",
                "[config.abuse] only in a configuration with the reference protocol",
                ScenarioError,
            )
        abuse = parse_abuse(
            table["abuse"], f"{where}.abuse", load.window_s, load.rooms, ScenarioError
        )
        spec = replace(spec, abuse=abuse)
    return spec


def parse_matrix(doc: Mapping[str, Any], source: str = "<scenario>") -> Matrix:
    """Validate a whole scenario document (already parsed from TOML)."""
    keys = {"name", "repeat", "generator_processes", "load", "config", "protocol", "cpu_sets"}
    strict.check_keys(doc, keys, source, ScenarioError)
    name = strict.typed(doc.get("name", Path(source).stem), str, f"{source}.name", ScenarioError)
    repeat = strict.typed(doc.get("repeat", 1), int, f"{source}.repeat", ScenarioError)
    strict.in_range(repeat, 1, MAX_REPEAT, f"{source}.repeat", ScenarioError)
    processes = doc.get("generator_processes", 1)
    if processes != generator_size.AUTO:
        processes = strict.typed(
            processes, int, f'{source}.generator_processes (a count or "auto")', ScenarioError
        )
        strict.in_range(processes, 0, 64, f"{source}.generator_processes", ScenarioError)
    load_table = strict.table_of(doc.get("load", {}), f"{source}.load", ScenarioError)
    base_load = {"name": name, **load_table}
    try:
        load = Scenario.from_dict(base_load)
    except ScenarioError as exc:
        raise ScenarioError(f"{source} [load]: {exc}") from exc
    base_protocol = REFERENCE
    if "protocol" in doc:
        try:
            base_protocol = protocol_from(
                doc["protocol"], f"{source}.protocol", Path(source).parent
            )
        except ProtocolError as exc:
            raise ScenarioError(str(exc)) from exc
        load = replace(load, protocol=base_protocol)
    tables = doc.get("config")
    if not isinstance(tables, list) or not tables:
        strict.fail(
            f"{source}.config",
            "needs at least one [[config]] table",
            "[[config]] tables",
            ScenarioError,
        )
    configs = tuple(
        parse_config(
            t, f"{source} [[config]] #{i + 1}", base_load, Path(source).parent, base_protocol
        )
        for i, t in enumerate(tables)
    )
    names = [c.name for c in configs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        strict.fail(
            f"{source}.config.name",
            f"configuration name {duplicates[0]!r} is used twice",
            "distinct names",
            ScenarioError,
        )
    matrix = Matrix(name, load, configs, repeat, processes, source)
    if "cpu_sets" not in doc:
        return matrix
    text = strict.typed(doc["cpu_sets"], str, f"{source}.cpu_sets", ScenarioError)
    try:
        return matrix.with_cpu_sets(text)
    except ScenarioError as exc:
        raise ScenarioError(str(exc).replace("--cpu-sets", f"{source}.cpu_sets", 1)) from exc


def target_matrix(urls: list[str], pids: list[int]) -> Matrix:
    """``roombench run --target URL...``: one configuration against running servers,
    at the default load (``Scenario()``, as loadtests/scenarios/default.toml)."""
    config: JsonObject = {"name": "target", "target": urls}
    if pids:
        config["target_pids"] = pids
    try:
        return parse_matrix({"name": "target", "config": [config]}, "--target")
    except ScenarioError as exc:
        message = str(exc).replace("--target [[config]] #1.", "--")
        raise ScenarioError(message.replace("--target_pids", "--target-pid")) from exc


def load_matrix(path: Path) -> Matrix:
    """Read and validate a scenario file; errors name the file and the key."""
    return parse_matrix(strict.read_toml(path, ScenarioError, "scenario file"), str(path))
