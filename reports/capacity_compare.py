"""What moves capacity: each configuration against a baseline configuration, one row each.

When a capacity scenario has a configuration named ``untuned`` (as
``scenarios/tuning.toml`` does), every configuration's capacity is set
against it: the ratio of the highest passing loads, and the node's CPU per
delivery at that step (µs of node CPU for each delivery it made, from the
step's busiest node). A configuration whose search did not end at a server
capacity (generator-limited, or never failed) only has a lower bound, so its
ratio is marked ">=", and a baseline that has no exact capacity in every
search gives no ratio (a lower bound below the line would overstate them all).

A configuration searched more than once (``--repeat``) gets one row: the
median of its searches, their range (lowest to highest), and a ratio range
from its lowest over the baseline's highest to its highest over the
baseline's lowest, so the interval shows what the repeats disagree on.
"""

from __future__ import annotations

import statistics
from collections import Counter

from loadtests.model.capacity import (
    CapacityDoc,
    ConfigEntry,
    CurveStep,
    MovesRow,
    RangeHigh,
    RangeLow,
    by_name,
)

BASELINE = "untuned"
# The tuning study changes one setting of this configuration at a time: each row says
# whether it differs from it beyond the spread of both (their ranges do not overlap).
REFERENCE = "shipped"
# Verdicts whose capacity is a lower bound: the search never found the server's limit.
LOWER_BOUND_VERDICTS = ("above-range", "generator-limited")
COUNTED_VERDICTS = ("capacity", *LOWER_BOUND_VERDICTS)


def _knee(entry: ConfigEntry) -> CurveStep | None:
    cap = entry.get("capacity")
    found = [s for s in entry["steps"] if cap and s["load"] == cap["load"]]
    return found[0] if found else None


def node_cpu_us_per_delivery(point: CurveStep) -> float | None:
    """µs of the busiest node's CPU per delivery at ``point`` (a capacity curve step)."""
    cpu, achieved = point.get("node_cpu_percent"), point.get("achieved_deliveries_per_s")
    if cpu is None or not achieved:
        return None
    return round(cpu / 100.0 * 1e6 / achieved, 1)


def _capacities(searches: list[ConfigEntry]) -> list[float]:
    """The searches' capacities in deliveries/s: exact ones and lower bounds alike."""
    return [
        e["capacity"]["deliveries_per_s"]
        for e in searches
        if e["capacity"] is not None and e["verdict"] in COUNTED_VERDICTS
    ]


def _baseline(searches: list[ConfigEntry]) -> list[float]:
    """The baseline's capacities, or [] unless every search found an exact, positive one.

    A lower bound in the denominator would overstate every ratio without a mark.
    """
    caps = _capacities(searches)
    exact = all(e["verdict"] == "capacity" for e in searches)
    return caps if exact and len(caps) == len(searches) and min(caps) > 0 else []


def _verdict(searches: list[ConfigEntry]) -> str:
    counts = Counter(str(e["verdict"]) for e in searches)
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{verdict} x{n}" for verdict, n in counts.items())


def what_moves(doc: CapacityDoc) -> list[MovesRow]:
    """One row per configuration, against ``BASELINE``.

    [] without a baseline, and on the connections axis (its steps deliver nothing).
    ``counted`` is how many searches gave a capacity (a "below-range" search gives
    none); the median and range are over those.
    """
    groups = by_name(doc["configs"])
    if BASELINE not in groups or len(groups) < 2 or doc.get("axis") == "connections":
        return []
    base = _baseline(groups[BASELINE])
    rows = []
    for name, searches in groups.items():
        caps = _capacities(searches)
        cpus = [
            cpu
            for knee in map(_knee, searches)
            if knee and (cpu := node_cpu_us_per_delivery(knee)) is not None
        ]
        row: MovesRow = {
            "name": name,
            "searches": len(searches),
            "counted": len(caps),
            "verdict": _verdict(searches),
            "deliveries_per_s": statistics.median(caps) if caps else None,
            "low_deliveries_per_s": min(caps) if caps else None,
            "high_deliveries_per_s": max(caps) if caps else None,
            "at_least": any(e["verdict"] in LOWER_BOUND_VERDICTS for e in searches),
            "ratio": None,
            "ratio_low": None,
            "ratio_high": None,
            "node_cpu_us_per_delivery": round(statistics.median(cpus), 1) if cpus else None,
            "against_reference": None,
        }
        if caps and base:
            row["ratio"] = round(statistics.median(caps) / statistics.median(base), 2)
            row["ratio_low"] = round(min(caps) / max(base), 2)
            row["ratio_high"] = round(max(caps) / min(base), 2)
        rows.append(row)
    if REFERENCE in groups:
        reference = groups[REFERENCE]
        for row in rows:
            row["against_reference"] = (
                "reference"
                if row["name"] == REFERENCE
                else beyond_spread(groups[row["name"]], reference)
            )
    return rows


def beyond_spread(searches: list[ConfigEntry], reference: list[ConfigEntry]) -> str:
    """Whether ``searches`` differ from ``reference`` beyond the spread of both.

    Only with 2 or more capacities a side (one search says nothing of its spread).
    "higher" needs the reference's every capacity to be exact (a lower bound there could
    be higher still), "lower" this configuration's; otherwise overlapping ranges, or a
    side that cannot be compared, are "within the spread".
    """
    caps, ref_caps = _capacities(searches), _capacities(reference)
    if len(caps) < 2 or len(ref_caps) < 2:
        return "spread unknown (fewer than 2 capacities a side)"
    exact = all(e["verdict"] == "capacity" for e in searches)
    ref_exact = all(e["verdict"] == "capacity" for e in reference)
    if min(caps) > max(ref_caps) and ref_exact:
        return "higher"
    if max(caps) < min(ref_caps) and exact:
        return "lower"
    return "within the spread"


def _range_text(row: MovesRow, low: RangeLow, high: RangeHigh, fmt: str) -> str:
    """`` (LOW-HIGH)`` of a row over more than one capacity, '' otherwise."""
    if row["counted"] < 2 or row[low] is None:
        return ""
    return f" ({row[low]:{fmt}}-{row[high]:{fmt}})"


def cells(row: MovesRow) -> tuple[str, str]:
    """A ``what_moves`` row's capacity and ratio as shown: ">= " on lower bounds,
    the range over several searches, "-" where there is none."""
    at_least = ">= " if row["at_least"] else ""
    cap, ratio = row["deliveries_per_s"], row["ratio"]
    capacity = "-" if cap is None else f"{at_least}{cap:,.0f}"
    capacity += _range_text(row, "low_deliveries_per_s", "high_deliveries_per_s", ",.0f")
    if row["counted"] < row["searches"]:
        capacity += f" [{row['counted']} of {row['searches']} searches]"
    ratio_text = "-" if ratio is None else f"{at_least}x{ratio:.2f}"
    ratio_text += _range_text(row, "ratio_low", "ratio_high", ".2f")
    return capacity, ratio_text


def moves_lines(doc: CapacityDoc) -> list[str]:
    """The terminal's table of ``what_moves`` (no lines without a baseline)."""
    rows = what_moves(doc)
    if not rows:
        return []
    searches = max(row["searches"] for row in rows)
    over = f"; median (range) of {searches} searches" if searches > 1 else ""
    against = any(row["against_reference"] is not None for row in rows)
    lines = [
        f"What moves capacity (deliveries/s against {BASELINE!r}; node CPU per delivery at the "
        f"knee{over}"
        + (f"; against {REFERENCE!r}: beyond the spread of both?" if against else "")
        + "):"
    ]
    for row in rows:
        capacity, ratio = cells(row)
        cpu = row["node_cpu_us_per_delivery"]
        cpu_text = "-" if cpu is None else f"{cpu:.1f} µs"
        line = f"  {row['name']:<18} {capacity:>26} {ratio:>20} {cpu_text:>9}"
        if against:
            line += f"  {row['against_reference'] or '-'}"
        lines.append(line)
    return lines
