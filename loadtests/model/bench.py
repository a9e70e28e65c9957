"""The bench document (``bench.json``), typed: pytest-benchmark's own JSON as roombench
reads it, plus what roombench adds to it.

pytest-benchmark writes the document (``--benchmark-json``); only the keys
roombench reads are typed here (a benchmark's ``stats`` has more). roombench
adds, per benchmark, ``extra_info`` (``bench.delivery.record_fanout`` and the
benchmarks themselves; ``bench.ratio``'s handler/raw summary) and, with
``--instructions``, a top-level ``instructions`` document (callgrind's
instructions per delivery with the versions they were counted with,
``bench.instructions.run``). docs/bench.md and docs/results-schema.md
("Micro-benchmarks") describe them; the reports (``reports.bench_view``) and
the gate (``loadtests.gate.bench_checks``, ``loadtests.gate.instructions``) read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NotRequired, TypedDict, TypeGuard


class BenchStats(TypedDict):
    """A benchmark's ``stats`` (seconds per round): the keys roombench reads."""

    min: float
    mean: float
    median: float
    rounds: int
    # One time per round, only with --benchmark-save-data: the gate's samples.
    data: NotRequired[list[float]]


class RatioSummary(TypedDict):
    """A handler-vs-raw variant against raw (``bench.ratio``), merged into its ``extra_info``."""

    ratio_to_raw: float  # of the medians
    ratio_to_raw_min: float  # of the minimums
    raw_median_s: float
    raw_name: str
    goal_ratio: float  # the interleaved ratio when measured, else ratio_to_raw
    goal_max_ratio: float
    meets_goal: bool


class ExtraInfo(TypedDict, total=False):
    """A benchmark's ``extra_info``: every key is some benchmarks' only."""

    n: int  # room size, frames per read, or client count
    variant: str
    per_delivery_ns: float  # median round time / deliveries
    per_delivery_ns_min: float
    clients: int  # membership and receive-path benchmarks
    operation: str
    rooms: int
    max_deliveries_per_s: int  # receive path: 1e9 / per_delivery_ns
    payload_bytes: int  # payload benchmarks
    encoded_bytes: int
    # handler-vs-raw, measured by the benchmark itself (bench.interleave)
    ratio_to_raw_interleaved: float
    interleaved_raw_median_s: float
    interleaved_median_s: float
    interleaved_pairs: int
    # handler-vs-raw, added from the finished JSON (RatioSummary's keys)
    ratio_to_raw: float
    ratio_to_raw_min: float
    raw_median_s: float
    raw_name: str
    goal_ratio: float
    goal_max_ratio: float
    meets_goal: bool


class Benchmark(TypedDict):
    """One entry of ``benchmarks``."""

    group: str | None
    name: str
    fullname: str
    extra_info: ExtraInfo
    stats: BenchStats


class Counted(TypedDict):
    """One case's count; ``error`` set (and no counts) when the case failed under valgrind."""

    name: str
    fullname: str
    group: str
    calls: int
    deliveries_per_call: int
    instructions: int | None
    instructions_per_call: float | None
    instructions_per_delivery: float | None
    error: str | None


class InstructionsDoc(TypedDict):
    """``instructions``: callgrind's counts (``roombench bench --instructions``)."""

    kind: str
    schema_version: int
    tool: str
    event: str
    valgrind_options: list[str]
    pythonhashseed: str
    extra_work_per_recipient: bool
    versions: dict[str, str | None]  # package -> version; None: not installed
    wall_s: float
    benchmarks: list[Counted]


class MachineInfo(TypedDict, total=False):
    """pytest-benchmark's ``machine_info``: the report shows its CPU's ``brand_raw``."""

    cpu: dict[str, object]  # py-cpuinfo's description, free-form


class CommitInfo(TypedDict, total=False):
    """pytest-benchmark's ``commit_info``: the report shows the commit ``id``."""

    id: str


class BenchJson(TypedDict):
    """The whole ``bench.json``."""

    machine_info: MachineInfo
    commit_info: CommitInfo
    benchmarks: list[Benchmark]
    datetime: NotRequired[str]  # absent when only instructions were counted
    version: NotRequired[str]  # pytest-benchmark's
    instructions: NotRequired[InstructionsDoc]


def is_bench_json(doc: Mapping[str, object]) -> TypeGuard[BenchJson]:
    """pytest-benchmark output: a ``benchmarks`` list beside ``machine_info``."""
    return isinstance(doc.get("benchmarks"), list) and "machine_info" in doc
