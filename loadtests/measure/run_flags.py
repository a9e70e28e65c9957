"""The flags a run's own measurements raise (generator saturation and starvation, loss,
drops, leaks, duplicates, errors, schedule lag, clamped latencies, incompleteness).

Pure: from the window, the counters, the latency summaries and the generator
processes' series. The runner adds the server-side flags (``node_died``,
``server_saturated``, ...) it alone can see. Thresholds: measurement rule 6
(docs/measurement.md).
"""

from __future__ import annotations

from loadtests.measure import hdr
from loadtests.measure.sampling import ProcessSeries
from loadtests.measure.window import Window
from loadtests.model.results import Counters, Latency

SATURATED_CPU_PERCENT = 90.0
SATURATED_FRACTION = 0.10
STARVED_WAIT_FRACTION = 0.10  # of the window spent waiting for a CPU (rule 6)
SCHEDULE_LAG_FLAG_US = 100_000


def run_flags(
    window: Window,
    counters: Counters,
    latency: Latency,
    generator_series: list[ProcessSeries],
    incomplete: list[str],
) -> dict[str, str]:
    """Every flag the measured figures raise, with why (docs/results-schema.md, "Flags")."""
    flags: dict[str, str] = {}
    busy = []
    for series in generator_series:
        fraction = series.busy_fraction(window.start_ns, window.end_ns, SATURATED_CPU_PERCENT)
        if fraction > SATURATED_FRACTION:
            busy.append(
                f"{series.name} above {SATURATED_CPU_PERCENT:.0f} % CPU for "
                f"{fraction * 100:.0f} % of the window"
            )
    if busy:
        flags["generator_saturated"] = "; ".join(busy)
    starved = []
    for series in generator_series:
        waited = series.wait_fraction(window.start_ns, window.end_ns)
        if waited is not None and waited > STARVED_WAIT_FRACTION:
            starved.append(f"{series.name} waited for a CPU {waited * 100:.0f} % of the window")
    if starved:
        flags["generator_starved"] = "; ".join(starved)
    if counters["lost"] > 0:
        flags["lost"] = (
            f"{counters['lost']} of {counters['expected']} expected deliveries lost "
            f"({counters['lost_connected']} while connected, "
            f"{counters['lost_disconnected']} while disconnected)"
        )
    if counters["unexpected_disconnects"] > 0:
        reconnect = latency["reconnect"]
        flags["connections_dropped"] = (
            f"{counters['unexpected_disconnects']} connection(s) dropped by the server or "
            f"network; {counters['rejoins']} re-joined"
            + (
                f" (reconnect p50 {reconnect['p50'] / 1000:.0f} ms, "
                f"p99 {reconnect['p99'] / 1000:.0f} ms)"
                if reconnect["count"]
                else ""
            )
            + f"; {counters['sends_skipped']} scheduled sends skipped while disconnected"
        )
    for name in ("leaked", "duplicated", "errors"):
        if counters[name] > 0:
            flags[name] = f"{counters[name]} {name}"
    if latency["schedule_lag"]["count"] and latency["schedule_lag"]["p99"] > SCHEDULE_LAG_FLAG_US:
        flags["schedule_lag"] = (
            f"schedule lag p99 {latency['schedule_lag']['p99'] / 1000:.0f} ms: "
            "the generator fell behind its open-model schedule"
        )
    # every summary (the TypedDict's values read as plain dicts: their keys are all alike)
    summaries = [(name, s) for name, s in latency.items() if isinstance(s, dict)]
    clamped = [
        f"{name}: {summary['negative']} below 0 µs (recorded as 0)"
        if summary.get("negative")
        else ""
        for name, summary in summaries
    ] + [
        f"{name}: {summary['over_range']} above {hdr.HIGHEST_US // 1_000_000} s "
        f"(recorded as {hdr.HIGHEST_US // 1_000_000} s)"
        if summary.get("over_range")
        else ""
        for name, summary in summaries
    ]
    if any(clamped):
        flags["latency_out_of_range"] = (
            "; ".join(c for c in clamped if c)
            + ": clocks disagree (a cross-host offset not corrected, a clock step) "
            "or a latency beyond the histogram's range"
        )
    if incomplete:
        flags["incomplete"] = "; ".join(incomplete)
    return flags
