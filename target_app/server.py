"""Run one node: logging, the app, the queue listener, the gc mode, signals, ``socketio.run``.

Stopping: SIGTERM (what the supervisor sends) and SIGINT (Ctrl-C) log one line
and end the process at once with status 0. A graceful shutdown would buy
nothing here: the node keeps no durable state, clients are load generators
that see their connection close either way, and letting each async mode wind
down thousands of greenlets or threads is slow and mode-specific (Werkzeug
waits for request threads, eventlet's hub may be inside a handler greenlet
when the signal lands). Exiting at once is equally prompt in all three modes.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType

from target_app.app import EXTENSION_KEY, create_app
from target_app.config import ServerConfig, log_level_number
from target_app.faults import FaultInjector
from target_app.fd_limits import set_nofile_limit
from target_app.gc_modes import apply_gc_mode
from target_app.redis_queue import redact
from target_app.socket_tuning import server_options

logger = logging.getLogger("target_app")

# Libraries that log per request or per event at INFO.
_CHATTY_LOGGERS = ("werkzeug", "socketio", "engineio", "geventwebsocket")


def configure_logging(level_name: str) -> None:
    """Library and per-event logs at ``level_name``; target_app's own at INFO or finer.

    Werkzeug sets its logger to INFO (a line per request) unless a level is
    already set, so every chatty library logger gets the requested level.
    """
    level = log_level_number(level_name)
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(level)
    logger.setLevel(min(level, logging.INFO))


def _exit_now(signum: int, frame: FrameType | None) -> None:
    logger.info("stopping on %s", signal.Signals(signum).name)
    logging.shutdown()
    os._exit(0)


def describe(config: ServerConfig) -> str:
    """The one start-up line: node, address, every setting that moves capacity, faults."""
    queue = (
        f"{redact(config.message_queue)} (channel {config.queue_channel}) "
        f"redis_manager={config.redis_manager}"
        if config.message_queue
        else "none"
    )
    faults = (
        f"delay {config.faults.delay_ms} ms, drop rate {config.faults.drop_rate} "
        f"(seed {config.faults.seed})"
        if config.faults.active
        else "none"
    )
    return (
        f"target_app {config.node_id} listening on http://{config.host}:{config.port} "
        f"async_mode={config.async_mode} message_queue={queue} gc={config.gc_mode} "
        f"tcp_nodelay={config.tcp_nodelay} max_connections={config.max_connections} "
        f"ping={config.guards.ping_interval_s:g}/{config.guards.ping_timeout_s:g}s "
        f"manage_session={config.manage_session} json={config.json_module} "
        f"dispatch={config.dispatch} presence={config.presence} faults={faults} "
        f"transports={','.join(config.transports)}"
        + (
            f" max_threading_sessions={config.max_threading_sessions}"
            if config.async_mode == "threading"
            else ""
        )
    )


def serve(config: ServerConfig) -> int:
    """Serve until a signal ends the process; return an exit status."""
    configure_logging(config.log_level)
    fd_limit = set_nofile_limit(config.guards.max_open_files)
    app, sio = create_app(config)
    state = app.extensions[EXTENSION_KEY].state
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_now)
    # python-socketio initialises the manager (and so subscribes to Redis) on
    # the first connection; doing it now means /healthz turns ok only once
    # this node will receive every message published to the queue.
    sio.server.manager_initialized = True
    sio.server.manager.initialize()
    if config.faults.active:
        logger.warning(FaultInjector(config.faults).banner())
    apply_gc_mode(config.gc_mode)
    logger.info("%s fd_limit=%d", describe(config), fd_limit)
    sio.run(app, host=config.host, port=config.port, **server_options(config, state))
    return 0
