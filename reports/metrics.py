"""The figures a report shows and the gate judges, each with its unit and its samples.

A metric knows three things about a configuration: its pooled value (merged
histograms, summed counters), its value in each repeat (for a test over
repeats), and its per-second samples inside the window (for a test when
there are too few repeats). Per-second samples exist only for what the
results' time series carries: fan-out p50 and p99, deliveries, and the
resource samples; other metrics can be tested over repeats only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reports.configs import ConfigRuns

MIB = 1024 * 1024

Pooled = Callable[[ConfigRuns], "float | None"]
PerRepeat = Callable[[dict[str, Any]], "float | None"]
PerSecond = Callable[[ConfigRuns], list[float]]


@dataclass(frozen=True)
class Metric:
    """One column of the summary table.

    ``higher_is_better`` gives the direction of a regression; ``kind`` is
    ``"value"`` (compared and tested) or ``"count"`` (correctness counters:
    shown, never tested for a shift).
    """

    key: str
    label: str
    unit: str
    higher_is_better: bool
    pooled: Pooled
    per_repeat: PerRepeat
    per_second: PerSecond | None = None
    per_second_what: str = ""
    kind: str = "value"


def _number(value: Any) -> float | None:
    """A figure the run may leave null (CPU per delivery with no deliveries)."""
    return None if value is None else float(value)


def _latency(name: str, pct_key: str) -> tuple[Pooled, PerRepeat]:
    percentile = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p99_9": 99.9}.get(pct_key)

    def pooled(config: ConfigRuns) -> float | None:
        hist = config.histogram(name)
        if hist.get_total_count() == 0:
            return None
        if percentile is None:
            return float(hist.get_max_value())
        return float(hist.get_value_at_percentile(percentile))

    def per_repeat(doc: dict[str, Any]) -> float | None:
        summary = doc["latency"][name]
        return float(summary[pct_key]) if summary["count"] else None

    return pooled, per_repeat


def _column(column: str) -> PerSecond:
    return lambda config: config.window_column(column)


def _deliveries_pooled(config: ConfigRuns) -> float | None:
    seconds = config.window_s()
    return config.counter("delivered") / seconds if seconds else None


def _gen_cpu_pooled(config: ConfigRuns) -> float | None:
    delivered = config.counter("delivered")
    cpu_s = sum(float(d["generator"]["cpu_s"]) for d in config.docs)
    return cpu_s * 1e6 / delivered if delivered else None


def _role_cpu_pct(role: str) -> tuple[Pooled, PerRepeat, PerSecond]:
    """Mean CPU % of one core over the window, averaged over the processes of ``role``."""

    def per_repeat(doc: dict[str, Any]) -> float | None:
        duration_s = float(doc["window"]["duration_s"])
        cpu = [float(r["cpu_s_window"]) for r in doc["resources"] if r.get("role") == role]
        if not cpu or not duration_s:
            return None
        return sum(cpu) / len(cpu) / duration_s * 100

    def pooled(config: ConfigRuns) -> float | None:
        values = [v for v in map(per_repeat, config.docs) if v is not None]
        return sum(values) / len(values) if values else None

    return pooled, per_repeat, lambda c: c.resource_window_samples(role, "cpu_percent")


def _node_rss() -> tuple[Pooled, PerRepeat, PerSecond]:
    """Peak RSS of the largest node, MiB."""

    def per_repeat(doc: dict[str, Any]) -> float | None:
        peaks = [int(r["peak_rss_bytes"]) for r in doc["resources"] if r.get("role") == "node"]
        return max(peaks) / MIB if peaks else None

    def pooled(config: ConfigRuns) -> float | None:
        values = [v for v in map(per_repeat, config.docs) if v is not None]
        return max(values) if values else None

    def per_second(config: ConfigRuns) -> list[float]:
        return [v / MIB for v in config.resource_window_samples("node", "rss_bytes")]

    return pooled, per_repeat, per_second


def _counter(key: str) -> Metric:
    return Metric(
        key=key,
        label=key,
        unit="count",
        higher_is_better=False,
        pooled=lambda c: float(c.counter(key)),
        per_repeat=lambda d: float(d["counters"][key]),
        kind="count",
    )


def _build() -> list[Metric]:
    metrics = [
        Metric(
            "deliveries_per_s",
            "deliveries/s",
            "1/s",
            True,
            _deliveries_pooled,
            lambda d: _number(d["rates"].get("deliveries_per_s")),
            _column("delivered"),
            "deliveries counted per send second",
        ),
    ]
    per_second = {
        "p50": (_column("p50_us"), "per-second fan-out p50"),
        "p99": (_column("p99_us"), "per-second fan-out p99"),
    }
    for pct_key, label in (
        ("p50", "p50"),
        ("p90", "p90"),
        ("p99", "p99"),
        ("p99_9", "p99.9"),
        ("max", "max"),
    ):
        pooled, per_repeat = _latency("fanout", pct_key)
        series, what = per_second.get(pct_key, (None, ""))
        metrics.append(
            Metric(
                f"fanout_{pct_key}",
                f"fan-out {label}",
                "µs",
                False,
                pooled,
                per_repeat,
                series,
                what,
            )
        )
    for name, label in (("self", "self p99"), ("connect", "connect p99"), ("join", "join p99")):
        pooled, per_repeat = _latency(name, "p99")
        metrics.append(Metric(f"{name}_p99", label, "µs", False, pooled, per_repeat))
    metrics += [_counter(k) for k in ("lost", "duplicated", "leaked", "reordered", "errors")]
    metrics.append(
        Metric(
            "generator_cpu_us_per_delivery",
            "generator CPU/delivery",
            "µs",
            False,
            _gen_cpu_pooled,
            lambda d: _number(d["generator"].get("cpu_us_per_delivery")),
        )
    )
    pooled, per_repeat, series = _role_cpu_pct("node")
    metrics.append(
        Metric(
            "node_cpu_pct",
            "server CPU/node",
            "%",
            False,
            pooled,
            per_repeat,
            series,
            "per-second node CPU samples",
        )
    )
    pooled, per_repeat, series = _node_rss()
    metrics.append(
        Metric(
            "node_peak_rss_mib",
            "server peak RSS/node",
            "MiB",
            False,
            pooled,
            per_repeat,
            series,
            "per-second node RSS samples",
        )
    )
    pooled, per_repeat, series = _role_cpu_pct("redis")
    metrics.append(
        Metric(
            "redis_cpu_pct",
            "redis CPU",
            "%",
            False,
            pooled,
            per_repeat,
            series,
            "per-second redis-server CPU samples",
        )
    )
    return metrics


METRICS: list[Metric] = _build()
METRICS_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}


def format_value(value: float | None, unit: str) -> str:
    """A figure as the table prints it: whole numbers as such, one decimal below 100."""
    if value is None:
        return "—"
    if unit == "x":
        return f"{value:.2f}"
    if unit == "count" or float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 1 else f"{value:.3g}"
