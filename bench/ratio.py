"""The reference handler's overhead: time of ``room_message`` handler / raw emit.

The benchmarks of group ``handler-vs-raw`` (``bench/test_handler.py``) emit
the same payload to the same room of 100 with engine.io stubbed the same way:
``raw`` through a bare ``socketio.Server.emit``, ``handler`` through
target_app's dispatched ``room_message`` handler (validation, membership check,
emit), and any other variant (``dispatch``: the same handler registered on
python-socketio's server without Flask-SocketIO's dispatch; ``handler-direct``)
likewise. Ratios are computed
from the finished JSON (pytest-benchmark's ``pytest_benchmark_update_json``
hook), not inside a benchmark, so they hold whatever order the benchmarks ran in
and whichever other benchmarks were selected: ``ratio_to_raw`` is the ratio of
medians, ``ratio_to_raw_min`` that of minimums (the least-disturbed estimate on
a busy machine). The goal (a ratio of at most 1.2) is judged on the
interleaved ratio the handler benchmark measured itself
(``ratio_to_raw_interleaved``, ``bench.interleave``) when there is one, as
separate benchmarks drift apart when other processes load the machine; it is
``goal_ratio`` in the summary.
"""

from __future__ import annotations

from loadtests.model.bench import BenchJson, Benchmark, RatioSummary

GROUP = "handler-vs-raw"
GOAL_MAX_RATIO = 1.2


def _find(benchmarks: list[Benchmark], variant: str) -> Benchmark | None:
    for bench in benchmarks:
        if bench.get("group") == GROUP and bench.get("extra_info", {}).get("variant") == variant:
            return bench
    return None


def _summary(bench: Benchmark, raw: Benchmark) -> RatioSummary:
    b, r = bench["stats"], raw["stats"]
    ratio = b["median"] / r["median"]
    # The interleaved measurement, when the benchmark made one, is the judge.
    judged = bench.get("extra_info", {}).get("ratio_to_raw_interleaved", ratio)
    return {
        "ratio_to_raw": round(ratio, 4),
        "ratio_to_raw_min": round(b["min"] / r["min"], 4),
        "raw_median_s": r["median"],
        "raw_name": raw["name"],
        "goal_ratio": judged,
        "goal_max_ratio": GOAL_MAX_RATIO,
        "meets_goal": judged <= GOAL_MAX_RATIO,
    }


def ratios(output_json: BenchJson) -> dict[str, RatioSummary]:
    """Each non-raw variant of the group -> its ratio summary ({} without a raw benchmark)."""
    benchmarks = output_json.get("benchmarks", [])
    raw = _find(benchmarks, "raw")
    if raw is None:
        return {}
    return {
        bench["extra_info"]["variant"]: _summary(bench, raw)
        for bench in benchmarks
        if bench.get("group") == GROUP and bench["extra_info"].get("variant") not in (None, "raw")
    }


def handler_ratio(output_json: BenchJson) -> RatioSummary | None:
    """The headline: the dispatched handler's summary, or None when it or raw is missing."""
    return ratios(output_json).get("handler")


def add_handler_ratio(output_json: BenchJson) -> RatioSummary | None:
    """Write each variant's summary into its ``extra_info``; return the headline."""
    found = ratios(output_json)
    for variant, summary in found.items():
        bench = _find(output_json["benchmarks"], variant)
        assert bench is not None
        bench["extra_info"].update(summary)
    return found.get("handler")
