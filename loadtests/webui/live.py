"""What the "Fan-out" tab shows, from the master's ``Coordinator`` or the results file.

The tab is one table (Locust's extended tabs render one table each): a
``window`` row with the measurement window's totals — deliveries/s, fan-out
p50/p99/p99.9 from the merged HDR histograms, lost/duplicated/leaked, the
phase and the flags — then one row per send second, newest first.

Live, a second's ``expected`` and ``lost`` are shown only once it is
*settled*: its drain has passed and the workers' next reports (every few
seconds) have arrived, since a delivery may still be on its way until then.
The ``window`` row compares like with like: its expected, delivered and lost
are those of the settled seconds only (delivered counted over every second
would run ahead of expected, which settles later), and its ``Settled`` cell
says which seconds are in and which are still open. Once the master has
written the results file, every figure comes from that file, so the tab's
final counters are the results' counters, not a recomputation.

``chart_series`` gives the tab's chart (``chart.js``) its per-second points.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypedDict

from hdrh.histogram import HdrHistogram

from loadtests.coordination.progress_file import phase_of
from loadtests.measure.accounting import expected_strict
from loadtests.measure.aggregate import Aggregate
from loadtests.measure.window import Window, WindowPlanner
from loadtests.model.json_object import JsonObject
from loadtests.model.results import ResultsDoc
from loadtests.units import NS_PER_S

# Workers report every 3 s (Locust's WORKER_REPORT_INTERVAL) on top of the drain.
SETTLE_S = 4
MAX_SECOND_ROWS = 120
# the per-second columns results_rows shows (the optional ones may be absent)
Column = Literal["delivered", "expected", "lost", "duplicated", "p50_us", "p99_us"]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("second", "Send second"),
    ("phase", "Phase"),
    ("delivered_per_s", "Delivered/s"),
    ("p50_ms", "Fan-out p50 (ms)"),
    ("p99_ms", "p99 (ms)"),
    ("p99_9_ms", "p99.9 (ms)"),
    ("settled", "Settled"),
    ("expected", "Expected"),
    ("delivered", "Delivered"),
    ("lost", "Lost"),
    ("duplicated", "Duplicated"),
    ("leaked", "Leaked"),
    ("flags", "Flags"),
)


class Percentiles(TypedDict):
    p50_ms: float | None
    p99_ms: float | None
    p99_9_ms: float | None


# total=False: the running total row gains its window figures once the window is planned.
class TabRow(TypedDict, total=False):
    """One row of the tab (``COLUMNS``): a send second, or the window's total ("window")."""

    second: int | str
    phase: str
    delivered_per_s: float | None
    p50_ms: float | None
    p99_ms: float | None
    p99_9_ms: float | None
    settled: str
    expected: int | None
    delivered: int | None
    lost: int | None
    duplicated: int | None
    leaked: int | None
    flags: str


class CoordinatorState(Protocol):
    """The parts of ``loadtests.coordination.coordinator.Coordinator`` the tab reads."""

    planner: WindowPlanner | None
    aggregate: Aggregate
    written: bool

    @property
    def settings(self) -> Any: ...


@dataclass(frozen=True)
class SettledSecond:
    """A window second whose deliveries are all in: what was expected and what was lost."""

    second: int
    expected: int
    delivered: int
    lost: int


def _ms(value_us: float | None) -> float | None:
    return None if value_us is None else round(value_us / 1000.0, 3)


def _percentiles_ms(histogram: HdrHistogram | None) -> Percentiles:
    if histogram is None or histogram.get_total_count() == 0:
        return {"p50_ms": None, "p99_ms": None, "p99_9_ms": None}
    return {
        "p50_ms": _ms(histogram.get_value_at_percentile(50.0)),
        "p99_ms": _ms(histogram.get_value_at_percentile(99.0)),
        "p99_9_ms": _ms(histogram.get_value_at_percentile(99.9)),
    }


def settled_seconds(
    aggregate: Aggregate, window: Window, now_ns: int, settle_s: int = SETTLE_S
) -> list[SettledSecond]:
    """Window seconds whose drain and the following reports have passed, oldest first."""
    last = min(window.end_s, now_ns // NS_PER_S - math.ceil(window.drain_s) - settle_s)
    if last <= window.start_s:
        return []
    sends = aggregate.sorted_sends()
    intervals, _away = aggregate.all_intervals()
    rows = []
    for second in range(window.start_s, last):
        found = aggregate.seconds.get(second)
        counts = found.counts if found is not None else {"strict": 0, "optional": 0}
        strict_expected = expected_strict(
            intervals, sends, second * NS_PER_S, (second + 1) * NS_PER_S
        )
        delivered = counts["strict"] + counts["optional"]
        expected = strict_expected + counts["optional"]
        rows.append(SettledSecond(second, expected, delivered, max(0, expected - delivered)))
    return rows


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _settled_cell(window: Window | None, second: int, done: bool) -> str:
    """A window second's state: "yes" once settled, "open" until then; blank outside the window."""
    if window is None or window.phase(second) != "window":
        return ""
    return "yes" if done else "open"


def settled_text(settled: list[int], window: Window, now_ns: int) -> str:
    """Which window seconds (from 0) the window row's counts cover, and which are still open."""
    started = min(window.end_s, now_ns // NS_PER_S + 1) - window.start_s
    done = len(settled)
    parts = [f"{_span(0, done - 1)} settled" if done else "none settled"]
    if done < started:
        parts.append(f"{_span(done, started - 1)} open")
    return "; ".join(parts)


def live_rows(state: CoordinatorState, now_ns: int | None = None) -> list[TabRow]:
    """The tab's rows while the test runs (before the results file exists)."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    planner, aggregate = state.planner, state.aggregate
    if planner is None:
        return []
    window = planner.window
    phase = phase_of(planner, now_ns)
    settled = {s.second: s for s in settled_seconds(aggregate, window, now_ns)} if window else {}
    rows: list[TabRow] = []
    for second in sorted(aggregate.seconds, reverse=True)[:MAX_SECOND_ROWS]:
        found = aggregate.seconds[second]
        c = found.counts
        done = settled.get(second)
        rows.append(
            {
                "second": second - window.start_s if window else "",
                "phase": window.phase(second) if window else "joining",
                "delivered_per_s": c["strict"] + c["optional"],
                **_percentiles_ms(found.read("fanout")),
                "settled": _settled_cell(window, second, done is not None),
                "expected": done.expected if done else None,
                "delivered": c["strict"] + c["optional"],
                "lost": done.lost if done else None,
                "duplicated": c["duplicated"],
                "leaked": c["leaked"],
                "flags": "",
            }
        )
    if phase == "done":  # the results file is not written yet: these figures are not final
        phase = "writing results"
    total: TabRow = {
        "second": "window",
        "phase": f"{phase} (joined {planner.joined_total}/{planner.users})",
        "flags": "; ".join(planner.incomplete),
    }
    if window is not None:
        counts = aggregate.window_counts(window)
        seconds_in = max(1, min(now_ns // NS_PER_S, window.end_s) - window.start_s)
        total.update(
            {
                "delivered_per_s": round((counts["strict"] + counts["optional"]) / seconds_in, 1),
                **_percentiles_ms(aggregate.window_histogram("fanout", window)),
                "settled": settled_text(sorted(settled), window, now_ns),
                "expected": sum(s.expected for s in settled.values()) if settled else None,
                "delivered": sum(s.delivered for s in settled.values()) if settled else None,
                "lost": sum(s.lost for s in settled.values()) if settled else None,
                "duplicated": counts["duplicated"],
                "leaked": counts["leaked"],
            }
        )
    return [total, *rows]


def results_rows(doc: ResultsDoc) -> list[TabRow]:
    """The tab's rows from a written results document: its own figures, verbatim."""
    c, fanout, ts = doc["counters"], doc["latency"]["fanout"], doc["timeseries"]
    flags = doc.get("flags") or {}
    total: TabRow = {
        "second": "window",
        "phase": "done" + (" (incomplete: counters partial)" if "incomplete" in flags else ""),
        "delivered_per_s": doc["rates"]["deliveries_per_s"],
        "p50_ms": _ms(fanout["p50"]) if fanout["count"] else None,
        "p99_ms": _ms(fanout["p99"]) if fanout["count"] else None,
        "p99_9_ms": _ms(fanout["p99_9"]) if fanout["count"] else None,
        "settled": "all",
        "expected": c["expected"],
        "delivered": c["delivered"],
        "lost": c["lost"],
        "duplicated": c["duplicated"],
        "leaked": c["leaked"],
        "flags": "; ".join(f"{name}: {why}" for name, why in flags.items()),
    }
    n = len(ts["t_s"])

    def column(name: Column) -> list[Any]:
        return list(ts.get(name) or [None] * n)  # optional columns may be absent

    delivered, expected, lost = column("delivered"), column("expected"), column("lost")
    duplicated, p50, p99 = column("duplicated"), column("p50_us"), column("p99_us")
    rows: list[TabRow] = [
        {
            "second": ts["t_s"][i],
            "phase": ts["phase"][i],
            "delivered_per_s": delivered[i],
            "p50_ms": _ms(p50[i]),
            "p99_ms": _ms(p99[i]),
            "p99_9_ms": None,  # the results keep per-second p50 and p99 only
            "settled": "yes",
            "expected": expected[i],
            "delivered": delivered[i],
            "lost": lost[i],
            "duplicated": duplicated[i],
            "leaked": None,
            "flags": "",
        }
        for i in reversed(range(n))
    ]
    return [total, *rows]


def tab_rows(state: CoordinatorState, now_ns: int | None = None) -> list[TabRow]:
    """Rows for the tab: from the results file once written, else live."""
    if state.written:
        try:
            doc = json.loads(Path(state.settings.results_path).read_text())
        except (OSError, ValueError):
            doc = None
        if doc is not None:
            return results_rows(doc)
    return live_rows(state, now_ns)


def display(rows: list[TabRow]) -> list[JsonObject]:
    """Rows as the browser table shows them: None as an empty cell, big counts with commas."""
    shown = []
    for row in rows:
        out: JsonObject = {}
        cells: Mapping[str, object] = row
        for key, _title in COLUMNS:
            value = cells.get(key)
            if value is None:
                out[key] = ""
            elif isinstance(value, int) and not isinstance(value, bool) and key != "second":
                out[key] = f"{value:,}"
            else:
                out[key] = value
        shown.append(out)
    return shown


def chart_series(rows: list[TabRow], live: bool = False) -> dict[str, list[Any]]:
    """Per-second points for the tab's chart, oldest first: deliveries/s and fan-out p50/p99 ms.

    Seconds are the rows' own (from the window's start); the drain sends nothing,
    so its seconds carry no value rather than a drop to 0. While the test runs
    (``live``), the newest second is still filling and is left out: it would
    draw as a drop.
    """
    seconds = [r for r in reversed(rows[1:]) if isinstance(r.get("second"), int)]
    if live:
        seconds = seconds[:-1]
    sending = [r for r in seconds if r.get("phase") != "drain"]
    return {
        "t_s": [r["second"] for r in sending],
        "phase": [r.get("phase") for r in sending],
        "delivered_per_s": [r.get("delivered_per_s") for r in sending],
        "p50_ms": [r.get("p50_ms") for r in sending],
        "p99_ms": [r.get("p99_ms") for r in sending],
    }
