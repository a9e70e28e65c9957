"""A scenario file's ``[[config]]`` table, parsed strictly into one of the three kinds.

``command`` makes a ``CommandServer``, ``target`` a ``RunningTarget``, neither a
``ReferenceServer`` (target_app). Each kind's keys are read and checked by that
kind's parser here: a key that cannot apply to it (``gc`` for a command, ``queue``
for running servers) is an error naming it, so a typo or a misplaced key never
silently measures something else. ``command``'s placeholders are checked and
``{python}``, ``{here}`` filled in; ``target`` URLs are checked (any host).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, NamedTuple

from loadtests.abuse.spec import parse_abuse
from loadtests.cluster import command_node
from loadtests.cluster.supervisor import QUEUES, check_topology
from loadtests.cluster.targets import TargetURLError, target_url
from loadtests.model import strict
from loadtests.model.load import Load, ScenarioError
from loadtests.model.profile import REFERENCE, ProfileError, Protocol, protocol_from
from loadtests.orchestrate.config_spec import (
    MAX_NODES,
    CommandServer,
    ConfigSpec,
    ReferenceServer,
    RunningTarget,
)
from loadtests.orchestrate.event_tables import parse_events
from target_app.config import ASYNC_MODES, GC_MODES, REDIS_MANAGERS

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# Every key a [[config]] may have, whatever its kind (an unknown one is named with these).
CONFIG_KEYS = sorted(
    {f.name for kind in (ReferenceServer, CommandServer, RunningTarget) for f in fields(kind)}
)
# Keys only target_app nodes have, refused with one message in the other two kinds
# (test_hosts has its own: it is refused only when true).
_REFERENCE_ONLY = tuple(
    f.name
    for f in fields(ReferenceServer)
    if f.name not in {g.name for g in fields(CommandServer)} and f.name != "test_hosts"
)


def parse_config(
    table: Mapping[str, Any],
    where: str,
    base_load: Mapping[str, Any],
    base_dir: Path = Path("."),
    base_protocol: Protocol = REFERENCE,
) -> ConfigSpec:
    """Validate one ``[[config]]`` table; its ``load`` table overrides ``base_load``.

    A relative ``app_dir`` or ``{here}`` is relative to ``base_dir`` (the scenario
    file's folder).
    """
    strict.check_keys(table, CONFIG_KEYS, where, ScenarioError)
    name, protocol = _name(table, where), base_protocol
    own_load: Load | None = None  # this configuration's load table over [load]
    if "load" in table:
        overrides = strict.table_of(table["load"], f"{where}.load", ScenarioError)
        try:
            own_load = Load.from_dict({**base_load, **overrides})
        except ScenarioError as exc:
            raise ScenarioError(f"{where}.load: {exc}") from exc
    if "protocol" in table:
        try:
            protocol = protocol_from(table["protocol"], f"{where}.protocol", base_dir)
        except ProfileError as exc:
            raise ScenarioError(str(exc)) from exc
    common = _Common(name, own_load, protocol)
    if "command" in table and "target" in table:
        strict.fail(
            f"{where}.command",
            "both command (start a server) and target (one already running)",
            "one of them",
            ScenarioError,
        )
    spec: ConfigSpec
    if "target" in table:
        spec = _running_target(table, where, common)
    elif "command" in table:
        spec = _command_server(table, where, base_dir, common)
    else:
        spec = _reference_server(table, where, base_dir, common)
    if "events" not in table and "abuse" not in table:
        return spec
    load = spec.load if spec.load is not None else Load.from_dict(base_load)
    if "events" in table and isinstance(spec, (ReferenceServer, CommandServer)):
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


class _Common(NamedTuple):
    """What every kind has, read before the kind's own keys."""

    name: str
    load: Load | None
    protocol: Protocol


def _name(table: Mapping[str, Any], where: str) -> str:
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
    return name


def _typed(
    table: Mapping[str, Any], where: str, keys: tuple[tuple[str, type], ...]
) -> dict[str, Any]:  # a kind's keyword arguments, each checked against its type here
    return {
        key: strict.typed(table[key], kind, f"{where}.{key}", ScenarioError)
        for key, kind in keys
        if key in table
    }


def _refuse_reference_keys(table: Mapping[str, Any], where: str, has: str) -> None:
    """A command or running target has none of target_app's own keys."""
    misplaced = [k for k in _REFERENCE_ONLY if k in table]
    if misplaced:
        strict.fail(
            f"{where}.{misplaced[0]}",
            f"only for target_app nodes, and this configuration has {has}",
            "pass the server's own options in command" if has == "command" else "no such key",
            ScenarioError,
        )
    if "test_hosts" in table and _typed(table, where, (("test_hosts", bool),))["test_hosts"]:
        strict.fail(
            f"{where}.test_hosts",
            "set for a command or a running target",
            "test_hosts = true only for target_app nodes",
            ScenarioError,
        )


def _refuse_target_pids(table: Mapping[str, Any], where: str) -> None:
    if "target_pids" in table:
        strict.fail(
            f"{where}.target_pids", "without target", "target_pids only with target", ScenarioError
        )


def _check_nodes_and_queue(nodes: int, queue: str, where: str) -> None:
    strict.one_of(queue, QUEUES, f"{where}.queue", ScenarioError)
    strict.in_range(nodes, 1, MAX_NODES, f"{where}.nodes", ScenarioError)
    try:
        check_topology(nodes, queue)
    except ValueError as exc:
        strict.fail(
            f"{where}.nodes", str(exc), 'queue = "redis" for 2 or more nodes', ScenarioError
        )


def _reference_server(
    table: Mapping[str, Any], where: str, base_dir: Path, common: _Common
) -> ReferenceServer:
    _refuse_target_pids(table, where)
    values = _typed(
        table,
        where,
        (
            ("nodes", int),
            ("queue", str),
            ("async_mode", str),
            ("gc", str),
            ("inject_delay_ms", float),
            ("inject_drop_rate", float),
            ("test_hosts", bool),
        ),
    )
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
    if "redis_manager" in table:
        values["redis_manager"] = _redis_manager(table, where)
    spec = ReferenceServer(**common._asdict(), **values)
    strict.one_of(spec.async_mode, ASYNC_MODES, f"{where}.async_mode", ScenarioError)
    strict.one_of(spec.gc, GC_MODES, f"{where}.gc", ScenarioError)
    _check_nodes_and_queue(spec.nodes, spec.queue, where)
    strict.in_range(spec.inject_delay_ms, 0, 60_000, f"{where}.inject_delay_ms", ScenarioError)
    strict.in_range(spec.inject_drop_rate, 0, 1, f"{where}.inject_drop_rate", ScenarioError)
    return spec


def _redis_manager(table: Mapping[str, Any], where: str) -> str:
    """target_app's ``--redis-manager``: robust (its own) or stock (python-socketio's)."""
    key = f"{where}.redis_manager"
    name = strict.typed(table["redis_manager"], str, key, ScenarioError)
    strict.one_of(name, REDIS_MANAGERS, key, ScenarioError)
    if name != "robust" and table.get("queue", "none") != "redis":
        strict.fail(
            key,
            f"{name!r} without a Redis queue",
            'queue = "redis" (or leave redis_manager out)',
            ScenarioError,
        )
    return name


def _command_server(
    table: Mapping[str, Any], where: str, base_dir: Path, common: _Common
) -> CommandServer:
    _refuse_reference_keys(table, where, "command")
    command = _command(table, where, base_dir)
    _refuse_target_pids(table, where)
    values = _typed(table, where, (("nodes", int), ("queue", str)))
    spec = CommandServer(**common._asdict(), command=command, **values)
    _check_nodes_and_queue(spec.nodes, spec.queue, where)
    return spec


def _command(table: Mapping[str, Any], where: str, base_dir: Path) -> tuple[str, ...]:
    command = strict.string_list(table["command"], f"{where}.command", ScenarioError)
    if not command or not command[0]:
        strict.fail(f"{where}.command", "empty", '["program", "arg", ...]', ScenarioError)
    names = command_node.command_placeholders(command)
    known = command_node.START_PLACEHOLDERS + command_node.PARSE_PLACEHOLDERS
    for name in names:
        if name not in known:
            strict.fail(
                f"{where}.command",
                f"unknown placeholder {{{name}}}",
                ", ".join(f"{{{n}}}" for n in known),
                ScenarioError,
            )
    if "port" not in names:
        strict.fail(
            f"{where}.command",
            "no {port}: the harness picks each node's port",
            'a command that listens on "{port}"',
            ScenarioError,
        )
    if "redis_url" in names and table.get("queue", "none") != "redis":
        strict.fail(
            f"{where}.command", "{redis_url} without a Redis", 'queue = "redis"', ScenarioError
        )
    here = str(base_dir.resolve())
    return tuple(command_node.fill(command, {"python": sys.executable, "here": here}))


def _running_target(table: Mapping[str, Any], where: str, common: _Common) -> RunningTarget:
    _refuse_reference_keys(table, where, "target")
    nodes = _typed(table, where, (("nodes", int),)).get("nodes")
    raw = table["target"]
    urls = (
        [raw] if isinstance(raw, str) else strict.string_list(raw, f"{where}.target", ScenarioError)
    )
    if not urls:
        strict.fail(f"{where}.target", "an empty list", "one URL a node", ScenarioError)
    try:
        target = tuple(target_url(u) for u in urls)
    except TargetURLError as exc:
        raise ScenarioError(f"{where}.target: {exc}") from exc
    if nodes is not None and nodes != len(urls):
        strict.fail(
            f"{where}.nodes",
            f"{nodes!r} but target names {len(urls)} URL(s)",
            "leave nodes out: one node a target URL",
            ScenarioError,
        )
    if "queue" in table:
        strict.fail(
            f"{where}.queue",
            "set for running servers: nothing is started, they share rooms however they do",
            "no queue key with target",
            ScenarioError,
        )
    if table.get("events"):  # any events at all, whatever their shape
        strict.fail(
            f"{where}.events",
            "a fault timeline needs processes the harness started",
            "command (or target_app) for fault events",
            ScenarioError,
        )
    spec = RunningTarget(
        **common._asdict(), target=target, target_pids=_target_pids(table, where, target)
    )
    strict.in_range(spec.nodes, 1, MAX_NODES, f"{where}.nodes", ScenarioError)
    return spec


def _target_pids(table: Mapping[str, Any], where: str, target: tuple[str, ...]) -> tuple[int, ...]:
    if "target_pids" not in table:
        return ()
    pids = table["target_pids"]
    if not isinstance(pids, list) or not all(
        isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in pids
    ):
        strict.fail(
            f"{where}.target_pids", f"{pids!r} is not a list of pids", "[pid, ...]", ScenarioError
        )
    if len(pids) != len(target):
        strict.fail(
            f"{where}.target_pids",
            f"{len(pids)} pid(s) for {len(target)} target URL(s)",
            "one pid a target URL, in the same order",
            ScenarioError,
        )
    return tuple(pids)
