"""A ``[[config]]``'s server keys: ``command``, ``target``, ``target_pids``, ``protocol``,
``redis_manager``.

Which server a configuration measures, when it is not a target_app the
harness starts itself: a ``command`` it starts (placeholders checked here,
``{python}`` and ``{here}`` filled in), or running servers at
``target`` URLs (any host) (with their ``target_pids``), and the protocol profile the
users speak. Strict like the rest of the scenario file: a key that cannot
apply (``gc`` for a command, ``queue`` for a target) is an error naming it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadtests import strict
from loadtests.cluster import command_node
from loadtests.cluster.targets import TargetURLError, target_url
from loadtests.orchestrate.scenario import ScenarioError
from loadtests.users.protocol import Protocol, ProtocolError, protocol_from
from target_app.config import REDIS_MANAGERS

# Keys that only mean something for target_app nodes the harness starts itself.
TARGET_APP_KEYS = (
    "async_mode",
    "gc",
    "server_args",
    "inject_delay_ms",
    "inject_drop_rate",
    "app_dir",
    "redis_manager",
)


def server_keys(
    table: Mapping[str, Any], where: str, base_dir: Path, base_protocol: Protocol
) -> dict[str, Any]:  # ConfigSpec keyword arguments, each checked here
    """The ``command`` / ``target`` / ``target_pids`` / ``protocol`` of one configuration."""
    values: dict[str, Any] = {"protocol": base_protocol}  # the return value, key by key
    if "protocol" in table:
        try:
            values["protocol"] = protocol_from(table["protocol"], f"{where}.protocol", base_dir)
        except ProtocolError as exc:
            raise ScenarioError(str(exc)) from exc
    if "command" in table and "target" in table:
        strict.fail(
            f"{where}.command",
            "both command (start a server) and target (one already running)",
            "one of them",
            ScenarioError,
        )
    for key in ("command", "target"):
        misplaced = [k for k in TARGET_APP_KEYS if k in table]
        if key in table and misplaced:
            strict.fail(
                f"{where}.{misplaced[0]}",
                f"only for target_app nodes, and this configuration has {key}",
                "pass the server's own options in command" if key == "command" else "no such key",
                ScenarioError,
            )
    if "command" in table:
        values["command"] = _command(table, where, base_dir)
    if "target" in table:
        raw = table["target"]
        urls = (
            [raw]
            if isinstance(raw, str)
            else strict.string_list(raw, f"{where}.target", ScenarioError)
        )
        if not urls:
            strict.fail(f"{where}.target", "an empty list", "one URL a node", ScenarioError)
        try:
            values["target"] = tuple(target_url(u) for u in urls)
        except TargetURLError as exc:
            raise ScenarioError(f"{where}.target: {exc}") from exc
        nodes = table.get("nodes", len(urls))
        if nodes != len(urls):
            strict.fail(
                f"{where}.nodes",
                f"{nodes!r} but target names {len(urls)} URL(s)",
                "leave nodes out: one node a target URL",
                ScenarioError,
            )
        values["nodes"] = len(urls)
        if "queue" in table:
            strict.fail(
                f"{where}.queue",
                "set for running servers: nothing is started, they share rooms however they do",
                "no queue key with target",
                ScenarioError,
            )
        if any(e for e in table.get("events", []) or []):
            strict.fail(
                f"{where}.events",
                "a fault timeline needs processes the harness started",
                "command (or target_app) for fault events",
                ScenarioError,
            )
    if "target_pids" in table:
        pids = table["target_pids"]
        if "target" not in table:
            strict.fail(
                f"{where}.target_pids",
                "without target",
                "target_pids only with target",
                ScenarioError,
            )
        if not isinstance(pids, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in pids
        ):
            strict.fail(
                f"{where}.target_pids",
                f"{pids!r} is not a list of pids",
                "[pid, ...]",
                ScenarioError,
            )
        if len(pids) != len(values["target"]):
            strict.fail(
                f"{where}.target_pids",
                f"{len(pids)} pid(s) for {len(values['target'])} target URL(s)",
                "one pid a target URL, in the same order",
                ScenarioError,
            )
        values["target_pids"] = tuple(pids)
    if "redis_manager" in table:
        values["redis_manager"] = _redis_manager(table, where)
    return values


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
