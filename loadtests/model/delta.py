"""The worker->master delta: what one generator process measured since its last delta.

``loadtests.measure.recorder`` builds it, Locust carries it (msgpack) in the worker's
report, ``loadtests.measure.aggregate.Aggregate.add`` sums it into the results document
(``model/results.py``). Every part is additive.
"""

# No ``from __future__ import annotations`` here: TypedDict must see ``NotRequired``
# itself to tell required keys from optional ones.
from typing import Literal, TypedDict, final

# A second's counters (``accounting.COUNT_NAMES``, in that order): message counters by
# send second; ``dropped``, ``rejoined`` by the second of the drop or re-join.
CountName = Literal[
    "sent",
    "strict",
    "optional",
    "duplicated",
    "leaked",
    "reordered",
    "away_delivered",
    "skipped",
    "dropped",
    "rejoined",
    "shared_stamp",
]
LatencyKind = Literal["fanout", "self", "lag", "reconnect"]  # a second's latencies


class DeltaCounts(TypedDict):
    sent: int
    strict: int
    optional: int
    duplicated: int
    leaked: int
    reordered: int
    away_delivered: int  # delivered although sent while the receiver was away
    skipped: int  # sends the schedule skipped: the sender was not connected
    dropped: int
    rejoined: int
    shared_stamp: int  # fan-out receipts whose read's kernel stamp may be late


class DeltaSecond(DeltaCounts, total=False):
    """One second of a delta: its counts, and each latency kind recorded, HDR-encoded (µs)."""

    fanout: str
    self: str
    lag: str
    reconnect: str
    range: dict[str, list[int]]  # kind -> [below 0, above the range]: values clamped
    fanout_split: dict[str, list[str]]  # sender rank -> hdr.signed (>= 0, minus the < 0)


class DeltaSamples(TypedDict):
    """The process's own CPU and RSS samples since the last delta."""

    t_ns: list[int]
    cpu_s: list[float]
    rss_bytes: list[int]
    wait_s: list[float | None]  # None: schedstat unreadable


# (receiver, room, start_ns, end_ns): accounting.Interval as msgpack sends it
IntervalRow = list[int | str]


class Delta(TypedDict):
    name: str
    role: str  # generator, master
    rank: int  # the receiver side of split fan-out
    pid: int
    host: str
    buckets: dict[str, DeltaSecond]  # by second (str: msgpack map keys)
    connect: str  # HDR-encoded (µs), "" when none
    join: str
    connect_range: list[int]
    join_range: list[int]
    counters: dict[str, int]  # recorder.COUNTER_NAMES, whole run
    sends: dict[str, bytes]  # room -> send times (array("q") bytes)
    intervals: list[IntervalRow]  # closed memberships
    away_intervals: list[IntervalRow]
    open_intervals: list[IntervalRow]  # a snapshot of those still open
    open_away: list[IntervalRow]
    connected: dict[str, int]  # second -> connected users sampled
    samples: DeltaSamples
    joined: int  # users that completed their first join
    receive: dict[str, int]  # wire.readpoll.ReceiveStats since the last delta
    final: bool


@final
class EmptyDelta(TypedDict):
    """What a closed recorder hands out: nothing (``{}``)."""
