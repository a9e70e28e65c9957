"""What the abusers did and what it cost the server, folded into a results document.

Pure: the runner reads the abuse process's report and calls ``fold`` after
the nodes' final ``/stats`` are in ``doc["server_stats"]`` and the sampled
resources in ``doc["resources"]``. The server-side effect is each node's
``/stats`` at the end minus the same node's just before the first abusive
byte (nodes matched by position: the abuse process got the runner's URLs in
node order), so it counts what happened while the abusers ran and after, not
what the warm-up did. What the other clients paid is the measured users'
own fan-out, already in ``latency``; the section repeats its p99 beside the
abuse so one glance reads both.

The run gets the flag ``abuse``: it was deliberately hostile, and its figures
are not a clean run's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadtests.model.json_object import JsonObject
from loadtests.model.results import (
    Abuse,
    AbuseOutcome,
    AbuseReport,
    AbuseResources,
    AbuseServer,
    ResultsDoc,
)

MIB = 1024 * 1024
COUNTED = ("protocol_errors", "errors", "accept_errors")  # dictionaries of counts
LEVELS = ("connections", "open_fds", "threads", "rss_bytes")  # sampled, before -> after
# clients the server cut off, by reason (absent from a server that does not count it: 0)
DISCONNECTS = ("slow_consumer_disconnects", "inbound_flood_disconnects")


def read_report(path: Path) -> AbuseReport:
    """The abuse process's report, or a stand-in saying why there is none."""
    try:
        # the abuse process's own report (driver.run): an AbuseReport once it is an object
        doc: AbuseReport = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return {"status": f"no report from the abuse process ({type(exc).__name__}: {exc})"}
    return doc if isinstance(doc, dict) else {"status": "the abuse report is not a JSON object"}


def _counts(stats: Mapping[str, Any], key: str) -> dict[str, int]:
    value = stats.get(key)
    if not isinstance(value, Mapping):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool)}


def node_delta(before: Mapping[str, Any], after: Mapping[str, Any]) -> JsonObject:
    """One node's counters moved (after - before, zeros left out) and levels before -> after."""
    if "error" in before or "error" in after or "not_measured" in after:
        return {"error": before.get("error") or after.get("error") or after.get("not_measured")}
    delta: JsonObject = {}
    for key in COUNTED:
        start, end = _counts(before, key), _counts(after, key)
        moved = {k: end.get(k, 0) - start.get(k, 0) for k in sorted(set(start) | set(end))}
        delta[key] = {k: v for k, v in moved.items() if v}
    for key in DISCONNECTS:
        delta[key] = after.get(key, 0) - before.get(key, 0)
    for key in LEVELS:
        delta[key] = {"before": before.get(key), "after": after.get(key)}
    return delta


def _total(nodes: list[JsonObject], key: str) -> int:
    total = 0
    for node in nodes:
        value = node.get(key)
        if isinstance(value, dict):
            total += sum(value.values())
        elif isinstance(value, int):
            total += value
    return total


def _resources(doc: ResultsDoc) -> AbuseResources:
    nodes = [r for r in doc.get("resources", []) if r.get("role") == "node"]
    abusers = [r for r in doc.get("resources", []) if r.get("role") == "abuse"]
    return {
        "node_peak_rss_bytes": max((int(r["peak_rss_bytes"]) for r in nodes), default=None),
        "node_cpu_s_window": round(sum(float(r["cpu_s_window"]) for r in nodes), 3)
        if nodes
        else None,
        "abuse_cpu_s_window": round(sum(float(r["cpu_s_window"]) for r in abusers), 3)
        if abusers
        else None,
    }


def section(doc: ResultsDoc, report: AbuseReport) -> Abuse:
    """The results' ``abuse`` section (docs/results-schema.md)."""
    before = report.get("stats_before") or []
    after = doc.get("server_stats") or []
    peaks = report.get("stats_peak") or []
    nodes: list[JsonObject] = [
        {
            "node": a.get("node", f"node-{i}"),
            **node_delta(b, a),
            "peak": peaks[i] if i < len(peaks) else {},
        }
        for i, (b, a) in enumerate(zip(before, after, strict=False))
    ]
    server: AbuseServer = {
        "nodes": nodes,
        "protocol_errors": _total(nodes, "protocol_errors"),
        "errors": _total(nodes, "errors"),
        "slow_consumer_disconnects": _total(nodes, "slow_consumer_disconnects"),
        "inbound_flood_disconnects": _total(nodes, "inbound_flood_disconnects"),
        "accept_errors": _total(nodes, "accept_errors"),
    }
    outcome = report.copy()
    outcome.pop("stats_before", None)
    outcome.pop("stats_peak", None)
    did: AbuseOutcome = outcome  # the report without the two stats lists
    return {
        **did,
        "server": server,
        "resources": _resources(doc),
        "measured_fanout_p99_us": doc["latency"]["fanout"]["p99"],
    }


def flag_text(abuse: Mapping[str, Any]) -> str:
    """The ``abuse`` flag's value: what ran and what the server counted, in one line."""
    spec = abuse.get("spec") or {}
    server = abuse.get("server") or {}
    peak = (abuse.get("resources") or {}).get("node_peak_rss_bytes")
    parts = [
        f"{abuse.get('kind', spec.get('kind', '?'))} ({spec.get('clients', '?')} hostile clients, "
        f"not measured users; {abuse.get('status', '?')})",
        f"opened {abuse.get('connections_opened', 0)} connections, sent "
        f"{abuse.get('bytes_sent', 0)} bytes, server closed {abuse.get('closed_by_server', 0)}",
        f"server counted protocol_errors +{server.get('protocol_errors', 0)}, "
        f"errors +{server.get('errors', 0)}, "
        f"slow_consumer_disconnects +{server.get('slow_consumer_disconnects', 0)}",
    ]
    if server.get("inbound_flood_disconnects"):
        parts[-1] += f", inbound_flood_disconnects +{server['inbound_flood_disconnects']}"
    if peak is not None:
        parts.append(f"node peak RSS {peak / MIB:.1f} MiB")
    held = [n["peak"] for n in server.get("nodes", []) if n.get("peak")]
    if held:
        most = {k: max(p.get(k, 0) for p in held) for k in ("connections", "open_fds")}
        parts.append(
            f"at most {most['connections']} connections and {most['open_fds']} fds on a node"
        )
    return "deliberately hostile run: " + "; ".join(parts)


def fold(doc: ResultsDoc, report: AbuseReport) -> ResultsDoc:
    """Add ``abuse`` and the ``abuse`` flag to ``doc`` (after server_stats and resources)."""
    doc["abuse"] = section(doc, report)
    doc["flags"]["abuse"] = flag_text(doc["abuse"])
    return doc
