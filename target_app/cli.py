"""``python -m target_app``'s command line: every ``ServerConfig`` field as a flag.

``--help`` shows each default (taken from ``ServerConfig()``, so the two never
disagree). Standard library only, like ``config``: it runs before monkey-patching.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from target_app.config import (
    ASYNC_MODES,
    DISPATCHES,
    GC_MODES,
    LOG_LEVELS,
    REDIS_MANAGERS,
    ConnectionGuards,
    FaultPlan,
    Limits,
    ServerConfig,
)
from target_app.json_modules import JSON_MODULES


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m target_app`` command line; ``--help`` shows every default."""
    d = ServerConfig()
    parser = argparse.ArgumentParser(
        prog="python -m target_app",
        description="roombench reference Flask-SocketIO room server.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--host", default=d.host, help="address to listen on")
    add("--port", type=int, default=d.port, help="TCP port to listen on")
    add(
        "--async-mode",
        choices=ASYNC_MODES,
        default=d.async_mode,
        help="Flask-SocketIO async mode (eventlet warns that it is deprecated; expected)",
    )
    add("--node-id", default=d.node_id, help="this node's name, in welcome, /healthz and /stats")
    add(
        "--message-queue",
        default=d.message_queue,
        metavar="redis://HOST:PORT/DB",
        help="Redis URL shared by all nodes (on --queue-channel); none = single node",
    )
    add(
        "--queue-channel",
        default=d.queue_channel,
        metavar="NAME",
        help="Redis channel of the message queue (needs --message-queue); nodes on different "
        "channels do not hear each other. Flask-SocketIO's own default lets its nodes share one",
    )
    add(
        "--redis-manager",
        choices=REDIS_MANAGERS,
        default=d.redis_manager,
        help="with --message-queue: robust = the reference server's own Redis manager "
        "(target_app/redis_queue.py: sized pools, no duplicate on a timeout, loud failures), "
        "stock = python-socketio's socketio.RedisManager as shipped, to compare them",
    )
    add(
        "--presence",
        action=argparse.BooleanOptionalAction,
        default=d.presence,
        help="send 'status' notices to a room on join, leave and disconnect",
    )
    add(
        "--max-room-chars",
        type=int,
        default=d.limits.max_room_chars,
        help="longest accepted room name, in characters",
    )
    add(
        "--max-rooms-per-client",
        type=int,
        default=d.limits.max_rooms_per_client,
        help="most rooms one connection may be in",
    )
    add(
        "--max-message-bytes",
        type=int,
        default=d.limits.max_message_bytes,
        help="largest accepted payload, in bytes of its compact JSON encoding",
    )
    add(
        "--max-member-sids",
        type=int,
        default=d.limits.max_member_sids,
        help="most sids listed in a 'members' reply (the count is exact)",
    )
    add(
        "--max-depth",
        type=int,
        default=d.limits.max_depth,
        help="deepest nesting of arrays and objects accepted in an event's arguments",
    )
    add(
        "--ping-interval-s",
        type=float,
        default=d.guards.ping_interval_s,
        help="seconds between Engine.IO pings to each client",
    )
    add(
        "--ping-timeout-s",
        type=float,
        default=d.guards.ping_timeout_s,
        help="seconds a client may take to answer a ping before it is disconnected",
    )
    add(
        "--header-timeout-s",
        type=float,
        default=d.guards.header_timeout_s,
        help="seconds a socket may take to send a whole HTTP request, or stay idle between "
        "requests, before it is closed (slowloris)",
    )
    add(
        "--max-outbound-bytes",
        type=int,
        default=d.guards.max_outbound_bytes,
        help="bytes queued for one client and not yet written; a client over it is a slow "
        "consumer and is disconnected",
    )
    add(
        "--log-interval-s",
        type=float,
        default=d.guards.log_interval_s,
        help="least seconds between two log lines about the same kind of protocol error",
    )
    add(
        "--max-open-files",
        type=int,
        default=d.guards.max_open_files,
        help="soft RLIMIT_NOFILE to set at start-up; 0 = raise it to the hard limit",
    )
    add(
        "--max-inbound-bytes-per-s",
        type=int,
        default=d.guards.max_inbound_bytes_per_s,
        help="bytes per second one connection may send, sustained (bursts of a second's worth, "
        "and at least two whole messages, pass); a reader over it pauses",
    )
    add(
        "--inbound-flood-s",
        type=float,
        default=d.guards.inbound_flood_s,
        help="seconds a connection may stay over --max-inbound-bytes-per-s before it is "
        "disconnected and counted as a flooder",
    )
    add(
        "--allow-polling",
        action="store_true",
        default=d.allow_polling,
        help="accept Engine.IO long-polling as well as websocket (off: websocket only, what the "
        "harness and the protocol profiles use)",
    )
    add(
        "--max-threading-sessions",
        type=int,
        default=d.max_threading_sessions,
        help="threading mode only: most Engine.IO sessions at once (about four threads each); "
        "a new one past it is refused with 503 and counted (sessions_refused)",
    )
    add(
        "--max-connections",
        type=int,
        default=d.max_connections,
        help="simultaneous connections eventlet accepts (its own default, 1024, hangs the "
        "1025th websocket); gevent and threading have no cap",
    )
    add(
        "--listen-backlog",
        type=int,
        default=d.listen_backlog,
        help="queue of connections waiting to be accepted (eventlet's own default, 50, "
        "drops SYNs in a connect burst: each dropped client waits 1 s to retry)",
    )
    add(
        "--tcp-nodelay",
        action=argparse.BooleanOptionalAction,
        default=d.tcp_nodelay,
        help="set TCP_NODELAY on accepted sockets (no server sets it by default)",
    )
    add(
        "--gc",
        dest="gc_mode",
        choices=GC_MODES,
        default=d.gc_mode,
        help="garbage collector: default = CPython's, freeze = gc.freeze() after start-up "
        "(shorter full collections), off = gc.disable()",
    )
    add(
        "--manage-session",
        action=argparse.BooleanOptionalAction,
        default=d.manage_session,
        help="Flask-SocketIO's own user session per connection (SocketIO(manage_session=...), "
        "Flask-SocketIO's default); off (the default here: no handler uses the session) skips "
        "that bookkeeping on every event",
    )
    add(
        "--json",
        dest="json_module",
        choices=JSON_MODULES,
        default=d.json_module,
        help="JSON module packets are encoded and decoded with (SocketIO(json=...)): the "
        "standard library's, or orjson (pinned)",
    )
    add(
        "--dispatch",
        choices=DISPATCHES,
        default=d.dispatch,
        help="who calls the room_message handler: flask-socketio = Flask-SocketIO's per-event "
        "dispatch (a Flask request context per event), what the reference server keeps; "
        "socketio = python-socketio's server directly (handler(sid, *args)), to measure what "
        "that dispatch costs. Every other event keeps Flask-SocketIO's path",
    )
    add(
        "--inject-delay-ms",
        type=float,
        default=d.faults.delay_ms,
        help="FAULT INJECTION: delay every room_message delivery by this many ms",
    )
    add(
        "--inject-drop-rate",
        type=float,
        default=d.faults.drop_rate,
        help="FAULT INJECTION: drop each room_message delivery with this probability (0..1)",
    )
    add(
        "--inject-cpu-ms",
        type=float,
        default=d.faults.cpu_ms,
        help="FAULT INJECTION: burn this many ms of CPU per room_message before the emit "
        "(caps a node at about 1000/X messages/s: a known answer for the capacity search)",
    )
    add(
        "--inject-seed",
        type=int,
        default=d.faults.seed,
        help="seed of the drop decisions of --inject-drop-rate",
    )
    add(
        "--log-level",
        choices=LOG_LEVELS,
        default=d.log_level,
        help="level of per-event and library logs (start-up and shutdown lines are always shown)",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> ServerConfig:
    """Build the ``ServerConfig`` from ``argv``; exit with a usage error when it is invalid."""
    parser = build_parser()
    ns = parser.parse_args(argv)
    try:
        return ServerConfig(
            host=ns.host,
            port=ns.port,
            async_mode=ns.async_mode,
            node_id=ns.node_id,
            message_queue=ns.message_queue or None,
            queue_channel=ns.queue_channel,
            redis_manager=ns.redis_manager,
            presence=ns.presence,
            limits=Limits(
                max_room_chars=ns.max_room_chars,
                max_rooms_per_client=ns.max_rooms_per_client,
                max_message_bytes=ns.max_message_bytes,
                max_member_sids=ns.max_member_sids,
                max_depth=ns.max_depth,
            ),
            max_connections=ns.max_connections,
            listen_backlog=ns.listen_backlog,
            tcp_nodelay=ns.tcp_nodelay,
            gc_mode=ns.gc_mode,
            manage_session=ns.manage_session,
            json_module=ns.json_module,
            dispatch=ns.dispatch,
            faults=FaultPlan(
                delay_ms=ns.inject_delay_ms,
                drop_rate=ns.inject_drop_rate,
                seed=ns.inject_seed,
                cpu_ms=ns.inject_cpu_ms,
            ),
            guards=ConnectionGuards(
                ping_interval_s=ns.ping_interval_s,
                ping_timeout_s=ns.ping_timeout_s,
                header_timeout_s=ns.header_timeout_s,
                max_outbound_bytes=ns.max_outbound_bytes,
                log_interval_s=ns.log_interval_s,
                max_open_files=ns.max_open_files,
                max_inbound_bytes_per_s=ns.max_inbound_bytes_per_s,
                inbound_flood_s=ns.inbound_flood_s,
            ),
            log_level=ns.log_level,
            allow_polling=ns.allow_polling,
            max_threading_sessions=ns.max_threading_sessions,
        )
    except ValueError as exc:
        parser.error(str(exc))
