"""A configuration's fault timeline as written: ``[[config.events]]`` tables, parsed strictly.

Each bad input is an error naming its key (``loadtests.strict`` wording): an
unknown action, a node index out of range, an offset outside the window, a
Redis action where there is no Redis, an impossible sequence.
"""

from __future__ import annotations

from typing import Any

from loadtests import strict
from loadtests.orchestrate.scenario import ScenarioError
from loadtests.orchestrate.timeline import ACTIONS, FaultEvent, check_sequence, check_window

EVENT_KEYS = ("at_s", "action", "node")


def parse_events(
    tables: Any, where: str, nodes: int, queue: str, window_s: float
) -> tuple[FaultEvent, ...]:
    """Validate a configuration's ``[[config.events]]`` against its nodes, queue and window."""
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
        if ACTIONS[action].target == "node":
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
        events.append(FaultEvent(at_s, action, node))
    check_window(events, window_s, where, ScenarioError)
    check_sequence(events, where, ScenarioError)
    return tuple(events)
