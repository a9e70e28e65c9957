"""The report's charts, from pooled configurations and bench files to SVG strings.

Each function returns one chart (or a list of them) and knows nothing of the
page around it. Latencies are recorded in µs and drawn in ms, as the tables
show them. Panels that are compared side by side (each configuration's CPU,
each configuration's RSS) share one y-scale. Over time, the x-axis spans the
samples there are; the drain seconds carry no sends, so the by-send-second
series stop at the window's end instead of dropping to 0, and the drain band
says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from reports import bench_view, hdr_view
from reports.configs import ConfigRuns, by_name
from reports.html.bars import bar_chart
from reports.html.faults import doc_marks, overlay_marks
from reports.html.svg import HEADROOM, Axis, Band, Series, line_chart, nice_ticks
from reports.loading import BenchDoc
from reports.metrics import MIB, US_PER_MS

PERCENTILE_AXIS_TICKS = [
    (2.0, "50%"),
    (10.0, "90%"),
    (100.0, "99%"),
    (1000.0, "99.9%"),
    (10000.0, "99.99%"),
]
DRAIN_LABEL = "drain: no sends"
# Columns counted by send second: nothing is sent in the drain, so they have no value there.
BY_SEND_SECOND = ("delivered", "p50_us", "p99_us")
SECONDS = Axis("seconds from window start", tight=True)


def _ms(value: float) -> str:
    return f"{value:g}"


def percentile_distribution(configs: Sequence[ConfigRuns]) -> str:
    series = [
        Series(
            c.label,
            [(x, v / US_PER_MS) for x, v in hdr_view.percentile_curve(c.histogram("fanout"))],
        )
        for c in configs
    ]
    return line_chart(
        "Fan-out latency by percentile (merged HDR histograms)",
        Axis("percentile", log=True, ticks=PERCENTILE_AXIS_TICKS),
        Axis("fan-out latency (ms)", zero=True, fmt=_ms, headroom=True),
        series,
        markers=False,
    )


def latency_cdf(configs: Sequence[ConfigRuns]) -> str:
    series = [
        Series(c.label, [(v / US_PER_MS, f) for v, f in hdr_view.cdf(c.histogram("fanout"))])
        for c in configs
    ]
    return line_chart(
        "Fan-out latency CDF",
        Axis("fan-out latency (ms, log)", log=True, fmt=_ms),
        Axis(
            "fraction of deliveries",
            lo=0.0,
            hi=1.0,
            ticks=[(0.0, "0"), (0.25, "0.25"), (0.5, "0.5"), (0.75, "0.75"), (1.0, "1")],
        ),
        series,
        markers=False,
    )


def _phase_bands(config: ConfigRuns) -> list[Band]:
    series = config.first["timeseries"]
    t_s, phase = series["t_s"], series["phase"]
    bands = []
    for name, label in (("warmup", "warm-up"), ("drain", DRAIN_LABEL)):
        seconds = [t for t, p in zip(t_s, phase, strict=False) if p == name]
        if seconds:
            bands.append(Band(min(seconds), max(seconds) + 1, label))
    return bands


def _mean_by_second(
    config: ConfigRuns, column: str, scale: float
) -> list[tuple[float, float | None]]:
    """The column averaged over repeats second by second (None where no repeat has a value)."""
    sums: dict[float, list[float]] = {}
    for doc in config.docs:
        series = by_name(doc["timeseries"])
        for t, phase, value in zip(series["t_s"], series["phase"], series[column], strict=False):
            bucket = sums.setdefault(float(t), [])
            if value is not None and not (phase == "drain" and column in BY_SEND_SECOND):
                bucket.append(float(value) / scale)
    return [(t, sum(v) / len(v) if v else None) for t, v in sorted(sums.items())]


TIMESERIES = (
    ("delivered", "Deliveries per second (by send second)", "deliveries/s", 1.0),
    ("p50_us", "Fan-out p50 per second", "fan-out p50 (ms)", US_PER_MS),
    ("p99_us", "Fan-out p99 per second", "fan-out p99 (ms)", US_PER_MS),
    ("connected", "Connected users", "users", 1.0),
)


def timeseries(configs: Sequence[ConfigRuns]) -> list[str]:
    """One chart per time-series column, configurations overlaid, warm-up and drain shaded,
    fault events and unplanned exits marked."""
    charts = []
    marks = overlay_marks(configs)
    for column, title, y_label, scale in TIMESERIES:
        series = [Series(c.label, _mean_by_second(c, column, scale)) for c in configs]
        repeats = max(c.repeats for c in configs)
        note = " (mean over repeats)" if repeats > 1 else ""
        charts.append(
            line_chart(
                title + note,
                SECONDS,
                Axis(y_label, zero=True, fmt=_ms, headroom=True),
                series,
                bands=_phase_bands(configs[0]),
                markers=False,
                marks=marks,
            )
        )
    return charts


def _shared_top(values: Sequence[float]) -> float:
    """One y-axis top for panels compared side by side: headroom, then a round tick."""
    top = max(values, default=0.0) * (1 + HEADROOM) or 1.0
    ticks = nice_ticks(0.0, top)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else top
    return ticks[-1] if ticks[-1] >= top else ticks[-1] + step


def _process_series(config: ConfigRuns) -> tuple[list[Series], list[Series]]:
    procs = config.first.get("resources", [])
    cpu = [
        Series(f"{r['role']}: {r['name']}", list(zip(r["t_s"], r["cpu_percent"], strict=False)))
        for r in procs
    ]
    rss = [
        Series(
            f"{r['role']}: {r['name']}",
            [
                (t, None if v is None else v / MIB)
                for t, v in zip(r["t_s"], r["rss_bytes"], strict=False)
            ],
        )
        for r in procs
    ]
    return cpu, rss


def resources(configs: Sequence[ConfigRuns]) -> list[str]:
    """CPU then RSS of every sampled process, one panel per configuration (first repeat each),
    all CPU panels on one y-scale and all RSS panels on another."""
    series = {c.label: _process_series(c) for c in configs}

    def top(index: int) -> float:
        return _shared_top(
            [
                y
                for pair in series.values()
                for s in pair[index]
                for _x, y in s.points
                if y is not None
            ]
        )

    charts = []
    for index, what, axis in (
        (0, "CPU per process", Axis("CPU % of one core", lo=0.0, hi=top(0))),
        (1, "RSS per process", Axis("RSS (MiB)", lo=0.0, hi=top(1))),
    ):
        for config in configs:
            doc = config.first
            charts.append(
                line_chart(
                    f"{what} — {config.label}, repeat {doc['repeat']}",
                    SECONDS,
                    axis,
                    series[config.label][index],
                    bands=_phase_bands(config),
                    markers=False,
                    marks=doc_marks(doc),
                )
            )
    return charts


def _label(bench: BenchDoc, name: str, several: bool) -> str:
    return f"{bench.label}: {name}" if several else name


def bench_charts(benches: Sequence[BenchDoc]) -> list[str]:
    """Per-delivery cost against room size, handler/raw ratio, disconnect cost."""
    several = len(benches) > 1
    charts = []
    size_series = [
        Series(_label(b, name, several), [(float(n), ns) for n, ns in points])
        for b in benches
        for name, points in bench_view.size_series(b.benchmarks).items()
    ]
    if size_series:
        charts.append(
            line_chart(
                "Per-delivery cost against room size",
                Axis("room size (members, log)", log=True),
                Axis("ns per delivery", zero=True),
                size_series,
                markers=True,
            )
        )
    bars = [
        (_label(b, f"n={pair.n}", several), pair.ratio)
        for b in benches
        for pair in bench_view.handler_raw_pairs(b.benchmarks)
    ]
    if bars:
        charts.append(
            bar_chart(
                "Handler vs raw emit: per-delivery cost ratio (1.0 = no overhead)",
                bars,
                "x",
                reference=1.0,
            )
        )
    disconnect = [
        Series(
            _label(b, "disconnect", several),
            [(float(n), us) for n, us in bench_view.disconnect_cost(b.benchmarks)],
        )
        for b in benches
        if bench_view.disconnect_cost(b.benchmarks)
    ]
    if disconnect:
        charts.append(
            line_chart(
                "Disconnect cost against connected clients",
                Axis("clients (log)", log=True),
                Axis("µs per disconnect", zero=True),
                disconnect,
                markers=True,
            )
        )
    return charts
