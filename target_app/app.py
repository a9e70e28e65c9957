"""``create_app(config)``: the Flask app and its Socket.IO server, with no side effects.

Importing this module starts nothing, and neither does ``create_app``: no
socket is opened and Redis is not contacted until the server runs
(``server.serve``). Micro-benchmarks build an app with ``create_app`` and call
the handlers of ``app.extensions["roombench"]`` (a ``NodeApp``) directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_socketio import SocketIO

from target_app import acks, events, http_routes, packet_guard, polling_guard, transport_guard
from target_app.config import ServerConfig
from target_app.faults import FaultInjector
from target_app.json_modules import json_module
from target_app.managers import build_manager
from target_app.redis_queue import RobustRedisManager
from target_app.state import NodeState
from target_app.stock_redis_queue import StockRedisManager

EXTENSION_KEY = "roombench"


@dataclass(frozen=True)
class NodeApp:
    """What ``create_app`` wires together, reachable as ``app.extensions["roombench"]``."""

    state: NodeState
    events: events.RoomEvents


def create_app(config: ServerConfig | None = None) -> tuple[Flask, SocketIO]:
    """Build the Flask app and Flask-SocketIO server for ``config`` (default ``ServerConfig()``)."""
    config = config or ServerConfig()
    faults = FaultInjector(config.faults) if config.faults.active else None
    state = NodeState(config=config, faults=faults)
    manager = build_manager(config, state.counters, faults)
    if isinstance(manager, (RobustRedisManager, StockRedisManager)):
        state.queue = manager.health

    app = Flask("target_app")
    sio = SocketIO(
        app,
        async_mode=config.async_mode,
        client_manager=manager,
        # Complete the Socket.IO handshake before the connect handler runs, so
        # the `welcome` it emits reaches a client that is already connected.
        always_connect=True,
        # Engine.IO refuses (and disconnects) messages over this size; it is
        # --max-message-bytes plus framing, so a payload a little over the
        # limit still gets a `too_large` reply, and every websocket reader
        # stops at the same size (transport_guard).
        max_http_buffer_size=config.max_frame_bytes,
        transports=list(config.transports),
        ping_interval=config.guards.ping_interval_s,
        ping_timeout=config.guards.ping_timeout_s,
        manage_session=config.manage_session,
        json=json_module(config.json_module),
        logger=False,
        engineio_logger=False,
    )
    acks.install(sio)
    packet_guard.install(sio, state.counters, state.log)
    transport = transport_guard.TransportGuard(
        counters=state.counters,
        log=state.log,
        max_frame_bytes=config.max_frame_bytes,
        max_outbound_bytes=config.guards.max_outbound_bytes,
        max_inbound_bytes_per_s=config.guards.max_inbound_bytes_per_s,
        inbound_flood_s=config.guards.inbound_flood_s,
        max_sessions=config.max_threading_sessions if config.async_mode == "threading" else None,
    )
    transport_guard.install(sio, transport)
    if config.allow_polling:
        polling_guard.install(sio, transport)
    room_events = events.RoomEvents(sio.server, state)
    events.register(sio, room_events, config.dispatch)
    http_routes.register(app, state)
    app.extensions[EXTENSION_KEY] = NodeApp(state=state, events=room_events)
    return app, sio
