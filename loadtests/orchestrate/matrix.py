"""A scenario file: one load, several named server configurations to compare.

```toml
name = "default"
repeat = 1                  # runs of each configuration, interleaved A B A B
generator_processes = 1     # Locust worker processes (plus a master); 0 = one process

[load]                      # orchestrate.scenario.Scenario: users, rooms, rates, window...
users = 200

[[config]]
name = "single"
nodes = 1
queue = "none"              # or "redis": a private redis-server, nodes share it
async_mode = "eventlet"     # eventlet | gevent | threading
gc = "freeze"               # freeze (the server's default) | default | off
server_args = []            # any other target_app option, verbatim
inject_delay_ms = 0.0       # fault injection: only to prove the harness measures truly
inject_drop_rate = 0.0
load = { rooms = 100 }      # optional: this configuration's changes to [load]
app_dir = "../base"         # optional: run target_app from this checkout (a git
                            # worktree of another commit), relative to the file
```

Parsing is strict: an unknown key or a bad value is an error that names it, so a
typo never silently falls back to a default and measures the wrong thing.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from loadtests.orchestrate.scenario import Scenario, ScenarioError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

QUEUES = ("none", "redis")
ASYNC_MODES = ("eventlet", "gevent", "threading")
GC_MODES = ("default", "freeze", "off")
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

    def target_app_args(self) -> list[str]:
        """The extra ``python -m target_app`` arguments this configuration implies."""
        args = ["--gc", self.gc]
        if self.inject_delay_ms:
            args += ["--inject-delay-ms", repr(self.inject_delay_ms)]
        if self.inject_drop_rate:
            args += ["--inject-drop-rate", repr(self.inject_drop_rate)]
        return args + list(self.server_args)

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["server_args"] = list(self.server_args)
        doc["load"] = self.load.to_dict() if self.load is not None else None
        doc["app_dir"] = str(self.app_dir) if self.app_dir is not None else None
        return doc


@dataclass(frozen=True)
class Matrix:
    """A parsed scenario file.

    ``repeat`` default 1; ``generator_processes`` default 1: Locust runs a master and
    that many worker processes (0: one process, no master).
    """

    name: str
    load: Scenario
    configs: tuple[ConfigSpec, ...]
    repeat: int = 1
    generator_processes: int = 1
    source: str = ""

    def load_for(self, config: ConfigSpec) -> Scenario:
        """The load ``config`` runs: its own ``load`` table applied over ``[load]``."""
        return config.load if config.load is not None else self.load

    def plan(self) -> list[tuple[ConfigSpec, int]]:
        """(configuration, repeat index) in run order: A B A B, so drift hits all alike."""
        return [(config, k) for k in range(self.repeat) for config in self.configs]

    def only(self, names: list[str]) -> Matrix:
        """The same matrix restricted to the named configurations (unknown names are an error)."""
        known = {c.name for c in self.configs}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ScenarioError(
                f"--only {', '.join(unknown)}: no such configuration (have {sorted(known)})"
            )
        kept = tuple(c for c in self.configs if c.name in names)
        return Matrix(
            self.name, self.load, kept, self.repeat, self.generator_processes, self.source
        )


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _typed(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = table[key]
    # TOML has no int/float distinction a user thinks about: 5 is a fine float.
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ScenarioError(f"{where}.{key}: expected {kind.__name__}, got {value!r}")
    return value


def _one_of(value: str, choices: tuple[str, ...], where: str) -> str:
    if value not in choices:
        raise ScenarioError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    return value


def parse_config(
    table: Mapping[str, Any], where: str, base_load: Mapping[str, Any], base_dir: Path = Path(".")
) -> ConfigSpec:
    """Validate one ``[[config]]`` table; its ``load`` table overrides ``base_load``.

    A relative ``app_dir`` is relative to ``base_dir`` (the scenario file's folder).
    """
    fields = ConfigSpec.__dataclass_fields__
    _check_keys(table, set(fields), where)
    if "name" not in table:
        raise ScenarioError(f"{where}: missing key 'name'")
    name = _typed(table, "name", str, where)
    if not _NAME.match(name):
        raise ScenarioError(
            f"{where}.name: {name!r} must be 1-64 of letters, digits, '_', '.', '-'"
        )
    values: dict[str, Any] = {"name": name}
    for key, kind in (
        ("nodes", int),
        ("queue", str),
        ("async_mode", str),
        ("gc", str),
        ("inject_delay_ms", float),
        ("inject_drop_rate", float),
    ):
        if key in table:
            values[key] = _typed(table, key, kind, where)
    if "server_args" in table:
        args = table["server_args"]
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise ScenarioError(f"{where}.server_args: expected a list of strings, got {args!r}")
        values["server_args"] = tuple(args)
    if "app_dir" in table:
        app_dir = base_dir / _typed(table, "app_dir", str, where)
        if not (app_dir / "target_app" / "__main__.py").is_file():
            raise ScenarioError(f"{where}.app_dir: {app_dir} holds no target_app package")
        values["app_dir"] = app_dir
    if "load" in table:
        overrides = table["load"]
        if not isinstance(overrides, Mapping):
            raise ScenarioError(f"{where}.load: expected a table of [load] keys")
        try:
            values["load"] = Scenario.from_dict({**base_load, **overrides})
        except ScenarioError as exc:
            raise ScenarioError(f"{where}.load: {exc}") from exc
    spec = ConfigSpec(**values)
    _one_of(spec.queue, QUEUES, f"{where}.queue")
    _one_of(spec.async_mode, ASYNC_MODES, f"{where}.async_mode")
    _one_of(spec.gc, GC_MODES, f"{where}.gc")
    if not 1 <= spec.nodes <= MAX_NODES:
        raise ScenarioError(f"{where}.nodes: {spec.nodes} is not in 1..{MAX_NODES}")
    if spec.nodes > 1 and spec.queue != "redis":
        raise ScenarioError(
            f'{where}: nodes = {spec.nodes} needs queue = "redis" (rooms span nodes through it)'
        )
    if spec.inject_delay_ms < 0:
        raise ScenarioError(f"{where}.inject_delay_ms: {spec.inject_delay_ms} is negative")
    if not 0.0 <= spec.inject_drop_rate <= 1.0:
        raise ScenarioError(f"{where}.inject_drop_rate: {spec.inject_drop_rate} is not in 0..1")
    return spec


def parse_matrix(doc: Mapping[str, Any], source: str = "<scenario>") -> Matrix:
    """Validate a whole scenario document (already parsed from TOML)."""
    _check_keys(doc, {"name", "repeat", "generator_processes", "load", "config"}, source)
    name = _typed(doc, "name", str, source) if "name" in doc else Path(source).stem
    repeat = _typed(doc, "repeat", int, source) if "repeat" in doc else 1
    if not 1 <= repeat <= 100:
        raise ScenarioError(f"{source}.repeat: {repeat} is not in 1..100")
    processes = (
        _typed(doc, "generator_processes", int, source) if "generator_processes" in doc else 1
    )
    if not 0 <= processes <= 64:
        raise ScenarioError(f"{source}.generator_processes: {processes} is not in 0..64")
    load_table = doc.get("load", {})
    if not isinstance(load_table, Mapping):
        raise ScenarioError(f"{source}.load: expected a table")
    base_load = {"name": name, **load_table}
    try:
        load = Scenario.from_dict(base_load)
    except ScenarioError as exc:
        raise ScenarioError(f"{source} [load]: {exc}") from exc
    tables = doc.get("config")
    if not isinstance(tables, list) or not tables:
        raise ScenarioError(f"{source}: needs at least one [[config]] table")
    configs = tuple(
        parse_config(t, f"{source} [[config]] #{i + 1}", base_load, Path(source).parent)
        for i, t in enumerate(tables)
    )
    names = [c.name for c in configs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ScenarioError(f"{source}: configuration name {duplicates[0]!r} is used twice")
    return Matrix(name, load, configs, repeat, processes, source)


def load_matrix(path: Path) -> Matrix:
    """Read and validate a scenario file; errors name the file and the key."""
    try:
        doc = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from exc
    return parse_matrix(doc, str(path))
