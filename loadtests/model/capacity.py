"""The capacity document (``kind: roombench.capacity``, ``capacity.json``), typed.

docs/results-schema.md ("The capacity document") describes every key; the
search writes it (``loadtests.capacity.document``, ``driver``, ``steps``,
``bracket``), the terminal (``compare``, ``precision``) and the capacity page
(``reports.capacity_page``) read it. Keys added since the first documents
(``repeat``/``repeats``, issue 22's ``bracket``, ``speed``, ``cpu_sets``, a
step's ``role`` and ``speed_index``) are ``NotRequired``: older documents
still load, and their readers use ``.get``.

The rows of the terminal's and the page's tables (``what_moves``,
``precision``) are typed here too: they are plain dicts that tests index.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from loadtests.model.json_object import JsonObject
from loadtests.model.machine import CpuSets, Machine, MachineSpeed
from loadtests.model.results import Git


class CurveStep(TypedDict):
    """One measured window (``steps[]``): ``loadtests.capacity.steps.summarise``."""

    load: float
    users: int
    room_size: float
    offered_deliveries_per_s: float
    offered_messages_per_s: float
    achieved_deliveries_per_s: float
    achieved_messages_per_s: float
    p50_us: int | None
    p99_us: int | None
    p99_9_us: int | None
    connect_p99_us: int | None
    schedule_lag_p99_us: int | None
    lost: int
    leaked: int
    errors: int
    node_cpu_percent: float | None
    node_wait_percent: float | None
    generator_cpu_percent: float | None
    generator_wait_percent: float | None
    redis_cpu_percent: float | None
    redis_wait_percent: NotRequired[float | None]
    generator_processes: int
    generator_cpu_us_per_delivery: float | None
    multi_frame_share: float
    shared_stamp_fanout: NotRequired[int | None]
    stamp_error_bound_us: int
    node_rss_bytes: int | None
    connections: int
    flags: list[str]
    outcome: str  # pass | fail | generator-limited (search.Outcome's values)
    reason: str
    results: str  # the step's results document, relative to capacity.json
    role: NotRequired[str]  # search | confirm | noisy
    speed_index: NotRequired[float | None]  # the speed probe before the window


class Capacity(TypedDict):
    """``configs[].capacity``: the highest passing step."""

    load: float
    unit: str
    deliveries_per_s: float
    messages_per_s: float
    users: int
    room_size: float
    connections: int
    p99_us: int | None
    stamp_error_bound_us: int
    node_rss_bytes: int | None
    memory_per_connection_bytes: int | None
    speed_index: NotRequired[float]
    normalised_deliveries_per_s: NotRequired[float | None]


class Knee(TypedDict):
    deliveries_per_s: float
    p99_us: int | None


class Bracket(TypedDict):
    """``configs[].bracket``: ``Confirmation.to_schema``, then ``document.normalise_into``."""

    pass_load: float | None
    fail_load: float | None
    confirmed: bool
    pass_held: str | None
    fail_held: str | None
    extra_windows: int
    budget: int
    rule: str
    pass_deliveries_per_s: NotRequired[float | None]
    pass_normalised_deliveries_per_s: NotRequired[float | None]
    fail_deliveries_per_s: NotRequired[float | None]
    fail_normalised_deliveries_per_s: NotRequired[float | None]
    p99_us: NotRequired[dict[str, list[int | None]]]  # f"{load:g}" -> every window's p99


class Neighbour(TypedDict):
    """``configs[].neighbour``: the CPU-bound neighbour of ``--cpu-neighbour``
    (``loadtests.cluster.neighbour``), an experiment: the node shared its CPU(s)."""

    cpus: list[int]
    processes: int
    pids: list[int]
    ran_to_end: NotRequired[bool]  # every loop still ran when the search stopped them


class ConfigEntry(TypedDict):
    """``configs[]``: one configuration's ``repeat``-th search."""

    name: str
    repeat: NotRequired[int]
    repeats: NotRequired[int]
    # The configuration as in a results document, plus server_args and
    # generator_processes.
    config: JsonObject
    verdict: str | None  # search.Verdict's values; None before the first step
    capacity: Capacity | None
    first_failing: float | None
    bound_by: str
    knee: Knee | None
    steps: list[CurveStep]
    incomplete: str | None
    bracket: NotRequired[Bracket]
    speed: NotRequired[MachineSpeed | None]  # the search's probes (measure/speed.py)
    cpu_sets: NotRequired[CpuSets]
    neighbour: NotRequired[Neighbour]  # --cpu-neighbour: a busy loop shared the servers' CPUs


class CapacityDoc(TypedDict):
    """The whole ``capacity.json``."""

    schema_version: int
    kind: str
    run_id: str
    created_utc: str
    git: Git  # as in a results document
    versions: dict[str, str | None]
    machine: Machine
    scenario_file: str
    scenario: JsonObject  # the [load] table, Load.to_dict()
    axis: str
    unit: str
    slo: str
    repeats: int
    configs: list[ConfigEntry]
    incomplete: bool
    interrupted: NotRequired[bool]
    wall_s: NotRequired[float]


class MovesRow(TypedDict):
    """One row of ``compare.what_moves``: a configuration against the baseline."""

    name: str
    searches: int
    counted: int
    verdict: str
    deliveries_per_s: float | None
    low_deliveries_per_s: float | None
    high_deliveries_per_s: float | None
    at_least: bool
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    node_cpu_us_per_delivery: float | None
    # against the study's reference (compare.REFERENCE, "shipped"): "higher" or "lower"
    # beyond the spread of both, "within the spread", "reference", or why it cannot say;
    # None without a reference configuration
    against_reference: str | None


# The (low, high) pairs of a MovesRow shown as a range.
RangeLow = Literal["low_deliveries_per_s", "ratio_low"]
RangeHigh = Literal["high_deliveries_per_s", "ratio_high"]


class Spread(TypedDict):
    """``precision.spread``: over repeated searches."""

    median: float
    low: float
    high: float
    relative_spread: float  # (high - low) / median


class PrecisionRow(TypedDict):
    """One row of ``precision.precision``: a configuration's repeated searches."""

    name: str
    searches: int
    counted: int
    other_verdicts: list[str]
    raw: Spread | None
    normalised: Spread | None


def label(entry: ConfigEntry) -> str:
    """The configuration's name, with ``#k`` when it was searched more than once, and
    ``+cpu-neighbour`` when a busy loop shared the servers' CPUs (``--cpu-neighbour``)."""
    name = str(entry["name"])
    if entry.get("repeats", 1) > 1:
        name = f"{name} #{entry['repeat']}"
    return f"{name} +cpu-neighbour" if entry.get("neighbour") else name


def by_name(entries: list[ConfigEntry]) -> dict[str, list[ConfigEntry]]:
    """Each configuration's searches, in the order the configurations first appear."""
    groups: dict[str, list[ConfigEntry]] = {}
    for entry in entries:
        groups.setdefault(entry["name"], []).append(entry)
    return groups
