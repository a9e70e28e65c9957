"""The results document (docs/results-schema.md): one per configuration and repeat.

What a Locust run writes (``results.json``), what the runner completes and the reports
and the gate read (the worker->master delta it is summed from: ``model/delta.py``). The key
lists validation checks are derived from these TypedDicts (``loadtests.measure.schema``),
so a key added here is added everywhere. Keys added within ``schema_version`` 1 are
``NotRequired``: results written before them still load.
"""

# No ``from __future__ import annotations`` here: TypedDict must see ``NotRequired``
# itself to tell required keys from optional ones.
from typing import NotRequired, TypedDict

from loadtests.model.json_object import JsonObject
from loadtests.model.machine import Machine, Noise


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
    # a target_app node the runner did not start, sampled through its GET /stats:
    source: NotRequired[str]  # "stats"
    connections: NotRequired[list[int]]  # cumulative, per sample
    errors: NotRequired[list[int]]


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

    # per node: counter deltas and levels {"before", "after"}, keyed by the node's /stats
    nodes: list[JsonObject]
    protocol_errors: int
    errors: int
    slow_consumer_disconnects: int
    inbound_flood_disconnects: int
    accept_errors: int


class AbuseResources(TypedDict):
    node_peak_rss_bytes: int | None
    node_cpu_s_window: float | None
    abuse_cpu_s_window: float | None  # the abuse process itself (role "abuse")


class AbuseTally(TypedDict):
    """What the abuse process did (``loadtests.abuse.conn.Tally``)."""

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
    requests_unanswered: int
    by_variant: dict[str, int]
    last_error: str


# total=False: a report the runner could not read is a stand-in with ``status`` only.
class AbuseOutcome(TypedDict, total=False):
    """The abuse process's report as the results keep it: what ran, when, what it did."""

    kind: str
    spec: JsonObject  # the [config.abuse] table as parsed (loadtests.abuse.spec)
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
    requests_unanswered: int
    by_variant: dict[str, int]
    last_error: str


class AbuseReport(AbuseOutcome, total=False):
    """The abuse process's report file (``loadtests.abuse.driver``): the outcome plus each
    node's ``GET /stats`` just before the first abusive byte and its peaks while it ran."""

    stats_before: list[JsonObject]
    stats_peak: list[dict[str, int]]


class Abuse(AbuseOutcome):
    """``[config.abuse]`` clients (loadtests/abuse): what they did and what it cost."""

    server: AbuseServer
    resources: AbuseResources
    measured_fanout_p99_us: int | None


class Git(TypedDict):
    commit: str | None  # None outside a checkout
    dirty: bool | None


class WindowDoc(TypedDict):
    """``window``: the measurement window (``loadtests.measure.window.Window``)."""

    start_ns: int
    end_ns: int
    duration_s: float
    warmup_s: float
    drain_s: float


class Generator(TypedDict):
    processes: int  # worker processes (the master does no I/O)
    cpu_s: float  # all generator processes, in the window
    cpu_us_per_delivery: float | None  # None: nothing delivered
    # added within version 1 (older results lack them):
    receive: NotRequired[dict[str, int]]  # the receive path's counts, whole run (wire.readpoll)
    shared_stamp_fanout: NotRequired[int]  # window fan-out receipts whose stamp may be late


class HostSeries(TypedDict):
    """``host``: the runner's host, sampled each second."""

    t_s: list[float]
    loadavg_1m: list[float]
    loadavg_1m_max_window: float | None
    steal_percent: float | None


class ProcessExit(TypedDict):
    """``process_exits[]``: an exit of a process the runner started."""

    name: str
    role: str  # node, redis, locust
    pid: int
    t_ns: int
    returncode: int
    planned: bool  # the harness caused it
    t_s: float  # relative to the window start
    signal: str | None  # None: it exited by itself


class TimelineEvent(TypedDict):
    """``events[]``: one fault-timeline event as fired."""

    action: str
    target: str
    at_s: float  # as planned
    t_ns: int | None  # when fired (None: not fired)
    t_s: float | None
    done_ns: int | None
    ok: bool
    detail: str


class FaultReconnects(TypedDict):
    reconnects: int | None  # None: the column is not in the results
    reconnect_p50_us: int | None
    reconnect_p99_us: int | None


class FaultLateness(TypedDict):
    late_threshold_us: int | None
    late_window_s: list[int] | None  # [first, last + 1) send seconds late
    timely_again_t_s: int | None
    timely_recovery_s: float | None


class FaultRow(FaultReconnects, FaultLateness):
    """``faults[]``: what one event cost over its segment (``loadtests.measure.faults``)."""

    action: str
    target: str
    t_s: float
    ok: bool
    segment_s: list[int]
    expected: int | None  # None: the column is not in the results
    deliveries_lost: int | None
    messages_lost: int | None
    users_dropped: int | None
    users_rejoined: int | None
    duplicated: int | None
    p99_max_us: int | None
    loss_window_s: list[int] | None
    whole_again_t_s: int | None
    recovery_s: float | None
    duplicated_after_recovery: int | None


class ProtocolEvents(TypedDict):
    join: str
    leave: str
    send: str
    receive: str
    welcome: str | None  # None: ready at connect


class ProtocolSummary(TypedDict):
    """``protocol``: the protocol profile spoken and what a join guarantees."""

    name: str
    join_ack: bool
    join_settle_ms: float | None  # None when joins are acked
    join_guarantee: str
    events: ProtocolEvents
    namespace: str
    receive_path: str


class Measured(TypedDict):
    """The sections ``Aggregate.measured`` determines (the rest is the runner's)."""

    latency: Latency
    counters: Counters
    rates: dict[str, float]
    generator: Generator
    timeseries: TimeSeries
    resources: list[ResourceSeries]
    flags: dict[str, str]
    clocks: NotRequired[Clocks]


class ResultsDoc(TypedDict):
    schema_version: int
    kind: str
    run_id: str
    config_name: str
    repeat: int
    created_utc: str
    git: Git
    versions: dict[str, str | None]
    machine: Machine
    # The Scenario and the configuration as given (their typed forms, Scenario and
    # ConfigSpec, own the keys; a document keeps whatever the scenario file said).
    scenario: JsonObject
    config: JsonObject
    window: WindowDoc
    latency: Latency
    counters: Counters
    rates: dict[str, float]
    generator: Generator
    timeseries: TimeSeries
    resources: list[ResourceSeries]
    server_stats: list[JsonObject]  # each node's GET /stats reply: the server's own keys
    flags: dict[str, str]
    host: NotRequired[HostSeries]
    process_exits: NotRequired[list[ProcessExit]]
    events: NotRequired[list[TimelineEvent]]
    faults: NotRequired[list[FaultRow]]
    # The protocol profile spoken (its name, events, join_ack and what a join guarantees);
    # written for every run since protocol profiles exist (loadtests/model/profile.py).
    protocol: NotRequired[ProtocolSummary]
    clocks: NotRequired[Clocks]  # distributed runs: each worker's clock offset
    abuse: NotRequired[Abuse]  # a configuration with [config.abuse]: hostile clients beside it
    noise: NotRequired[Noise]  # what else used the machine in the window (issue 22)
