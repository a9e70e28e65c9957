"""A scenario file: one load, several named server configurations to compare.

```toml
name = "default"
repeat = 1                  # runs of each configuration, interleaved A B A B
generator_processes = 1     # Locust worker processes (plus a master); 0 = one process;
                            # "auto": as many as the load needs (orchestrate.generator_size)

[load]                      # model.load.Load: users, rooms, rates, window...
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
typo never silently falls back to a default and measures the wrong thing. Each
``[[config]]`` is one of three kinds of server (``orchestrate/config_spec.py``),
parsed in ``orchestrate/config_table.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from loadtests.cluster import cpusets
from loadtests.cluster.cpusets import CpuPlan
from loadtests.model import strict
from loadtests.model.json_object import JsonObject
from loadtests.model.load import Load, ScenarioError
from loadtests.model.profile import REFERENCE, ProfileError, Protocol, protocol_from
from loadtests.orchestrate import generator_size
from loadtests.orchestrate.config_spec import ConfigSpec
from loadtests.orchestrate.config_table import parse_config

# The most runs (or capacity searches) of each configuration a scenario or --repeat may ask for.
MAX_REPEAT = 100


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario file.

    ``repeat`` default 1; ``generator_processes`` default 1: Locust runs a master and
    that many worker processes (0: one process, no master), or ``"auto"``: as many
    as the load needs (``orchestrate.generator_size``).
    """

    name: str
    load: Load
    configs: tuple[ConfigSpec, ...]
    repeat: int = 1
    generator_processes: int | str = 1
    source: str = ""
    cpu_sets: str | None = None  # the servers/generator split (cluster/cpusets.py; None: auto)

    def cpu_plan_for(self, config: ConfigSpec) -> CpuPlan:
        """Where ``config``'s servers and generator run (``cpu_sets``, else automatic)."""
        return cpusets.plan(self.cpu_sets, config.nodes + (config.queue == "redis"))

    def with_cpu_sets(self, text: str | None) -> Scenario:
        """The same matrix split as ``--cpu-sets`` says (None: as is); checked now."""
        matrix = replace(self, cpu_sets=text or self.cpu_sets)
        try:
            for config in self.configs:
                matrix.cpu_plan_for(config)
        except strict.InputError as exc:
            raise ScenarioError(str(exc)) from exc
        return matrix

    def processes_for(
        self, config: ConfigSpec, load: Load, us_per_delivery: float | None = None
    ) -> tuple[int, str | None]:
        """Worker processes for ``config`` at ``load``; with ``auto``, also why."""
        if isinstance(self.generator_processes, int):
            return self.generator_processes, None
        servers, plan = config.nodes + (config.queue == "redis"), self.cpu_plan_for(config)
        cpus = len(plan.generator) + servers if plan.pinned else None  # the generator's CPUs
        return generator_size.processes_for(
            load.offered_deliveries_per_s, servers, us_per_delivery, cpus
        )

    def load_for(self, config: ConfigSpec) -> Load:
        """The load ``config`` runs: its own ``load`` table applied over ``[load]``,
        spoken in its protocol."""
        load = config.load if config.load is not None else self.load
        return replace(load, protocol=config.protocol)

    def with_protocol(self, protocol: Protocol) -> Scenario:
        """The same matrix with every configuration speaking ``protocol`` (``--profile``)."""
        configs = tuple(replace(c, protocol=protocol) for c in self.configs)
        return replace(self, load=replace(self.load, protocol=protocol), configs=configs)

    def plan(self) -> list[tuple[ConfigSpec, int]]:
        """(configuration, repeat index) in run order: A B A B, so drift hits all alike."""
        return [(config, k) for k in range(self.repeat) for config in self.configs]

    def with_repeat(self, repeat: int | None) -> Scenario:
        """The same matrix, ``repeat`` runs of each configuration (``--repeat``; None: as is)."""
        if repeat is None:
            return self
        strict.in_range(repeat, 1, MAX_REPEAT, "--repeat", ScenarioError)
        return replace(self, repeat=repeat)

    def only(self, names: list[str]) -> Scenario:
        """The same matrix restricted to the named configurations (unknown names are an error)."""
        known = {c.name for c in self.configs}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ScenarioError(
                f"--only {', '.join(unknown)}: no such configuration (have {sorted(known)})"
            )
        return replace(self, configs=tuple(c for c in self.configs if c.name in names))


def parse_scenario(doc: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
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
        load = Load.from_dict(base_load)
    except ScenarioError as exc:
        raise ScenarioError(f"{source} [load]: {exc}") from exc
    base_protocol = REFERENCE
    if "protocol" in doc:
        try:
            base_protocol = protocol_from(
                doc["protocol"], f"{source}.protocol", Path(source).parent
            )
        except ProfileError as exc:
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
    matrix = Scenario(name, load, configs, repeat, processes, source)
    if "cpu_sets" not in doc:
        return matrix
    text = strict.typed(doc["cpu_sets"], str, f"{source}.cpu_sets", ScenarioError)
    try:
        return matrix.with_cpu_sets(text)
    except ScenarioError as exc:
        raise ScenarioError(str(exc).replace("--cpu-sets", f"{source}.cpu_sets", 1)) from exc


def target_scenario(urls: list[str], pids: list[int]) -> Scenario:
    """``roombench run --target URL...``: one configuration against running servers,
    at the default load (``Load()``, as loadtests/scenarios/default.toml)."""
    config: JsonObject = {"name": "target", "target": urls}
    if pids:
        config["target_pids"] = pids
    try:
        return parse_scenario({"name": "target", "config": [config]}, "--target")
    except ScenarioError as exc:
        message = str(exc).replace("--target [[config]] #1.", "--")
        raise ScenarioError(message.replace("--target_pids", "--target-pid")) from exc


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; errors name the file and the key."""
    return parse_scenario(strict.read_toml(path, ScenarioError, "scenario file"), str(path))
