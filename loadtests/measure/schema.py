"""The results document's typed shape (docs/results-schema.md), each key list written once.

The TypedDicts say what a results file holds; the key tuples other modules
check against (``results.validate``, the reports) are derived from them, so a
key added here is added everywhere. Keys added within ``schema_version`` 1
are ``NotRequired``: results written before them still load.
"""

# No ``from __future__ import annotations`` here: TypedDict must see ``NotRequired``
# itself to tell required keys from optional ones.
import sys
from typing import Any, get_args, get_origin

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - Python 3.10
    from typing_extensions import NotRequired, TypedDict


class LatencySummary(TypedDict):
    """An HDR summary in integer µs, plus the encoded histogram (``hdr``)."""

    count: int
    min: int
    p50: int
    p90: int
    p99: int
    p99_9: int
    max: int
    mean: float
    hdr: str
    negative: NotRequired[int]  # values below 0 µs, recorded as 0 (clocks disagree)
    over_range: NotRequired[int]  # values above 60 s, recorded as 60 s


class Latency(TypedDict):
    fanout: LatencySummary  # a receiver other than the sender
    self: LatencySummary  # the sender receiving its own message
    connect: LatencySummary  # socket open -> welcome
    join: LatencySummary  # join emitted -> ack
    schedule_lag: LatencySummary  # how late a sender emitted against its schedule
    reconnect: NotRequired[LatencySummary]  # a drop -> re-joined (whole run)


class Counters(TypedDict):
    sent: int
    expected: int
    delivered: int
    lost: int  # == expected - delivered >= 0, always
    duplicated: int
    leaked: int
    reordered: int
    errors: int
    connects: int
    disconnects: int
    reconnects: int
    lost_connected: NotRequired[int]
    lost_disconnected: NotRequired[int]  # sent while the receiver was away after a drop
    unexpected_disconnects: NotRequired[int]  # closes the harness did not ask for
    sends_skipped: NotRequired[int]  # schedule slots a disconnected sender could not use
    rejoins: NotRequired[int]  # dropped users back in all their rooms
    reconnect_failures: NotRequired[int]  # connects refused while coming back after a drop


class TimeSeries(TypedDict):
    """One entry per second (by send second), ``t_s`` relative to the window start."""

    t_s: list[int]
    phase: list[str]
    sent: list[int]
    delivered: list[int]
    p50_us: list[int | None]
    p99_us: list[int | None]
    connected: list[int | None]
    expected: NotRequired[list[int]]
    lost: NotRequired[list[int]]
    duplicated: NotRequired[list[int]]
    skipped: NotRequired[list[int]]
    dropped: NotRequired[list[int]]  # by the second the drop was noticed
    rejoined: NotRequired[list[int]]  # by the second of the re-join ack
    reconnect_hdr: NotRequired[list[str | None]]  # reconnect times by drop second


class ResourceSeries(TypedDict):
    role: str  # generator, master, node, redis
    name: str
    pid: int
    t_s: list[float]
    cpu_percent: list[float]  # of one core
    rss_bytes: list[int]
    cpu_s_window: float
    peak_rss_bytes: int
    wait_s_window: NotRequired[float | None]  # run-queue wait (schedstat)
    pids: NotRequired[list[int]]  # every pid the process had, in order (restarts)
    host: NotRequired[str]  # where it ran: host name, test host or target address


class WorkerClock(TypedDict):
    """One worker's clock against the master's (``loadtests.measure.clocks``), integer ns."""

    name: str
    rank: int
    host: str  # the worker's hostname
    clock_id: str  # equal ids share one clock (boot id; "+simulated" with the test knob)
    same_host_as_master: bool
    offset_ns: int | None  # worker clock - master clock, lowest-round-trip sample
    uncertainty_ns: int | None  # half that sample's round trip
    drift_ns: int | None  # offset at the last round - at the first (None: one round)
    drift_uncertainty_ns: int | None  # the two rounds' uncertainties added
    drift_span_s: float  # time between those rounds
    applied_offset_ns: int  # the offset of this worker's clock used to correct (0: none)
    rounds: int
    samples: int
    simulated_offset_ns: int  # test-only offset added to every stamp (0 in real runs)


class Clocks(TypedDict):
    cross_host: bool  # workers on more than one clock
    corrected: bool  # False: correction switched off (a test)
    split_by_worker: bool  # fan-out filed per sender worker, so it could be corrected
    pair_uncertainty_ns: int  # worst cross-host pair's correction uncertainty
    workers: list[WorkerClock]


class AbuseServer(TypedDict):
    """What the nodes counted while hostile clients ran: /stats at the end minus before."""

    nodes: list[dict[str, Any]]  # per node: counter deltas, levels {"before", "after"}
    protocol_errors: int
    errors: int
    slow_consumer_disconnects: int
    accept_errors: int


class AbuseResources(TypedDict):
    node_peak_rss_bytes: int | None
    node_cpu_s_window: float | None
    abuse_cpu_s_window: float | None  # the abuse process itself (role "abuse")


class Abuse(TypedDict):
    """``[config.abuse]`` clients (loadtests/abuse): what they did and what it cost."""

    kind: str
    spec: dict[str, Any]
    status: str  # done, stopped early (...), or why nothing ran
    window_start_ns: int | None
    started_ns: int | None
    stopped_ns: int | None
    connections_opened: int
    handshakes: int
    connect_failures: int
    bytes_sent: int
    bytes_received: int
    frames_sent: int
    closed_by_server: int
    errors: int
    sends_stalled: int
    storms: int
    reconnects: int
    by_variant: dict[str, int]
    last_error: str
    server: AbuseServer
    resources: AbuseResources
    measured_fanout_p99_us: int | None


class SpeedProbe(TypedDict):
    """One machine speed probe (``loadtests.measure.speed``): index = reference / median time."""

    index: float  # above 1: faster than the reference machine
    index_low: float  # the slowest repeat's index
    index_high: float  # the fastest repeat's index
    spread: float  # (slowest - fastest) / median time
    median_s: float
    repeats: int
    reference_s: float
    reference: str  # how the reference was fixed
    when: NotRequired[str]  # before, after, step N
    cpus: NotRequired[list[int]]  # the CPUs it was pinned to (the servers')


class MachineSpeed(TypedDict):
    """``machine.speed``: the probes of one run combined (median index, widest range)."""

    index: float
    index_low: float
    index_high: float
    spread: float
    reference_s: float
    reference: str
    probes: list[SpeedProbe]


class CpuSets(TypedDict):
    """``machine.cpu_sets`` (``loadtests.cluster.cpusets``)."""

    servers: list[int]
    generator: list[int]
    source: str  # auto, explicit, off
    available: list[int]
    pinned: bool
    shared: bool  # a server and a generator process may share a CPU (flag shared_cpus)


class Noise(TypedDict):
    """``noise``: CPU outside the run and steal, each second of the window, % of one core."""

    t_s: list[float]
    outside_cpu_percent: list[float]
    steal_percent: list[float]
    outside_cpu_percent_mean: float
    outside_cpu_percent_max: float
    steal_percent_mean: float
    noisy_seconds: int
    seconds: int
    threshold: dict[str, float]


class ResultsDoc(TypedDict):
    schema_version: int
    kind: str
    run_id: str
    config_name: str
    repeat: int
    created_utc: str
    git: dict[str, Any]
    versions: dict[str, str | None]
    machine: dict[str, Any]  # cores, cpu_model, ...; speed (MachineSpeed), cpu_sets (CpuSets)
    scenario: dict[str, Any]
    config: dict[str, Any]
    window: dict[str, Any]
    latency: Latency
    counters: Counters
    rates: dict[str, float]
    generator: dict[str, Any]
    timeseries: TimeSeries
    resources: list[ResourceSeries]
    server_stats: list[dict[str, Any]]
    flags: dict[str, str]
    host: NotRequired[dict[str, Any]]
    process_exits: NotRequired[list[dict[str, Any]]]
    events: NotRequired[list[dict[str, Any]]]
    faults: NotRequired[list[dict[str, Any]]]
    # The protocol profile spoken (its name, events, join_ack and what a join guarantees);
    # written for every run since protocol profiles exist (loadtests/model/profile.py).
    protocol: NotRequired[dict[str, Any]]
    clocks: NotRequired[Clocks]  # distributed runs: each worker's clock offset
    abuse: NotRequired[Abuse]  # a configuration with [config.abuse]: hostile clients beside it
    noise: NotRequired[Noise]  # what else used the machine in the window (issue 22)


def required(typed: Any) -> tuple[str, ...]:
    """The required keys of a TypedDict, in declaration order."""
    keys: frozenset[str] = typed.__required_keys__
    return tuple(k for k in typed.__annotations__ if k in keys)


def json_type(typed: Any, key: str) -> type:
    """``list`` or ``dict``: what JSON value ``key`` of TypedDict ``typed`` holds."""
    annotation = typed.__annotations__[key]
    while get_origin(annotation) is NotRequired:
        (annotation,) = get_args(annotation)
    return list if get_origin(annotation) is list else dict


def optional(typed: Any) -> tuple[str, ...]:
    """The ``NotRequired`` keys of a TypedDict, in declaration order."""
    keys: frozenset[str] = typed.__optional_keys__
    return tuple(k for k in typed.__annotations__ if k in keys)


TOP_KEYS = required(ResultsDoc)
OPTIONAL_TOP_KEYS = optional(ResultsDoc)
LATENCY_KEYS = required(Latency)
SUMMARY_KEYS = required(LatencySummary)
COUNTER_KEYS = required(Counters)
TIMESERIES_KEYS = required(TimeSeries)
ABUSE_KEYS = required(Abuse)
