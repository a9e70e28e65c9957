"""The capacity results document (``kind: roombench.capacity``) and its terminal table.

docs/results-schema.md describes it. One document per search: the axis, the
SLO, and per configuration the verdict, the capacity (highest passing load,
in the axis's unit and in deliveries/s and messages/s), what bound it, and
every step of the curve (``steps.summarise``).
"""

from __future__ import annotations

import json
from pathlib import Path

from loadtests import atomic
from loadtests.capacity.axes import Axis
from loadtests.capacity.search import Answer, Search, Verdict
from loadtests.measure import document as results_document
from loadtests.measure import speed
from loadtests.measure.results import SCHEMA_VERSION
from loadtests.model.capacity import Capacity, CapacityDoc, ConfigEntry, CurveStep, label
from loadtests.model.machine import MachineSpeed
from loadtests.orchestrate.config_spec import ConfigSpec
from loadtests.orchestrate.scenario_file import Scenario

KIND = "roombench.capacity"


def new(matrix: Scenario, axis: Axis, slo_text: str, out_dir: Path) -> CapacityDoc:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "run_id": out_dir.name,
        "created_utc": results_document.utc_stamp(),
        "git": results_document.git_state(),
        "versions": results_document.versions(),
        "machine": results_document.machine(),
        "scenario_file": matrix.source,
        "scenario": matrix.load.to_dict(),
        "axis": axis.name,
        "unit": axis.unit,
        "slo": slo_text,
        "repeats": matrix.repeat,
        "configs": [],
        "incomplete": False,
    }


def config_entry(
    config: ConfigSpec, generator_processes: int | str, repeat: int = 1, repeats: int = 1
) -> ConfigEntry:
    """A configuration's ``repeat``-th search (from 1) of ``repeats``, before its first step."""
    return {
        "name": config.name,
        "repeat": repeat,
        "repeats": repeats,
        "config": {
            **config.to_dict(),
            "server_args": config.target_app_args(),
            "generator_processes": generator_processes,
        },
        "verdict": None,
        "capacity": None,
        "first_failing": None,
        "bound_by": "",
        "knee": None,
        "steps": [],
        "incomplete": None,
    }


def entry_key(entry: ConfigEntry) -> tuple[str, int]:
    return entry["name"], entry.get("repeat", 1)


def file_stem(entry: ConfigEntry) -> str:
    """The name of a search's step files and log folder: ``name``, or ``name.rK`` in repeats."""
    if entry.get("repeats", 1) > 1:
        return f"{entry['name']}.r{entry['repeat']}"
    return str(entry["name"])


def answer_into(entry: ConfigEntry, search: Search | Answer, axis: Axis) -> None:
    """Fill the entry's verdict, capacity and knee from the search so far (or from the
    confirmed bracket's ``Answer``)."""
    answer = search if isinstance(search, Answer) else search.answer()
    entry["verdict"] = answer.verdict.value
    entry["first_failing"] = answer.first_failing
    entry["bound_by"] = answer.bound_by
    at = [s for s in entry["steps"] if s["load"] == answer.capacity]
    # A load measured more than once: its last passing window speaks for it.
    best = [s for s in at if s["outcome"] == "pass"] or at
    if answer.capacity is None or not best:
        entry["capacity"] = None
        entry["knee"] = None
        return
    point = best[-1]
    entry["capacity"] = {
        "load": answer.capacity,
        "unit": axis.unit,
        "deliveries_per_s": point["achieved_deliveries_per_s"],
        "messages_per_s": point["achieved_messages_per_s"],
        "users": point["users"],
        "room_size": point["room_size"],
        "connections": point["connections"],
        "p99_us": point["p99_us"],
        "stamp_error_bound_us": point["stamp_error_bound_us"],
        "node_rss_bytes": point["node_rss_bytes"],
        "memory_per_connection_bytes": memory_per_connection(entry["steps"], point),
    }
    entry["knee"] = {
        "deliveries_per_s": point["achieved_deliveries_per_s"],
        "p99_us": point["p99_us"],
    }


def normalise_into(entry: ConfigEntry) -> None:
    """The capacity normalised to the reference machine (``speed.normalised``), and the
    bracket's loads in deliveries/s (its last window at each)."""
    machine_speed = entry.get("speed")
    cap = entry.get("capacity")
    if cap is not None and machine_speed:
        cap["speed_index"] = machine_speed["index"]
        cap["normalised_deliveries_per_s"] = _normalised(cap["deliveries_per_s"], machine_speed)
    bracket = entry.get("bracket")
    if not bracket:
        return
    # Written pass side first, then fail side: the document's key order.
    rate = _last_rate(entry["steps"], bracket["pass_load"])
    bracket["pass_deliveries_per_s"] = rate
    bracket["pass_normalised_deliveries_per_s"] = _normalised(rate, machine_speed)
    rate = _last_rate(entry["steps"], bracket["fail_load"])
    bracket["fail_deliveries_per_s"] = rate
    bracket["fail_normalised_deliveries_per_s"] = _normalised(rate, machine_speed)
    bracket["p99_us"] = {
        f"{load:g}": [s["p99_us"] for s in entry["steps"] if s["load"] == load]
        for load in (bracket["pass_load"], bracket["fail_load"])
        if load is not None
    }


def _last_rate(steps: list[CurveStep], load: float | None) -> float | None:
    """The achieved deliveries/s of the last window at ``load`` (None: none there)."""
    at = [s for s in steps if s["load"] == load]
    return at[-1]["achieved_deliveries_per_s"] if at else None


def _normalised(value: float | None, machine_speed: MachineSpeed | None) -> float | None:
    """``speed.normalised``, rounded to 0.1 (None: no value or no speed)."""
    found = speed.normalised(value, machine_speed)
    return None if found is None else round(found, 1)


def memory_per_connection(steps: list[CurveStep], at: CurveStep) -> int | None:
    """Node memory per connection: the RSS slope from the smallest step to ``at``.

    A slope, not RSS / connections: an idle node's own tens of MiB are not the
    connections' cost.
    """
    smallest = min(steps, key=lambda s: s["connections"] or 0, default=None)
    if smallest is None or not at["node_rss_bytes"] or not smallest["node_rss_bytes"]:
        return None
    extra = at["connections"] - smallest["connections"]
    if extra <= 0:
        return None
    return round((at["node_rss_bytes"] - smallest["node_rss_bytes"]) / extra)


def write(doc: CapacityDoc, path: Path) -> Path:
    return atomic.write_text(path, json.dumps(doc, indent=1) + "\n")


def load(path: Path) -> CapacityDoc:
    doc: CapacityDoc = json.loads(path.read_text())
    if doc.get("kind") != KIND:
        raise ValueError(f"{path}: not a capacity document (kind {doc.get('kind')!r})")
    return doc


def _ms(us: float | None) -> str:
    return "-" if us is None else f"{us / 1000:.1f}"


def _stamp(point: CurveStep | Capacity) -> str:
    """`` (stamps: -400 µs)``: how much shared receive stamps may overstate p99 ('' if none)."""
    bound = point.get("stamp_error_bound_us") or 0
    return f" (stamps: -{bound:,} µs)" if bound else ""


def step_line(name: str, index: int, axis: Axis, point: CurveStep) -> str:
    """One terminal line per step (under 120 columns)."""
    if axis.name == "connections":  # idle users: what they cost, not fan-out
        rss = point["node_rss_bytes"]
        rss_text = "-" if rss is None else f"{rss / 2**20:,.0f} MiB"
        line = (
            f"{name} step {index}: {point['load']:,.0f} {axis.unit} -> "
            f"{point['connections']:,} held, connect p99 {_ms(point['connect_p99_us'])} ms, "
            f"errors {point['errors']}, node RSS {rss_text}: {point['outcome'].upper()}"
        )
        return line + (f" ({point['reason'][:60]})" if point["reason"] else "")
    line = (
        f"{name} step {index}: {point['load']:,.0f} {axis.unit} -> "
        f"{point['achieved_deliveries_per_s']:,.0f} deliveries/s, "
        f"p50 {_ms(point['p50_us'])} p99 {_ms(point['p99_us'])} ms{_stamp(point)}, "
        f"lost {point['lost']}, "
        f"node CPU {point['node_cpu_percent'] or 0:.0f} %: {point['outcome'].upper()}"
    )
    return line + (f" ({point['reason'][:60]})" if point["reason"] else "")


def summary_lines(doc: CapacityDoc) -> list[str]:
    """The capacity of each configuration, one line each, then what to open."""
    lines = [f"Capacity at SLO {doc['slo']} (axis {doc['axis']}):"]
    for entry in doc["configs"]:
        cap = entry["capacity"]
        verdict = entry["verdict"]
        if verdict == Verdict.GENERATOR_LIMITED.value:
            passed = f", {cap['load']:,.0f} passed" if cap else ""
            what = (
                f"generator-limited at {entry['first_failing']:,.0f} {doc['unit']}{passed} "
                f"(not a server capacity: {entry['bound_by'][:45]})"
            )
        elif verdict == Verdict.UNCONFIRMED.value:
            bracket = entry.get("bracket")
            lo = (bracket.get("pass_load") if bracket else None) or 0
            hi = bracket.get("fail_load") if bracket else None
            what = (
                f"knee UNCONFIRMED between {lo:,.0f} and {hi:,.0f} {doc['unit']} (not a "
                "capacity: a side did not hold in 2 of 3 windows)"
                if hi is not None
                else f"knee UNCONFIRMED (not a capacity): {entry['bound_by'][:70]}"
            )
        elif cap is None:
            what = f"no step passed ({entry['bound_by'][:60]})"
        elif doc["axis"] == "connections":
            rss, per = cap["node_rss_bytes"], cap["memory_per_connection_bytes"]
            what = f"{cap['connections']:,} connections held"
            what += "" if rss is None else f", node RSS {rss / 2**20:,.0f} MiB"
            what += "" if per is None else f", {per / 1024:,.0f} KiB per connection"
        else:
            what = (
                f"{cap['deliveries_per_s']:,.0f} deliveries/s, {cap['messages_per_s']:,.0f} msg/s, "
                f"{cap['users']} users, p99 {_ms(cap['p99_us'])} ms{_stamp(cap)}"
            )
            if verdict == Verdict.ABOVE_RANGE.value:
                what += " (never failed: at least this)"
            elif entry["bound_by"]:
                what += f"; bound by {entry['bound_by'][:40]}"
        incomplete = entry.get("incomplete")
        if incomplete:
            what += f" [incomplete: {incomplete[:40]}]"
        lines.append(f"  {label(entry):<14} {what}")
        lines += _machine_lines(entry)
    return lines


def _machine_lines(entry: ConfigEntry) -> list[str]:
    """The bracket, the normalised capacity and the machine's speed under a configuration."""
    parts = []
    bracket = entry.get("bracket")
    if bracket and bracket.get("confirmed"):
        parts.append(
            f"bracket {bracket['pass_load']:,.0f}-{bracket['fail_load']:,.0f} confirmed "
            f"(+{bracket['extra_windows']} windows)"
        )
    cap = entry.get("capacity")
    if cap and cap.get("normalised_deliveries_per_s") is not None:
        parts.append(f"normalised {cap['normalised_deliveries_per_s']:,.0f} deliveries/s")
    told = speed.describe(entry.get("speed"))
    if told:
        parts.append(told)
    return [f"  {'':<14} " + "; ".join(parts)] if parts else []
