"""The capacity search's HTML page: the table, the hockey stick, every step.

Latency against achieved throughput, every configuration overlaid (log
latency axis): the curve is flat until the knee, then turns up. The knee
(the highest passing step) is marked on each curve. Built from the capacity
document alone (``kind: roombench.capacity``), self-contained like the load
report, with the same self-check scripts.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Literal, TypedDict

from markupsafe import Markup

from loadtests import atomic
from loadtests.model.capacity import CapacityDoc, ConfigEntry, label
from reports import capacity_machine
from reports.capacity_compare import BASELINE, REFERENCE, cells, what_moves
from reports.html import sections, svg
from reports.html.page import embed_json
from reports.html.templating import Section, render


def _ms(us: float | None) -> str:
    return "-" if us is None else f"{us / 1000:.2f}"


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


class _Curve(TypedDict):
    """A configuration's steps as the page's table shows them (text cells)."""

    name: str
    steps: list[dict[str, str]]


# The fan-out percentiles a hockey stick can plot (a step's keys).
Percentile = Literal["p99_us", "p50_us"]


def _capacity_text(entry: ConfigEntry, unit: str) -> str:
    cap = entry["capacity"]
    if entry["verdict"] == "generator-limited":
        passed = f">= {_num(cap['load'])} {unit} passed; " if cap else ""
        return f"unknown: {passed}generator-limited at {_num(entry['first_failing'])}"
    if entry["verdict"] == "unconfirmed":
        bracket = entry.get("bracket")
        if not bracket or bracket.get("fail_load") is None:
            return f"unconfirmed: {entry['bound_by']}"
        return (
            f"unconfirmed: between {_num(bracket.get('pass_load'))} and "
            f"{_num(bracket.get('fail_load'))} {unit}"
        )
    if cap is None:
        return "-"
    at_least = ">= " if entry["verdict"] == "above-range" else ""
    return f"{at_least}{_num(cap['load'])} {unit}"


def _rows(doc: CapacityDoc) -> list[dict[str, str]]:
    rows = []
    for entry in doc["configs"]:
        cap = entry["capacity"]
        rows.append(
            {
                "name": label(entry),
                "verdict": str(entry["verdict"])
                + (" (incomplete)" if entry.get("incomplete") else ""),
                "capacity": _capacity_text(entry, doc["unit"]),
                "deliveries": _num(cap.get("deliveries_per_s") if cap else None),
                "messages": _num(cap.get("messages_per_s") if cap else None),
                "users": _num(cap.get("users") if cap else None),
                "p99": f"{_ms(cap.get('p99_us'))} ms" if cap else "-",
                "bound_by": entry["bound_by"],
                "steps": str(len(entry["steps"])),
            }
        )
    return rows


def _moves(doc: CapacityDoc) -> list[dict[str, str]]:
    rows = []
    for row in what_moves(doc):
        capacity, ratio = cells(row)
        rows.append(
            {
                "name": row["name"],
                "searches": str(row["searches"]),
                "verdict": row["verdict"],
                "capacity": capacity,
                "ratio": ratio,
                "cpu": _num(row["node_cpu_us_per_delivery"], 1),
                "against": row["against_reference"] or "",
            }
        )
    return rows


def _curves(doc: CapacityDoc) -> list[_Curve]:
    return [
        {
            "name": label(entry),
            "steps": [
                {
                    "load": _num(s["load"]),
                    "offered": _num(s["offered_deliveries_per_s"]),
                    "achieved": _num(s["achieved_deliveries_per_s"]),
                    "p50": _ms(s["p50_us"]),
                    "p99": _ms(s["p99_us"]),
                    "p99_9": _ms(s["p99_9_us"]),
                    "bound": _num(s["stamp_error_bound_us"]),
                    "lost": _num(s["lost"]),
                    "node_cpu": _num(s["node_cpu_percent"]),
                    "node_wait": _num(s["node_wait_percent"], 1),
                    "gen_cpu": _num(s["generator_cpu_percent"]),
                    "gen_wait": _num(s["generator_wait_percent"], 1),
                    "redis_cpu": _num(s["redis_cpu_percent"]),
                    "redis_wait": _num(s.get("redis_wait_percent"), 1),
                    "gen_us": _num(s["generator_cpu_us_per_delivery"], 1),
                    "outcome": s["outcome"],
                    "reason": s["reason"],
                }
                for s in sorted(entry["steps"], key=lambda s: s["load"])
            ],
        }
        for entry in doc["configs"]
    ]


def hockey_stick(doc: CapacityDoc, percentile: Percentile = "p99_us") -> str:
    """Fan-out latency against achieved deliveries/s, each configuration a line, knees marked."""
    series = []
    for entry in doc["configs"]:
        steps = sorted(entry["steps"], key=lambda s: s["achieved_deliveries_per_s"])
        points = [
            (s["achieved_deliveries_per_s"], us / 1000 if (us := s[percentile]) else None)
            for s in steps
        ]
        series.append(svg.Series(label(entry), points))
    for entry in doc["configs"]:
        capacity = entry.get("capacity")
        at = [s for s in entry["steps"] if capacity and s["load"] == capacity["load"]]
        knee_us = at[0][percentile] if at else None
        if at and knee_us:
            point = (at[0]["achieved_deliveries_per_s"], knee_us / 1000)
            series.append(svg.Series(f"{label(entry)} knee", [point, point], dashed=True))
    name = percentile.removesuffix("_us").replace("_", ".")
    return svg.line_chart(
        f"Fan-out {name} against throughput (the hockey stick)",
        svg.Axis("achieved deliveries/s", zero=True, fmt=lambda v: f"{v:,.0f}"),
        svg.Axis(f"fan-out {name} (ms, log)", log=True),
        series,
        markers=True,
    )


def render_capacity_page(doc: CapacityDoc, generated_utc: str) -> str:
    incomplete = "; ".join(
        f"{label(c)}: {c['incomplete']}" for c in doc["configs"] if c.get("incomplete")
    ) or ("interrupted" if doc.get("interrupted") else "")
    moves = _moves(doc)
    page = [
        Section(
            "generated.html",
            {"generated_utc": generated_utc, "results": len(doc["configs"]), "benches": 0},
        ),
        Section(
            "capacity.html",
            {
                "slo": doc["slo"],
                "axis": doc["axis"],
                "unit": doc["unit"],
                "incomplete": incomplete,
                "rows": _rows(doc),
                "charts": [
                    svg_markup(hockey_stick(doc, "p99_us")),
                    svg_markup(hockey_stick(doc, "p50_us")),
                ],
                "curves": _curves(doc),
                "moves": moves,
                "moves_against": any(row["against"] for row in moves),
                "baseline": BASELINE,
                "reference": REFERENCE,
            },
        ),
        capacity_machine.section(doc),  # speed, normalised capacity, bracket, windows
        sections.downloads(),
    ]
    downloads = [
        {
            "name": "capacity.json",
            "type": "application/json",
            "what": "the capacity document (every step; step results are beside it)",
            "text": json.dumps(doc, indent=1),
        }
    ]
    return render(
        "page.html",
        sections=[section.render() for section in page],
        data_json=embed_json({"downloads": downloads}),
    )


def svg_markup(chart: str) -> Markup:
    return Markup(chart)  # svg.py escapes its own text


def build_capacity_report(capacity_json: Path, output: Path | None = None) -> Path:
    """Write ``capacity.html`` beside the capacity document (or to ``output``)."""
    doc: CapacityDoc = json.loads(capacity_json.read_text())
    html = render_capacity_page(doc, time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
    return atomic.write_text(output or capacity_json.with_name("capacity.html"), html)
