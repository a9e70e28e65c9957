"""Read the micro-benchmarks of pytest-benchmark JSON: per-delivery cost, handler/raw, disconnect.

Conventions of bench/ (``extra_info``): ``per_delivery_ns`` (round time over
deliveries), ``n`` (room size, or client count for membership benchmarks)
and ``variant``. ``stats.data`` (only with ``--benchmark-save-data``) holds
one time per round in seconds: the samples a test uses. Per-delivery
samples are those round times scaled by per_delivery_ns / stats.mean, which
keeps them in the summary's unit whatever ``n`` counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from loadtests.model.bench import BenchJson, Benchmark, InstructionsDoc

HANDLER_RAW_GROUP = "handler-vs-raw"


@dataclass(frozen=True)
class HandlerRaw:
    """A handler benchmark and the raw benchmark with the same ``n``."""

    n: int
    handler: Benchmark
    raw: Benchmark

    @property
    def ratio(self) -> float:
        return per_delivery_ns(self.handler) / per_delivery_ns(self.raw)


def variant(bench: Benchmark) -> str:
    return str((bench.get("extra_info") or {}).get("variant") or bench.get("group") or "default")


def size(bench: Benchmark) -> int | None:
    n = (bench.get("extra_info") or {}).get("n")
    return int(n) if n is not None else None


def per_delivery_ns(bench: Benchmark) -> float:
    """``extra_info.per_delivery_ns``, else the mean round time in ns."""
    extra = bench.get("extra_info") or {}
    if extra.get("per_delivery_ns") is not None:
        return float(extra["per_delivery_ns"])
    return float(bench["stats"]["mean"]) * 1e9


def per_delivery_samples(bench: Benchmark) -> list[float] | None:
    """Per-round per-delivery times in ns, or None without ``stats.data``."""
    data = bench["stats"].get("data")
    if not data:
        return None
    mean_s = float(bench["stats"]["mean"])
    scale = per_delivery_ns(bench) / mean_s if mean_s else 1e9
    return [float(d) * scale for d in data]


def ratio_samples(pair: HandlerRaw) -> list[float] | None:
    """handler/raw ratios of rounds paired by index (the i-th round of each)."""
    handler, raw = per_delivery_samples(pair.handler), per_delivery_samples(pair.raw)
    if not handler or not raw:
        return None
    return [h / r for h, r in zip(handler, raw, strict=False) if r > 0]


def size_series(benchmarks: Sequence[Benchmark]) -> dict[str, list[tuple[int, float]]]:
    """(n, per-delivery ns) per (group, variant) that spans at least two sizes.

    Series with one size (handler-vs-raw, payload) have no size axis to plot.
    """
    series: dict[tuple[str, str], dict[int, float]] = {}
    for bench in benchmarks:
        n = size(bench)
        extra = bench.get("extra_info") or {}
        if n is None or extra.get("per_delivery_ns") is None or is_disconnect(bench):
            continue
        series.setdefault((str(bench.get("group")), variant(bench)), {})[n] = per_delivery_ns(bench)
    kept = {key: sorted(points.items()) for key, points in series.items() if len(points) >= 2}
    variants = [v for _, v in kept]
    return {
        (v if variants.count(v) == 1 else f"{g}/{v}"): points for (g, v), points in kept.items()
    }


def handler_raw_pairs(benchmarks: Sequence[Benchmark]) -> list[HandlerRaw]:
    """Handler and raw benchmarks of the handler-vs-raw group, matched by ``n``."""
    by_variant: dict[str, dict[int, Benchmark]] = {"handler": {}, "raw": {}}
    for bench in benchmarks:
        if bench.get("group") == HANDLER_RAW_GROUP and variant(bench) in by_variant:
            by_variant[variant(bench)][size(bench) or 0] = bench
    return [
        HandlerRaw(n, by_variant["handler"][n], by_variant["raw"][n])
        for n in sorted(set(by_variant["handler"]) & set(by_variant["raw"]))
    ]


def is_disconnect(bench: Benchmark) -> bool:
    return "disconnect" in variant(bench) or "disconnect" in str(bench.get("name", ""))


def disconnect_cost(benchmarks: Sequence[Benchmark]) -> list[tuple[int, float]]:
    """(client count, mean µs per disconnect), sorted by client count."""
    points = [
        (size(b) or 0, float(b["stats"]["mean"]) * 1e6) for b in benchmarks if is_disconnect(b)
    ]
    return sorted(points)


@dataclass(frozen=True)
class InstructionCount:
    """One benchmark's instruction count from a bench.json's ``instructions`` document.

    ``per_delivery`` is callgrind's instructions (Ir) per delivery of the
    counted calls, None when the benchmark failed under valgrind (``error``).
    """

    name: str
    fullname: str
    per_delivery: float | None
    error: str | None


def instruction_document(doc: BenchJson) -> InstructionsDoc | None:
    """The ``instructions`` document ``roombench bench --instructions`` writes, if any."""
    found = doc.get("instructions")
    return found if isinstance(found, dict) else None


def instruction_counts(doc: BenchJson) -> dict[str, InstructionCount]:
    """fullname -> count, for every benchmark of the bench.json's ``instructions`` (else {})."""
    found = instruction_document(doc)
    counts: dict[str, InstructionCount] = {}
    for entry in found.get("benchmarks", []) if found else []:
        value = entry.get("instructions_per_delivery")
        fullname = str(entry.get("fullname") or entry.get("name"))
        counts[fullname] = InstructionCount(
            name=str(entry.get("name") or fullname),
            fullname=fullname,
            per_delivery=float(value) if value is not None else None,
            error=entry.get("error") or (None if value is not None else "no count"),
        )
    return counts


def instruction_versions(doc: BenchJson) -> dict[str, str | None]:
    """Python, valgrind and package versions the counts were made with ({} without counts)."""
    found = instruction_document(doc)
    return dict((found.get("versions") if found else None) or {})
