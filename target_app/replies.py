"""What a node answers, typed: the acks of its events and its ``GET /stats`` document.

README.md ("Protocol") and docs/target_app-hardening.md describe them. The
harness reads both over the wire (Socket.IO acks, HTTP JSON), never by
importing this module: target_app is a separate program and imports nothing
of ``loadtests``, so its shapes are written here, where it builds them.
"""

from __future__ import annotations

from typing import Literal, TypedDict

# -- acks ----------------------------------------------------------------------


class ErrorReply(TypedDict):
    """A refused event: ``protocol.error_reply``."""

    ok: Literal[False]
    error: str  # one of protocol.ERROR_CODES
    detail: str


class OkReply(TypedDict):
    """``room_message``, ``broadcast``, ``message``: accepted."""

    ok: Literal[True]


class JoinReply(TypedDict):
    ok: Literal[True]
    rooms: list[str]  # every room asked for, also those the client was in already


class LeaveReply(TypedDict):
    ok: Literal[True]
    room: str


class MembersReply(TypedDict):
    ok: Literal[True]
    room: str
    count: int  # the room's members on this node
    sids: list[str]  # at most Limits.max_member_sids of them


Reply = ErrorReply | OkReply | JoinReply | LeaveReply | MembersReply

# -- events the server sends ---------------------------------------------------------


class Welcome(TypedDict):
    """``welcome``, to a client that connected."""

    sid: str
    node: str  # the node's id (--node-id)


class Status(TypedDict):
    """``status``, to a room's other members (with --presence)."""

    room: str
    sid: str
    change: str  # joined | left | disconnected


# -- GET /stats ------------------------------------------------------------------


class QueueDescription(TypedDict):
    """``message_queue``: the Redis queue's health (``redis_queue.QueueHealth``)."""

    manager: str  # "robust" (redis_queue) or "stock" (stock_redis_queue)
    url: str  # the password redacted
    channel: str
    subscribed: bool
    published: int | None  # None: the stock manager keeps no such count
    publish_failures: int
    listener_failures: int
    resubscriptions: int | None


class FaultsDescription(TypedDict):
    """``faults``: the faults in force and their effect so far (``faults.FaultInjector``)."""

    delay_ms: float
    cpu_ms: float
    drop_rate: float
    seed: int
    dropped: int
    delivered: int
    delayed_messages: int


class CounterSnapshot(TypedDict):
    """What the node counted since it started (``stats.Counters.snapshot``)."""

    events_in: dict[str, int]  # event name (or "*") -> events
    emits_out: dict[str, int]  # event name -> packets queued to local clients
    errors: dict[str, int]  # error code -> replies
    protocol_errors: dict[str, int]  # kind -> protocol errors
    slow_consumer_disconnects: int
    inbound_flood_disconnects: int
    sessions_refused: int
    accept_errors: dict[str, int]  # errno name -> survived accept() failures


class ProcessSample(TypedDict):
    """This process now (``stats.ProcessClock.sample``)."""

    uptime_s: float
    cpu_s: float
    rss_bytes: int
    open_fds: int
    threads: int
    fd_limit: int


class GcState(TypedDict):
    mode: str  # the --gc mode
    enabled: bool
    frozen_objects: int


class StatsDocument(CounterSnapshot, ProcessSample):
    """The ``GET /stats`` JSON: the counters and the process sample, flat, and these."""

    node: str
    async_mode: str
    message_queue: QueueDescription | None
    connections: int
    rooms: int
    gc: GcState
    faults: FaultsDescription | None
