"""One measured step, boiled down to the point it adds to the capacity curve.

Each step's full results document is kept beside the capacity document
(``steps/<config>.stepNN.json``); the curve keeps what the hockey-stick chart
and the table need: offered and achieved load, fan-out percentiles, loss, the
CPU and run-queue wait of node, generator and redis-server, and the
receive-stamp error bound (frames that shared one read share its kernel
stamp, so their latency is overestimated by up to the poll interval).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadtests.capacity import axes
from loadtests.capacity.search import Outcome
from loadtests.measure import hdr
from loadtests.model.capacity import CurveStep
from loadtests.model.load import Load


def _cpu_percent(doc: Mapping[str, Any], role: str) -> float | None:
    """The busiest ``role`` process's mean CPU over the window, % of one core."""
    duration_s = doc["window"]["duration_s"]
    found = [r["cpu_s_window"] for r in doc["resources"] if r["role"] == role]
    return round(100.0 * max(found) / duration_s, 1) if found and duration_s else None


def _wait_percent(doc: Mapping[str, Any], role: str) -> float | None:
    """The longest run-queue wait among ``role`` processes, % of the window."""
    duration_s = doc["window"]["duration_s"]
    found = [r.get("wait_s_window") for r in doc["resources"] if r["role"] == role]
    found = [w for w in found if w is not None]
    return round(100.0 * max(found) / duration_s, 1) if found and duration_s else None


def multi_frame_share(doc: Mapping[str, Any]) -> float:
    receive = doc["generator"].get("receive", {})
    frames = receive.get("frames", 0)
    return receive.get("frames_in_multi_frame_reads", 0) / frames if frames else 0.0


def lowest_true_us(doc: Mapping[str, Any], kind: str, pct: str) -> int:
    """The least the true fan-out percentile ``pct`` can be, given the shared stamps.

    A receipt's stamp is never earlier than its arrival, so every measured latency
    is an upper bound and the measured percentile bounds the true one from above.
    Only the window's ``shared_stamp_fanout`` receipts (frames read before a later
    frame of the same read) can be early by more than the stamp says: in the worst
    case all k of them lie above the percentile and are truly lower, so the true
    value is at least the measured percentile at rank ``q - k/N``. With no shared
    stamps the two agree.
    """
    summary = doc["latency"][kind]
    measured = int(summary[pct])
    if kind != "fanout":
        return measured
    shared = doc["generator"]["shared_stamp_fanout"]
    count = summary["count"]
    if not shared or not count:
        return measured
    quantile = hdr.PERCENTILES[pct] - 100.0 * shared / count
    if quantile <= 0:
        return 0
    histogram = hdr.decode(summary["hdr"])
    # The bottom of the value's HDR bucket: a true lower bound, not the bucket's top.
    low = histogram.get_lowest_equivalent_value(histogram.get_value_at_percentile(quantile))
    return min(measured, int(low))


def stamp_error_bound_us(doc: Mapping[str, Any]) -> int:
    """How much shared receive stamps can overstate fan-out p99 at this step (0: none)."""
    return int(doc["latency"]["fanout"]["p99"]) - lowest_true_us(doc, "fanout", "p99")


def summarise(
    load: float,
    scenario: Load,
    doc: Mapping[str, Any],
    outcome: Outcome,
    reason: str,
    results_file: str,
) -> CurveStep:
    """The capacity document's entry for one step."""
    fanout = doc["latency"]["fanout"]
    counters = doc["counters"]
    # Peak RSS of the biggest node while the users were connected (the window).
    node_rss = max(
        (r["peak_rss_bytes"] for r in doc["resources"] if r["role"] == "node"), default=None
    )
    connections = 0 if "incomplete" in doc["flags"] else scenario.users
    return {
        "load": load,
        "users": scenario.users,
        "room_size": round(scenario.room_size, 2),
        "offered_deliveries_per_s": round(scenario.offered_deliveries_per_s, 1),
        "offered_messages_per_s": round(axes.offered_messages_per_s(scenario), 1),
        "achieved_deliveries_per_s": doc["rates"]["deliveries_per_s"],
        "achieved_messages_per_s": doc["rates"]["sent_per_s"],
        "p50_us": fanout["p50"],
        "p99_us": fanout["p99"],
        "p99_9_us": fanout["p99_9"],
        "connect_p99_us": doc["latency"]["connect"]["p99"],
        "schedule_lag_p99_us": doc["latency"]["schedule_lag"]["p99"],
        "lost": counters["lost"],
        "leaked": counters["leaked"],
        "errors": counters["errors"],
        "node_cpu_percent": _cpu_percent(doc, "node"),
        "node_wait_percent": _wait_percent(doc, "node"),
        "generator_cpu_percent": _cpu_percent(doc, "generator"),
        "generator_wait_percent": _wait_percent(doc, "generator"),
        "redis_cpu_percent": _cpu_percent(doc, "redis"),
        "redis_wait_percent": _wait_percent(doc, "redis"),
        "generator_processes": doc["generator"]["processes"],
        "generator_cpu_us_per_delivery": doc["generator"].get("cpu_us_per_delivery"),
        "multi_frame_share": round(multi_frame_share(doc), 4),
        "shared_stamp_fanout": doc["generator"].get("shared_stamp_fanout"),
        "stamp_error_bound_us": stamp_error_bound_us(doc),
        "node_rss_bytes": node_rss,
        "connections": connections,
        "flags": sorted(doc["flags"]),
        "outcome": outcome.value,
        "reason": reason,
        "results": results_file,
    }
