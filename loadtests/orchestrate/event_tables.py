"""A configuration's fault timeline as written: ``[[config.events]]`` tables, parsed strictly.

Each bad input is an error naming its key (``loadtests.model.strict`` wording): an
unknown action, a node index out of range, an offset outside the window, a
Redis action where there is no Redis, a partition on a run without test hosts,
a host that is not one of the run's, two hosts with no link of their own, an
impossible sequence.

Partitions name the two ends of a link: ``between = ["node-1", "redis-server"]``
(the node's own link to Redis: its clients stay connected) or ``["node-1",
"load"]`` (the node's link to the machine where the clients run).
"""

from __future__ import annotations

from typing import Any

from loadtests.model import strict
from loadtests.model.load import ScenarioError
from loadtests.orchestrate.timeline import ACTIONS, FaultEvent, check_sequence, check_window

EVENT_KEYS = ("at_s", "action", "node", "between")
LOAD_HOST = "load"  # the machine the clients (Locust) run on
REDIS_HOST = "redis-server"


def parse_between(
    table: Any, key: str, action: str, nodes: int, queue: str, test_hosts: bool
) -> tuple[str, str]:
    """The two hosts of a partition or heal event, checked against the run's hosts."""
    if not test_hosts:
        strict.fail(
            f"{key}.action",
            f"{action} needs test hosts, and this configuration runs on one network stack",
            "test_hosts = true in the [[config]] (nodes and redis-server on test hosts, "
            "root), or node and Redis actions",
            ScenarioError,
        )
    if "node" in table:
        strict.fail(
            f"{key}.node", f"{action} acts on a link", "between = [HOST, HOST]", ScenarioError
        )
    hosts = [f"node-{i}" for i in range(nodes)] + ([REDIS_HOST] if queue == "redis" else [])
    known = ", ".join([*hosts, LOAD_HOST])
    if "between" not in table:
        strict.fail(f"{key}.between", f"missing key 'between' for {action}", known, ScenarioError)
    pair = strict.string_list(table["between"], f"{key}.between", ScenarioError)
    if len(pair) != 2 or pair[0] == pair[1]:
        strict.fail(
            f"{key}.between", f"{list(pair)!r} is not two hosts", f"two of {known}", ScenarioError
        )
    for name in pair:
        if name not in hosts and name != LOAD_HOST:
            strict.fail(
                f"{key}.between", f"no host {name!r} in this configuration", known, ScenarioError
            )
    if LOAD_HOST not in pair and REDIS_HOST not in pair:
        strict.fail(
            f"{key}.between",
            f"{pair[0]} and {pair[1]} have no link of their own (nodes talk through Redis)",
            f'a node and "{REDIS_HOST}", or a host and "{LOAD_HOST}"',
            ScenarioError,
        )
    return pair[0], pair[1]


def parse_events(
    tables: Any,
    where: str,
    nodes: int,
    queue: str,
    window_s: float,
    test_hosts: bool = False,
) -> tuple[FaultEvent, ...]:
    """Validate a configuration's ``[[config.events]]`` against its nodes, queue, window
    and whether it runs on test hosts."""
    if not isinstance(tables, list):
        strict.fail(
            where, f"{tables!r} is not a list of tables", "[[config.events]] tables", ScenarioError
        )
    events = []
    for index, raw in enumerate(tables):
        key = f"{where} #{index + 1}"
        table = strict.table_of(raw, key, ScenarioError)
        strict.check_keys(table, EVENT_KEYS, key, ScenarioError)
        for required in ("at_s", "action"):
            if required not in table:
                strict.fail(
                    f"{key}.{required}",
                    f"missing key {required!r}",
                    "at_s (seconds into the window) and action",
                    ScenarioError,
                )
        at_s = strict.typed(table["at_s"], float, f"{key}.at_s", ScenarioError)
        action = strict.one_of(
            strict.typed(table["action"], str, f"{key}.action", ScenarioError),
            tuple(ACTIONS),
            f"{key}.action",
            ScenarioError,
        )
        node: int | None = None
        between: tuple[str, str] | None = None
        if ACTIONS[action].target == "link":
            between = parse_between(table, key, action, nodes, queue, test_hosts)
        elif "between" in table:
            strict.fail(
                f"{key}.between",
                f"{action} acts on a process, not a link",
                "between only for partition and heal",
                ScenarioError,
            )
        elif ACTIONS[action].target == "node":
            if "node" not in table:
                strict.fail(
                    f"{key}.node",
                    f"missing key 'node' for {action}",
                    f"a node index 0..{nodes - 1}",
                    ScenarioError,
                )
            node = strict.typed(table["node"], int, f"{key}.node", ScenarioError)
            if not 0 <= node < nodes:
                strict.fail(
                    f"{key}.node",
                    f"node {node} does not exist ({nodes} node(s))",
                    f"0..{nodes - 1}",
                    ScenarioError,
                )
        else:
            if "node" in table:
                strict.fail(
                    f"{key}.node",
                    f"{action} acts on redis-server, not on a node",
                    "no node key for a Redis action",
                    ScenarioError,
                )
            if queue != "redis":
                strict.fail(
                    f"{key}.action",
                    f"{action} but this configuration has no Redis (queue = {queue!r})",
                    'queue = "redis", or node actions',
                    ScenarioError,
                )
        events.append(FaultEvent(at_s, action, node, between))
    check_window(events, window_s, where, ScenarioError)
    check_sequence(events, where, ScenarioError)
    return tuple(events)
