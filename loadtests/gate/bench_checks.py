"""Micro-benchmark lines of the gate: per-round samples of pytest-benchmark JSON.

Rounds are the benchmark's repeats (``--benchmark-save-data`` writes them to
``stats.data``), scaled to ns per delivery by ``extra_info.per_delivery_ns /
stats.mean``; the handler/raw ratio uses rounds paired by index. They are
tested like load repeats (reports.timing) and join the same Holm family.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from loadtests.model.bench import BenchJson, Benchmark, is_bench_json
from reports import bench_view
from reports.rules import BENCH_METRICS, GateRules, MetricRule
from reports.timing import Tested, test_samples


def _line(
    metric: str,
    subject: str,
    pooled: tuple[float, float],
    samples: tuple[list[float] | None, list[float] | None],
    rule: MetricRule,
    rules: GateRules,
) -> Tested:
    unit = BENCH_METRICS[metric][1]
    base_samples, cand_samples = samples
    if base_samples is None or cand_samples is None:
        missing = "baseline" if base_samples is None else "candidate"
        return Tested(
            metric=metric,
            subject=subject,
            unit=unit,
            rule=rule,
            higher_is_better=False,
            base_pooled=pooled[0],
            cand_pooled=pooled[1],
            samples="no rounds",
            untestable=f"no per-round samples in the {missing} (stats.data): run "
            "pytest-benchmark with --benchmark-save-data",
        )
    return test_samples(
        metric,
        subject,
        unit,
        rule,
        False,
        pooled,
        (base_samples, cand_samples),
        rules.min_samples,
        "rounds",
        rules,
    )


def _index(benches: Sequence[BenchJson]) -> dict[str, Benchmark]:
    return {str(b.get("fullname") or b["name"]): b for doc in benches for b in doc["benchmarks"]}


def bench_tests(
    base_docs: Sequence[Mapping[str, object]],
    cand_docs: Sequence[Mapping[str, object]],
    rules: GateRules,
) -> list[Tested]:
    """Every benchmark on both sides, per enabled bench rule.

    The gate's documents come as it read them (results and bench alike, untyped):
    only bench documents (``is_bench_json``) are read.
    """
    base = _index([d for d in base_docs if is_bench_json(d)])
    cand = _index([d for d in cand_docs if is_bench_json(d)])
    lines = []
    rule = rules.metrics.get("bench_per_delivery_ns")
    if rule is not None and rule.enabled:
        for name, bench in cand.items():
            if name not in base or (bench.get("extra_info") or {}).get("per_delivery_ns") is None:
                continue
            lines.append(
                _line(
                    "bench_per_delivery_ns",
                    bench["name"],
                    (bench_view.per_delivery_ns(base[name]), bench_view.per_delivery_ns(bench)),
                    (
                        bench_view.per_delivery_samples(base[name]),
                        bench_view.per_delivery_samples(bench),
                    ),
                    rule,
                    rules,
                )
            )
    rule = rules.metrics.get("bench_handler_raw_ratio")
    if rule is not None and rule.enabled:
        base_pairs = {p.n: p for p in bench_view.handler_raw_pairs(list(base.values()))}
        for pair in bench_view.handler_raw_pairs(list(cand.values())):
            if pair.n in base_pairs:
                ref = base_pairs[pair.n]
                lines.append(
                    _line(
                        "bench_handler_raw_ratio",
                        f"handler/raw n={pair.n}",
                        (ref.ratio, pair.ratio),
                        (bench_view.ratio_samples(ref), bench_view.ratio_samples(pair)),
                        rule,
                        rules,
                    )
                )
    return lines
