"""What moves capacity: each configuration against a baseline configuration, one row each.

When a capacity scenario has a configuration named ``untuned`` (as
``scenarios/tuning.toml`` does), every configuration's capacity is set
against it: the ratio of the highest passing loads, and the node's CPU per
delivery at that step (µs of node CPU for each delivery it made, from the
step's busiest node). A configuration whose search did not end at a server
capacity (generator-limited, or never failed) only has a lower bound, so its
ratio is marked ">=", and a baseline without a capacity gives no ratio.
"""

from __future__ import annotations

from typing import Any

BASELINE = "untuned"
RATIO_VERDICTS = ("capacity", "above-range", "generator-limited")


def _knee(entry: dict[str, Any]) -> dict[str, Any] | None:
    cap = entry.get("capacity")
    found = [s for s in entry["steps"] if cap and s["load"] == cap["load"]]
    return found[0] if found else None


def node_cpu_us_per_delivery(point: dict[str, Any]) -> float | None:
    """µs of the busiest node's CPU per delivery at ``point`` (a capacity curve step)."""
    cpu, achieved = point.get("node_cpu_percent"), point.get("achieved_deliveries_per_s")
    if cpu is None or not achieved:
        return None
    return round(cpu / 100.0 * 1e6 / achieved, 1)


def what_moves(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per configuration, against ``BASELINE``; [] when there is no baseline."""
    entries = doc["configs"]
    base = next((e for e in entries if e["name"] == BASELINE), None)
    if base is None or len(entries) < 2:
        return []
    base_cap = base["capacity"]["deliveries_per_s"] if base["verdict"] == "capacity" else None
    rows = []
    for entry in entries:
        knee = _knee(entry)
        cap = entry["capacity"]["deliveries_per_s"] if entry["capacity"] else None
        ratio = None
        if cap is not None and base_cap and entry["verdict"] in RATIO_VERDICTS:
            ratio = round(cap / base_cap, 2)
        rows.append(
            {
                "name": entry["name"],
                "verdict": entry["verdict"],
                "deliveries_per_s": cap,
                "at_least": entry["verdict"] != "capacity",
                "ratio": ratio,
                "node_cpu_us_per_delivery": node_cpu_us_per_delivery(knee) if knee else None,
            }
        )
    return rows


def moves_lines(doc: dict[str, Any]) -> list[str]:
    """The terminal's table of ``what_moves`` (no lines without a baseline)."""
    rows = what_moves(doc)
    if not rows:
        return []
    lines = [f"What moves capacity (against {BASELINE!r}; node CPU per delivery at the knee):"]
    for row in rows:
        at_least = ">= " if row["at_least"] else ""
        cap = row["deliveries_per_s"]
        capacity = "-" if cap is None else f"{at_least}{cap:,.0f} deliveries/s"
        ratio = "-" if row["ratio"] is None else f"{at_least}x{row['ratio']:.2f}"
        cpu = row["node_cpu_us_per_delivery"]
        cpu_text = "-" if cpu is None else f"{cpu:.1f} µs"
        lines.append(f"  {row['name']:<18} {capacity:>26} {ratio:>9} {cpu_text:>10}")
    return lines
