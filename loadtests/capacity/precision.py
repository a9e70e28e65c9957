"""How precise a capacity is: over ``--repeat N`` searches, each configuration's median,
range and relative spread (issue 22), raw and normalised to the reference machine.

Only searches that ended at a confirmed capacity count; the others are named
by verdict, as a lower bound or an unconfirmed knee is not a capacity. With a
fan-out p99 objective, the windows of all the searches together also place the
knee (``knee_fit``), and say how many windows one search would need for ±5 %.
"""

from __future__ import annotations

import statistics

from loadtests.capacity import knee_fit
from loadtests.capacity.slo import SloError, parse_slo
from loadtests.model.capacity import CapacityDoc, PrecisionRow, Spread, by_name


def spread(values: list[float]) -> Spread | None:
    """Median, lowest, highest and (highest - lowest) / median of ``values`` (None: none)."""
    if not values:
        return None
    median = statistics.median(values)
    return {
        "median": median,
        "low": min(values),
        "high": max(values),
        "relative_spread": (max(values) - min(values)) / median if median else 0.0,
    }


def precision(doc: CapacityDoc) -> list[PrecisionRow]:
    """One row per configuration name, in the order they first appear."""
    rows: list[PrecisionRow] = []
    for name, searches in by_name(doc["configs"]).items():
        exact = [e for e in searches if e["verdict"] == "capacity" and e["capacity"]]
        caps = [e["capacity"] for e in exact if e["capacity"]]
        raw = [c["deliveries_per_s"] for c in caps]
        norm = [n for c in caps if (n := c.get("normalised_deliveries_per_s")) is not None]
        rows.append(
            {
                "name": name,
                "searches": len(searches),
                "counted": len(exact),
                "other_verdicts": sorted({str(e["verdict"]) for e in searches if e not in exact}),
                "raw": spread(raw),
                "normalised": spread(norm) if len(norm) == len(raw) else None,
            }
        )
    return rows


def _text(stats: Spread | None) -> str:
    if stats is None:
        return "-"
    return (
        f"{stats['median']:,.0f} ({stats['low']:,.0f}-{stats['high']:,.0f}, "
        f"spread {100 * stats['relative_spread']:.1f} %)"
    )


def precision_lines(doc: CapacityDoc) -> list[str]:
    """The terminal's lines (none when each configuration was searched once)."""
    rows = precision(doc)
    if not rows or max(r["searches"] for r in rows) < 2:
        return []
    lines = ["Precision over repeated searches (deliveries/s: median (range, (high-low)/median)):"]
    for row in rows:
        line = f"  {row['name']:<14} raw {_text(row['raw'])}"
        if row["normalised"] is not None:
            line += f"; normalised {_text(row['normalised'])}"
        line += f" [{row['counted']} of {row['searches']} searches at a confirmed capacity"
        others = row["other_verdicts"]
        line += f"; others: {', '.join(others)}]" if others else "]"
        lines.append(line)
    return lines + _pooled_knee_lines(doc)


def _p99_limit_us(slo: str) -> float | None:
    try:
        terms = parse_slo(slo)
    except SloError:
        return None
    limits = [t.limit for t in terms if t.metric == "fanout_p99" and t.op in ("<=", "<")]
    return min(limits) if limits else None


def _pooled_knee_lines(doc: CapacityDoc) -> list[str]:
    """Each configuration's pooled knee over its searches' windows (rate axis, p99 SLO)."""
    limit = _p99_limit_us(doc.get("slo", ""))
    if limit is None or doc.get("axis") != "rate":
        return []
    lines = [
        f"Pooled knee (every window's p99 against load, trend through {limit / 1000:g} ms; "
        "± one standard error):"
    ]
    for name, searches in by_name(doc["configs"]).items():
        result = knee_fit.fit(knee_fit.windows_of(searches), limit)
        lines.append(knee_fit.line(name, result, doc["unit"]))
    return lines
