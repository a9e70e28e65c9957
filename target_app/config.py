"""The server's configuration: one frozen object, built once at the command line.

Everything tunable lives here with its default, so ``ServerConfig()`` is a
complete, runnable configuration (what micro-benchmarks and tests build);
``cli.parse_args`` is the only place that reads ``argv``. This module imports
only the standard library: ``__main__`` parses arguments *before*
monkey-patching, so nothing here may pull in socket, Flask or Socket.IO code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from target_app.json_modules import JSON_MODULES

ASYNC_MODES = ("eventlet", "gevent", "threading")
GC_MODES = ("default", "freeze", "off")
QUEUE_SCHEMES = ("redis", "rediss")
DEFAULT_QUEUE_CHANNEL = "flask-socketio"  # Flask-SocketIO's own, so its nodes can share a queue
# Who dispatches ``room_message``: Flask-SocketIO (a Flask request context per
# event, what the reference server ships) or python-socketio's server directly.
DISPATCHES = ("flask-socketio", "socketio")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Which Redis manager a queued node runs: the reference server's own (redis_queue) or
# python-socketio's RedisManager unchanged (stock_redis_queue), to measure the difference.
REDIS_MANAGERS = ("robust", "stock")


@dataclass(frozen=True)
class Limits:
    """Per-event payload limits.

    ``max_room_chars`` (default 128) bounds a room name; ``max_rooms_per_client``
    (default 64) bounds how many rooms one connection may be in;
    ``max_message_bytes`` (default 65536) bounds the compact JSON encoding of a
    ``room_message``, ``broadcast`` or ``message`` payload; ``max_member_sids``
    (default 100) caps the sids listed in a ``members`` reply (the count is not
    capped); ``max_depth`` (default 32) bounds how deeply arrays and objects
    nest in any event's arguments.
    """

    max_room_chars: int = 128
    max_rooms_per_client: int = 64
    max_message_bytes: int = 64 * 1024
    max_member_sids: int = 100
    max_depth: int = 32


# What a transport frame may carry beyond the payload limit: the Engine.IO and
# Socket.IO headers, the event name, an ack id and JSON escaping of the room.
FRAME_OVERHEAD_BYTES = 4096


@dataclass(frozen=True)
class ConnectionGuards:
    """How long and how much one connection may hold of the server.

    ``ping_interval_s`` (default 25) and ``ping_timeout_s`` (default 20) are
    Engine.IO's: a client that answers no ping for ``ping_timeout_s`` is
    disconnected, and a websocket silent for their sum is closed.
    ``header_timeout_s`` (default 10) bounds how long a socket may take to
    send a complete HTTP request (handshake or poll) and how long an idle
    keep-alive socket is held. ``max_outbound_bytes`` (default 8 MiB) caps the
    packets queued for one client and not yet written to its socket; a client
    over it is a slow consumer and is disconnected. ``log_interval_s``
    (default 10) is the least time between two log lines about the same kind
    of protocol error (the others are counted in the next line).
    ``max_open_files`` (default 0: as many as the hard limit allows) is the
    soft RLIMIT_NOFILE set at start-up. ``max_inbound_bytes_per_s`` (default
    4 MiB/s: a 64 KiB message 64 times a second) is each connection's
    sustained inbound rate (``inbound_limit``: a token bucket holding a
    second of it, and at least two whole messages);
    a reader over it pauses, and a client over it for ``inbound_flood_s``
    (default 5) is disconnected as a flooder.
    """

    ping_interval_s: float = 25.0
    ping_timeout_s: float = 20.0
    header_timeout_s: float = 10.0
    max_outbound_bytes: int = 8 * 1024 * 1024
    log_interval_s: float = 10.0
    max_open_files: int = 0
    max_inbound_bytes_per_s: int = 4 * 1024 * 1024
    inbound_flood_s: float = 5.0


@dataclass(frozen=True)
class FaultPlan:
    """Faults injected into ``room_message`` deliveries; all off by default.

    ``delay_ms`` (default 0) delays every delivery of a room message by that
    many milliseconds; ``drop_rate`` (default 0.0) drops each delivery to each
    recipient independently with that probability, drawn from a generator
    seeded with ``seed`` (default 0). ``cpu_ms`` (default 0) burns that many
    milliseconds of CPU per ``room_message`` on the handler's thread before the
    emit: it caps a node at about 1000 / cpu_ms messages/s, a known answer for
    the capacity search.
    """

    delay_ms: float = 0.0
    drop_rate: float = 0.0
    seed: int = 0
    cpu_ms: float = 0.0

    @property
    def active(self) -> bool:
        return self.delay_ms > 0 or self.drop_rate > 0 or self.cpu_ms > 0


@dataclass(frozen=True)
class RedisQueueOptions:
    """How the Redis message queue client talks to Redis.

    Defaults are chosen for a loaded node on loopback, see ``redis_queue``:
    ``publish_pool_size`` 32 connections, waiting at most ``pool_wait_s`` 30 s
    for a free one; ``publish_timeout_s`` 30 s for a PUBLISH reply;
    ``connect_timeout_s`` 5 s; the listener re-subscribes after a failure
    with a back-off from ``resubscribe_min_s`` 0.05 s to ``resubscribe_max_s`` 2 s.
    """

    publish_pool_size: int = 32
    pool_wait_s: float = 30.0
    publish_timeout_s: float = 30.0
    connect_timeout_s: float = 5.0
    resubscribe_min_s: float = 0.05
    resubscribe_max_s: float = 2.0


@dataclass(frozen=True)
class ServerConfig:
    """One target_app node. ``ServerConfig()`` is a valid single-node eventlet server.

    Defaults: host 127.0.0.1, port 5000, async mode eventlet, node id "node",
    no message queue (``queue_channel`` "flask-socketio", which only a queue may
    change), presence notices off, ``Limits()``, at most 100000 simultaneous
    connections (eventlet's own default is 1024), TCP_NODELAY on accepted
    sockets, gc mode "freeze", no Flask-SocketIO session handling
    (``manage_session`` False: the server keeps nothing in Flask's session,
    and it saved a quarter of the node's CPU per delivery in the tuning study,
    docs/capacity.md), JSON module (the standard library's) and event
    dispatch (``dispatch`` "flask-socketio"; "socketio" registers
    ``room_message`` on python-socketio's server directly, to measure what
    Flask-SocketIO's dispatch costs), no faults, log level WARNING, websocket
    transport only (``allow_polling`` False: the harness and every protocol
    profile speak websocket, and long-polling is a second, larger attack
    surface; docs/target_app-hardening.md) and, in threading mode, at most
    ``max_threading_sessions`` (default 500) Engine.IO sessions at once (each
    costs about four threads; past that a mass disconnect left the node
    unanswering for a minute). With a queue, ``redis_manager`` (default "robust")
    picks the Redis manager: "robust" = ``redis_queue.RobustRedisManager``, "stock" =
    python-socketio's ``RedisManager`` as shipped (``stock_redis_queue``).
    """

    host: str = "127.0.0.1"
    port: int = 5000
    async_mode: str = "eventlet"
    node_id: str = "node"
    message_queue: str | None = None
    queue_channel: str = DEFAULT_QUEUE_CHANNEL
    redis_manager: str = "robust"
    presence: bool = False
    limits: Limits = field(default_factory=Limits)
    max_connections: int = 100_000
    listen_backlog: int = 1024
    tcp_nodelay: bool = True
    gc_mode: str = "freeze"
    manage_session: bool = False
    json_module: str = "json"
    dispatch: str = "flask-socketio"
    faults: FaultPlan = field(default_factory=FaultPlan)
    redis: RedisQueueOptions = field(default_factory=RedisQueueOptions)
    guards: ConnectionGuards = field(default_factory=ConnectionGuards)
    log_level: str = "WARNING"
    allow_polling: bool = False
    max_threading_sessions: int = 500

    def __post_init__(self) -> None:
        problems = config_problems(self)
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def max_frame_bytes(self) -> int:
        """Largest transport message accepted: ``max_message_bytes`` plus framing.

        Every async mode's websocket reader stops at this size (fragments
        included) and Engine.IO's ``max_http_buffer_size`` is set to it, so a
        payload a little over the limit still gets a ``too_large`` reply while
        nothing much larger is ever buffered.
        """
        return self.limits.max_message_bytes + FRAME_OVERHEAD_BYTES

    @property
    def transports(self) -> tuple[str, ...]:
        """Engine.IO transports accepted: websocket, and long-polling with ``allow_polling``."""
        return ("polling", "websocket") if self.allow_polling else ("websocket",)


def config_problems(config: ServerConfig) -> list[str]:
    """Every reason ``config`` cannot run, each naming the option to fix ([] when valid)."""
    problems = []
    if config.async_mode not in ASYNC_MODES:
        problems.append(f"--async-mode must be one of {', '.join(ASYNC_MODES)}")
    if not 0 < config.port < 65536:
        problems.append(f"--port must be 1..65535, not {config.port}")
    if config.gc_mode not in GC_MODES:
        problems.append(f"--gc must be one of {', '.join(GC_MODES)}")
    if config.json_module not in JSON_MODULES:
        problems.append(f"--json must be one of {', '.join(JSON_MODULES)}")
    if config.dispatch not in DISPATCHES:
        problems.append(f"--dispatch must be one of {', '.join(DISPATCHES)}")
    if config.log_level not in LOG_LEVELS:
        problems.append(f"--log-level must be one of {', '.join(LOG_LEVELS)}")
    if config.message_queue is not None:
        parts = urlsplit(config.message_queue)
        if parts.scheme not in QUEUE_SCHEMES or not parts.hostname:
            problems.append(
                f"--message-queue must look like redis://HOST:PORT/DB, not {config.message_queue!r}"
            )
    if not config.queue_channel:
        problems.append("--queue-channel must not be empty")
    elif config.message_queue is None and config.queue_channel != DEFAULT_QUEUE_CHANNEL:
        problems.append(
            f"--queue-channel needs --message-queue ({config.queue_channel!r} names a Redis "
            "channel): pass --message-queue redis://HOST:PORT/DB or drop --queue-channel"
        )
    if config.redis_manager not in REDIS_MANAGERS:
        problems.append(f"--redis-manager must be one of {', '.join(REDIS_MANAGERS)}")
    elif config.message_queue is None and config.redis_manager != "robust":
        problems.append(
            f"--redis-manager {config.redis_manager} needs --message-queue: pass "
            "--message-queue redis://HOST:PORT/DB or drop --redis-manager"
        )
    limits = config.limits
    for name in (
        "max_room_chars",
        "max_rooms_per_client",
        "max_message_bytes",
        "max_member_sids",
        "max_depth",
    ):
        if getattr(limits, name) < 1:
            problems.append(f"--{name.replace('_', '-')} must be at least 1")
    guards = config.guards
    for name in (
        "ping_interval_s",
        "ping_timeout_s",
        "header_timeout_s",
        "max_outbound_bytes",
        "max_inbound_bytes_per_s",
        "inbound_flood_s",
    ):
        if getattr(guards, name) <= 0:
            problems.append(f"--{name.replace('_', '-')} must be above 0")
    if guards.log_interval_s < 0:
        problems.append("--log-interval-s must be >= 0")
    if guards.max_open_files < 0:
        problems.append("--max-open-files must be >= 0 (0: the hard limit)")
    if config.max_threading_sessions < 1:
        problems.append("--max-threading-sessions must be at least 1")
    if config.max_connections < 1:
        problems.append("--max-connections must be at least 1")
    if config.listen_backlog < 1:
        problems.append("--listen-backlog must be at least 1")
    if not 0.0 <= config.faults.drop_rate <= 1.0:
        problems.append(f"--inject-drop-rate must be in 0..1, not {config.faults.drop_rate}")
    if config.faults.delay_ms < 0:
        problems.append(f"--inject-delay-ms must be >= 0, not {config.faults.delay_ms}")
    if not 0 <= config.faults.cpu_ms <= 1000:
        problems.append(f"--inject-cpu-ms must be in 0..1000, not {config.faults.cpu_ms}")
    return problems


def log_level_number(name: str) -> int:
    """``logging`` level number of a ``LOG_LEVELS`` name."""
    return int(logging.getLevelName(name))
