"""The report's sections: what each one shows, as plain values for its template.

Each function here returns one ``Section`` (a template under
``templates/sections/`` and its context). The functions decide *what* is
shown (which rows, which figures, which colour a change gets); the templates
decide the markup, and escape every value they print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from reports import bench_view
from reports.configs import ConfigRuns
from reports.html import charts
from reports.html.templating import Section
from reports.loading import BenchDoc
from reports.table import Cell, SummaryTable

VERSION_KEYS = (
    "python",
    "flask-socketio",
    "python-socketio",
    "python-engineio",
    "eventlet",
    "gevent",
    "locust",
    "redis_server",
)

RUNS_HEADER = (
    "configuration",
    "commit",
    "versions",
    "async mode",
    "queue",
    "nodes",
    "GC",
    "faults",
    "machine",
    "scenario",
    "window",
    "repeats",
    "run",
)

BENCH_HEADER = (
    "benchmark",
    "group",
    "variant",
    "n",
    "median (µs)",
    "per delivery (ns)",
    "rounds",
    "per-round data",
)
# Columns from "n" on are figures, right-aligned.
BENCH_NUMERIC_FROM = 3


def _svg(chart_svgs: Sequence[str]) -> list[Markup]:
    # The chart code (svg.py) escapes every label it draws, so its output is markup.
    return [Markup(svg) for svg in chart_svgs]


def generated(generated_utc: str, results: int, benches: int) -> Section:
    return Section(
        "generated.html", {"generated_utc": generated_utc, "results": results, "benches": benches}
    )


@dataclass(frozen=True)
class Flag:
    label: str
    repeat: int
    flag: str
    why: str


def warnings(configs: Sequence[ConfigRuns]) -> Section:
    """Every flag of every repeat, or a green line saying there are none."""
    flags = [Flag(c.label, repeat, flag, why) for c in configs for repeat, flag, why in c.flags()]
    return Section("warnings.html", {"flags": flags})


def _run_row(c: ConfigRuns) -> list[str]:
    d = c.first
    git = d["git"]
    commit = (git.get("commit") or "none")[:10] + (" (dirty)" if git.get("dirty") else "")
    versions = ", ".join(f"{k} {d['versions'][k]}" for k in VERSION_KEYS if d["versions"].get(k))
    cfg, scen, machine, window = d["config"], d["scenario"], d["machine"], d["window"]
    faults = ", ".join(f"{k}={v}" for k, v in (cfg.get("faults") or {}).items() if v) or "none"
    scenario = (
        f"{scen.get('name')}: {scen.get('users')} users, {scen.get('rooms')} rooms, "
        f"{scen.get('senders')} senders × {scen.get('rate_per_sender_per_s')}/s, "
        f"{scen.get('payload_bytes')} B"
    )
    return [
        c.label,
        commit,
        versions,
        str(cfg.get("async_mode", "")),
        str(cfg.get("queue", "")),
        str(cfg.get("nodes", "")),
        str(cfg.get("gc", "")),
        faults,
        f"{machine.get('cores')} cores, {machine.get('cpu_model')}",
        scenario,
        f"{window['duration_s']:g} s (+{window['warmup_s']:g} s warm-up, "
        f"{window['drain_s']:g} s drain)",
        str(c.repeats),
        str(d["run_id"]),
    ]


def runs(configs: Sequence[ConfigRuns]) -> Section:
    """Run metadata, one row per configuration: commit, versions, axes, machine, window."""
    return Section("runs.html", {"header": RUNS_HEADER, "rows": [_run_row(c) for c in configs]})


@dataclass(frozen=True)
class Change:
    """A change against the baseline: its text, colour class and hover text."""

    text: str
    css: str
    tip: str


@dataclass(frozen=True)
class SummaryCell:
    value: str
    change: Change | None


@dataclass(frozen=True)
class SummaryLine:
    label: str
    is_baseline: bool
    cells: list[SummaryCell]


def _change(cell: Cell) -> Change | None:
    comp = cell.comparison
    if comp is None or not cell.change_text:
        return None
    css = "ns" if not comp.significant else ("worse" if comp.worse else "better")
    tip = comp.reason + (
        f"; p = {comp.p_value:.3g} ({comp.method})" if comp.p_value is not None else ""
    )
    return Change(cell.change_text, css, tip)


def summary(table: SummaryTable) -> Section:
    """The summary table with each change coloured by its test, and the method note."""
    rows = [
        SummaryLine(
            row.config.label,
            row.is_baseline,
            [SummaryCell(cell.value_text, _change(cell)) for cell in row.cells],
        )
        for row in table.rows
    ]
    return Section(
        "summary.html",
        {"metrics": table.metrics, "rows": rows, "method_note": table.method_note()},
    )


def chart_row(title: str, chart_svgs: Sequence[str], note: str = "") -> Section:
    """A heading, an optional note and a row of charts."""
    return Section("charts.html", {"title": title, "note": note, "charts": _svg(chart_svgs)})


def fanout_charts(configs: Sequence[ConfigRuns]) -> Section:
    return chart_row(
        "Fan-out latency",
        [charts.percentile_distribution(configs), charts.latency_cdf(configs)],
    )


def timeseries_charts(configs: Sequence[ConfigRuns]) -> Section:
    return chart_row(
        "Over time",
        charts.timeseries(configs),
        note="Only messages sent inside the window count; warm-up and drain are shaded.",
    )


def process_charts(configs: Sequence[ConfigRuns]) -> Section:
    return chart_row("Processes", [chart for c in configs for chart in charts.resources(c)])


@dataclass(frozen=True)
class BenchTable:
    label: str
    about: str
    rows: list[list[str]]


def _bench_table(bench: BenchDoc) -> BenchTable:
    rows = []
    for b in bench.benchmarks:
        extra = b.get("extra_info") or {}
        per = extra.get("per_delivery_ns")
        rows.append(
            [
                str(b.get("name", "")),
                str(b.get("group") or ""),
                bench_view.variant(b),
                str(bench_view.size(b) or ""),
                f"{float(b['stats']['median']) * 1e6:,.2f}",
                f"{float(per):,.0f}" if per is not None else "—",
                str(b["stats"].get("rounds")),
                "yes" if b["stats"].get("data") else "no",
            ]
        )
    commit = str((bench.doc.get("commit_info") or {}).get("id") or "")[:10]
    machine = (bench.doc.get("machine_info") or {}).get("cpu") or {}
    about = ", ".join(
        part
        for part in (
            str(bench.path),
            f"commit {commit}" if commit else "",
            str(machine.get("brand_raw") or ""),
            str(bench.doc.get("datetime") or ""),
        )
        if part
    )
    return BenchTable(bench.label, about, rows)


def benchmarks(benches: Sequence[BenchDoc]) -> Section:
    """Micro-benchmark charts, then a table of every benchmark of each bench file."""
    return Section(
        "benchmarks.html",
        {
            "charts": _svg(charts.bench_charts(benches)),
            "benches": [_bench_table(b) for b in benches],
            "header": BENCH_HEADER,
            "numeric_from": BENCH_NUMERIC_FROM,
        },
    )


def downloads() -> Section:
    """The list the page's script fills from the embedded data block."""
    return Section("downloads.html")
