"""The figures a report shows and the gate judges, each with its unit and its column group.

A metric knows two things about a configuration: its pooled value (merged
histograms, summed counters, the mean of a cost) and its value in each repeat
(the only samples a change is tested on: reports.compare). Groups, in table
order: throughput, latency, delivery, cost. Cost is the whole server side by
default (every node plus redis-server: CPU as % of one core and per delivery,
window only, and their summed RSS) and the generator's CPU as % of one core;
per-node figures and the generator's CPU per delivery (which includes its
fixed poller cost, so it reads high at low load) are for ``--wide``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loadtests.model.results import ResultsDoc
from reports.configs import ConfigRuns, by_name

MIB = 1024 * 1024

Pooled = Callable[[ConfigRuns], "float | None"]
PerRepeat = Callable[[ResultsDoc], "float | None"]

# Column groups, in table order.
THROUGHPUT, LATENCY, DELIVERY, COST = "throughput", "latency", "delivery", "cost"
GROUPS = (THROUGHPUT, LATENCY, DELIVERY, COST)
# Roles whose processes are the server side (their sum is what the server costs).
SERVER_ROLES = ("node", "redis")


@dataclass(frozen=True)
class Metric:
    """One column of the summary table.

    ``higher_is_better`` gives the direction of a regression; ``kind`` is
    ``"value"`` (compared, tested over repeats) or ``"count"`` (counters:
    shown, never tested for a shift). ``group`` is its column group;
    ``default`` says whether the compact table (page and terminal) shows it,
    the rest being under "more columns" / ``--wide``.
    """

    key: str
    label: str
    unit: str
    higher_is_better: bool
    pooled: Pooled
    per_repeat: PerRepeat
    kind: str = "value"
    group: str = LATENCY
    default: bool = False


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

    def per_repeat(doc: ResultsDoc) -> float | None:
        summary = by_name(doc["latency"])[name]
        return float(summary[pct_key]) if summary["count"] else None

    return pooled, per_repeat


def _deliveries_pooled(config: ConfigRuns) -> float | None:
    seconds = config.window_s()
    return config.counter("delivered") / seconds if seconds else None


def _gen_cpu_pooled(config: ConfigRuns) -> float | None:
    delivered = config.counter("delivered")
    cpu_s = sum(float(d["generator"]["cpu_s"]) for d in config.docs)
    return cpu_s * 1e6 / delivered if delivered else None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _pooled_mean(per_repeat: PerRepeat) -> Pooled:
    """The mean of the per-repeat values: a cost is an average over equal windows."""
    return lambda config: _mean([v for v in map(per_repeat, config.docs) if v is not None])


def _window_cpu_s(doc: ResultsDoc, roles: tuple[str, ...]) -> list[float]:
    return [float(r["cpu_s_window"]) for r in doc.get("resources", []) if r.get("role") in roles]


def _role_cpu_pct(role: str) -> PerRepeat:
    """Mean CPU % of one core over the window, averaged over the processes of ``role``."""

    def per_repeat(doc: ResultsDoc) -> float | None:
        duration_s = float(doc["window"]["duration_s"])
        cpu = _window_cpu_s(doc, (role,))
        if not cpu or not duration_s:
            return None
        return sum(cpu) / len(cpu) / duration_s * 100

    return per_repeat


def _total_cpu_pct(roles: tuple[str, ...]) -> PerRepeat:
    """CPU of every process of ``roles`` together over the window, % of one core."""

    def per_repeat(doc: ResultsDoc) -> float | None:
        duration_s = float(doc["window"]["duration_s"])
        cpu = _window_cpu_s(doc, roles)
        return sum(cpu) / duration_s * 100 if cpu and duration_s else None

    return per_repeat


def server_cpu_us_per_delivery(doc: ResultsDoc) -> float | None:
    """Server CPU (every node and redis-server, window only) per delivery counted, µs."""
    cpu = _window_cpu_s(doc, SERVER_ROLES)
    delivered = int(doc["counters"]["delivered"])
    return sum(cpu) * 1e6 / delivered if cpu and delivered else None


def _server_cpu_us_pooled(config: ConfigRuns) -> float | None:
    cpu_s = sum(sum(_window_cpu_s(d, SERVER_ROLES)) for d in config.docs)
    delivered = config.counter("delivered")
    return cpu_s * 1e6 / delivered if cpu_s and delivered else None


def server_rss_mib(doc: ResultsDoc) -> float | None:
    """Peak of the summed RSS of every node and redis-server over the window's seconds, MiB.

    The sum is taken second by second (processes peak at different times);
    without samples inside the window, the sum of each process's peak.
    """
    duration_s = float(doc["window"]["duration_s"])
    servers = [r for r in doc.get("resources", []) if r.get("role") in SERVER_ROLES]
    if not servers:
        return None
    totals: dict[float, float] = {}
    for res in servers:
        for t, rss in zip(res.get("t_s", []), res.get("rss_bytes", []), strict=False):
            if rss is not None and 0 <= t < duration_s:
                totals[t] = totals.get(t, 0.0) + float(rss)
    if totals:
        return max(totals.values()) / MIB
    return sum(int(r["peak_rss_bytes"]) for r in servers) / MIB


def _node_rss(doc: ResultsDoc) -> float | None:
    """Peak RSS of the largest node, MiB."""
    peaks = [int(r["peak_rss_bytes"]) for r in doc.get("resources", []) if r.get("role") == "node"]
    return max(peaks) / MIB if peaks else None


def _counter(key: str, group: str, label: str = "", default: bool = False) -> Metric:
    return Metric(
        key=key,
        label=label or key,
        unit="count",
        higher_is_better=False,
        pooled=lambda c: float(c.counter(key)),
        per_repeat=lambda d: float(by_name(d["counters"])[key]),
        kind="count",
        group=group,
        default=default,
    )


def _latencies() -> list[Metric]:
    metrics = []
    for pct_key, label, default in (
        ("p50", "p50", True),
        ("p90", "p90", False),
        ("p99", "p99", True),
        ("p99_9", "p99.9", True),
        ("max", "max", False),
    ):
        pooled, per_repeat = _latency("fanout", pct_key)
        metrics.append(
            Metric(
                f"fanout_{pct_key}",
                f"fan-out {label}",
                "µs",
                False,
                pooled,
                per_repeat,
                group=LATENCY,
                default=default,
            )  # fmt: skip
        )
    for name, label in (("self", "self p99"), ("connect", "connect p99"), ("join", "join p99")):
        pooled, per_repeat = _latency(name, "p99")
        metrics.append(Metric(f"{name}_p99", label, "µs", False, pooled, per_repeat))
    return metrics


def _costs() -> list[Metric]:
    """Whole-system cost by default; per-node and per-delivery generator figures for --wide."""
    server_pct = _total_cpu_pct(SERVER_ROLES)
    gen_pct = _total_cpu_pct(("generator",))
    node_pct, redis_pct = _role_cpu_pct("node"), _role_cpu_pct("redis")
    return [
        Metric("server_cpu_pct", "server CPU", "% core", False, _pooled_mean(server_pct),
               server_pct, group=COST, default=True),
        Metric("server_cpu_us_per_delivery", "server CPU/delivery", "µs", False,
               _server_cpu_us_pooled, server_cpu_us_per_delivery, group=COST, default=True),
        Metric("server_rss_mib", "server RSS", "MiB", False, _pooled_mean(server_rss_mib),
               server_rss_mib, group=COST, default=True),
        Metric("generator_cpu_pct", "generator CPU", "% core", False, _pooled_mean(gen_pct),
               gen_pct, group=COST, default=True),
        Metric("generator_cpu_us_per_delivery", "generator CPU/delivery", "µs", False,
               _gen_cpu_pooled, lambda d: _number(d["generator"].get("cpu_us_per_delivery")),
               group=COST),
        Metric("node_cpu_pct", "CPU/node", "% core", False, _pooled_mean(node_pct), node_pct,
               group=COST),
        Metric("node_peak_rss_mib", "peak RSS/node", "MiB", False,
               lambda c: max((v for v in map(_node_rss, c.docs) if v is not None), default=None),
               _node_rss, group=COST),
        Metric("redis_cpu_pct", "redis CPU", "% core", False, _pooled_mean(redis_pct), redis_pct,
               group=COST),
    ]  # fmt: skip


def _build() -> list[Metric]:
    metrics = [
        Metric(
            "deliveries_per_s",
            "deliveries/s",
            "1/s",
            True,
            _deliveries_pooled,
            lambda d: _number(d["rates"].get("deliveries_per_s")),
            group=THROUGHPUT,
            default=True,
        ),
        _counter("sent", THROUGHPUT, "messages sent", default=True),
        *_latencies(),
        _counter("expected", DELIVERY, "expected", default=True),
        _counter("delivered", DELIVERY, "delivered", default=True),
        _counter("lost", DELIVERY, default=True),
    ]
    metrics += [_counter(k, DELIVERY) for k in ("duplicated", "leaked", "reordered", "errors")]
    metrics += _costs()
    return metrics


METRICS: list[Metric] = _build()
METRICS_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
US_PER_MS = 1000.0


def shown_unit(metric: Metric) -> tuple[str, float]:
    """The unit a table shows ``metric`` in and the factor from its own unit.

    Latencies are recorded in µs and shown in ms everywhere (tables and
    charts); a cost per delivery stays in µs.
    """
    if metric.group == LATENCY and metric.unit == "µs":
        return "ms", 1 / US_PER_MS
    return metric.unit, 1.0


def format_value(value: float | None, unit: str) -> str:
    """A figure as the tables print it: about three significant digits, whole numbers as such.

    ``4,000``  ``233``  ``17.4``  ``2.05``  ``0.812``; ``ms`` never loses its
    decimals (``1.00`` ms is not an integer count), counts always whole.
    """
    if value is None:
        return "—"
    if unit == "x":
        return f"{value:.2f}"
    size = abs(value)
    if unit == "count" or size >= 99.95 or (unit != "ms" and float(value).is_integer()):
        return f"{value:,.0f}"
    if size >= 9.995:  # what would print as 10.00 prints as 10.0
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    if size == 0:
        return "0"
    return f"{value:.3f}" if size >= 0.001 else f"{value:.2g}"
