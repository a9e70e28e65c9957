"""The report's charts, from pooled configurations and bench files to SVG strings.

Each function returns one chart (or a list of them) and knows nothing of the
page around it. Latencies are recorded in µs and drawn in ms, which reads
better on an axis.
"""

from __future__ import annotations

from collections.abc import Sequence

from reports import bench_view, hdr_view
from reports.configs import ConfigRuns
from reports.html.faults import doc_marks, overlay_marks
from reports.html.svg import Axis, Band, Series, bar_chart, line_chart
from reports.loading import BenchDoc
from reports.metrics import MIB

PERCENTILE_AXIS_TICKS = [
    (2.0, "50%"),
    (10.0, "90%"),
    (100.0, "99%"),
    (1000.0, "99.9%"),
    (10000.0, "99.99%"),
]
US_PER_MS = 1000.0


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
        Axis("fan-out latency (ms)", zero=True, fmt=_ms),
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
    for name, label in (("warmup", "warm-up"), ("drain", "drain")):
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
        series = doc["timeseries"]
        for t, value in zip(series["t_s"], series[column], strict=False):
            bucket = sums.setdefault(float(t), [])
            if value is not None:
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
                Axis("seconds from window start"),
                Axis(y_label, zero=True, fmt=_ms),
                series,
                bands=_phase_bands(configs[0]),
                markers=False,
                marks=marks,
            )
        )
    return charts


def resources(config: ConfigRuns) -> list[str]:
    """CPU and RSS of every sampled process of the configuration's first repeat."""
    doc = config.first
    procs = doc.get("resources", [])
    cpu = [
        Series(f"{r['role']}: {r['name']}", list(zip(r["t_s"], r["cpu_percent"], strict=False)))
        for r in procs
    ]
    rss = [
        Series(
            f"{r['role']}: {r['name']}",
            [(t, v / MIB) for t, v in zip(r["t_s"], r["rss_bytes"], strict=False)],
        )
        for r in procs
    ]
    bands = _phase_bands(config)
    marks = doc_marks(doc)
    where = f"{config.label}, repeat {doc['repeat']}"
    return [
        line_chart(
            f"CPU per process — {where}",
            Axis("seconds from window start"),
            Axis("CPU % of one core", zero=True),
            cpu,
            bands=bands,
            markers=False,
            marks=marks,
        ),
        line_chart(
            f"RSS per process — {where}",
            Axis("seconds from window start"),
            Axis("RSS (MiB)", zero=True),
            rss,
            bands=bands,
            markers=False,
            marks=marks,
        ),
    ]


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
