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
from reports.metrics import Metric, shown_unit
from reports.table import Cell, SummaryTable
from reports.verdict_line import VerdictLine

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


def verdict(line: VerdictLine) -> Section:
    """The one line on top: flags, loss, counts, whether changes were tested, the gate."""
    return Section("verdict.html", {"parts": line.parts, "alarm": line.alarm})


def contents(entries: Sequence[tuple[str, str]]) -> Section:
    """The table of contents: (anchor, title) of every section with a heading."""
    return Section("contents.html", {"entries": entries})


def one_line(anchor: str, title: str, text: str) -> Section:
    """A section with nothing to show: its title and why, on one line."""
    return Section("one_line.html", {"anchor": anchor, "title": title, "text": text})


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
    injected = cfg.get("faults")
    injected = injected if isinstance(injected, dict) else {}
    faults = ", ".join(f"{k}={v}" for k, v in injected.items() if v) or "none"
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
    """Run metadata, one column per configuration (so it fits a narrow page), one row a field."""
    columns = [_run_row(c) for c in configs]
    rows = [[field, *(col[i] for col in columns)] for i, field in enumerate(RUNS_HEADER)]
    return Section("runs.html", {"rows": rows})


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
    """Colour only a change the gate's rule calls different; an untested one is plain."""
    comp = cell.comparison
    if comp is None or not cell.change_text:
        return None
    if comp.significant:
        css = "worse" if comp.worse else "better"
    else:
        css = "ns" if comp.tested else "plain"
    tip = comp.reason + (f"; p = {comp.p_value:.3g}" if comp.p_value is not None else "")
    return Change(cell.change_text, css, tip)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str


@dataclass(frozen=True)
class SummaryGrid:
    """One rendering of the table: its column groups (name, span), columns and rows."""

    groups: list[tuple[str, int]]
    columns: list[Column]
    rows: list[SummaryLine]


def _grid(table: SummaryTable, metrics: list[Metric]) -> SummaryGrid:
    groups: list[tuple[str, int]] = []
    for m in metrics:
        if groups and groups[-1][0] == m.group:
            groups[-1] = (m.group, groups[-1][1] + 1)
        else:
            groups.append((m.group, 1))
    columns = []
    for m in metrics:
        unit, _factor = shown_unit(m)
        columns.append(Column(m.key, m.label, "" if unit == "count" else unit))
    rows = []
    for row in table.rows:
        cells = [row.cell(m.key) for m in metrics]
        rows.append(
            SummaryLine(
                row.config.label,
                row.is_baseline,
                [SummaryCell(c.value_text, _change(c)) for c in cells if c is not None],
            )
        )
    return SummaryGrid(groups, columns, rows)


def summary(table: SummaryTable) -> Section:
    """The compact table (fits 1280 px), every column behind "more columns", the method note."""
    return Section(
        "summary.html",
        {
            "compact": _grid(table, table.default_metrics()),
            "full": _grid(table, table.grouped()),
            "test_note": table.test_note(),
            "method_note": table.method_note(),
        },
    )


def chart_row(title: str, chart_svgs: Sequence[str], note: str = "", anchor: str = "") -> Section:
    """A heading, an optional note and a row of charts."""
    return Section(
        "charts.html",
        {"title": title, "note": note, "charts": _svg(chart_svgs), "anchor": anchor},
    )


def fanout_charts(configs: Sequence[ConfigRuns]) -> Section:
    return chart_row(
        "Fan-out latency",
        [charts.percentile_distribution(configs), charts.latency_cdf(configs)],
        anchor="fanout",
    )


def timeseries_charts(configs: Sequence[ConfigRuns]) -> Section:
    return chart_row(
        "Over time",
        charts.timeseries(configs),
        note="Only messages sent inside the window count; warm-up and drain are shaded. "
        "Deliveries and latencies are by send second: the drain sends nothing, so those "
        "lines end where the window ends.",
        anchor="over-time",
    )


def process_charts(configs: Sequence[ConfigRuns]) -> Section:
    return chart_row(
        "Processes",
        charts.resources(configs),
        note="Each configuration's first repeat; CPU panels share one scale, RSS panels another.",
        anchor="processes",
    )


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
