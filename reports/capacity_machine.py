"""The capacity page's account of the machine and the knee (issue 22): each search's
speed index and normalised capacity, its CPU sets, its bracket, and every window it
measured in order -- the search's steps, the windows that confirmed the knee, and the
windows measured again because the machine was noisy -- each with its p99.

A capacity measured on a machine 0.5x the reference is shown beside its normalised
value (capacity / index), so two machines can be compared; an unconfirmed knee is
shown as a bracket, never as a capacity.
"""

from __future__ import annotations

from loadtests.model.capacity import CapacityDoc, ConfigEntry, label
from reports.html.templating import Section
from reports.machine_view import speed_text


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _bracket_text(entry: ConfigEntry) -> str:
    bracket = entry.get("bracket")
    if not bracket or bracket.get("pass_load") is None:
        return "-"
    if bracket.get("fail_load") is None:
        return f"{_num(bracket['pass_load'])} passed; no failing load above it measured"
    state = "confirmed" if bracket["confirmed"] else "UNCONFIRMED (not a capacity)"
    return (
        f"{_num(bracket['pass_load'])} - {_num(bracket['fail_load'])}: {state}, "
        f"+{bracket['extra_windows']} of {bracket['budget']} windows"
    )


def _sets(entry: ConfigEntry) -> str:
    sets = entry.get("cpu_sets")
    if not sets:
        return "-"
    if not sets["pinned"]:
        return "not pinned (shared)"
    servers = ",".join(map(str, sets["servers"]))
    generator = ",".join(map(str, sets["generator"]))
    text = f"servers {servers}, generator {generator}" + (" (shared)" if sets["shared"] else "")
    near = entry.get("neighbour")
    if near:  # --cpu-neighbour: the experiment is named where the sets are
        cpus = ",".join(map(str, near["cpus"]))
        text += f"; a CPU-bound neighbour on {cpus} (experiment: compare normalised)"
        if near.get("ran_to_end") is False:
            text += "; A NEIGHBOUR LOOP ENDED EARLY: later windows ran without it"
    return text


def rows(doc: CapacityDoc) -> list[dict[str, object]]:
    """The template's rows: text cells, and each row's ``windows`` (a list of rows)."""
    found: list[dict[str, object]] = []
    for entry in doc["configs"]:
        cap = entry.get("capacity")
        found.append(
            {
                "name": label(entry),
                "speed": speed_text(entry.get("speed")),
                "normalised": _num(cap.get("normalised_deliveries_per_s") if cap else None),
                "raw": _num(cap.get("deliveries_per_s") if cap else None),
                "bracket": _bracket_text(entry),
                "cpu_sets": _sets(entry),
                "windows": [
                    {
                        "index": i,
                        "role": s.get("role", "search"),
                        "load": _num(s["load"]),
                        "p99": "-" if s["p99_us"] is None else f"{s['p99_us'] / 1000:.2f}",
                        "outcome": s["outcome"],
                        "speed": "-" if s.get("speed_index") is None else f"{s['speed_index']:.2f}",
                        "noisy": "yes" if "noisy_machine" in s.get("flags", []) else "",
                    }
                    for i, s in enumerate(entry["steps"], start=1)
                ],
            }
        )
    return found


def section(doc: CapacityDoc) -> Section:
    return Section("capacity_machine.html", {"rows": rows(doc)})
