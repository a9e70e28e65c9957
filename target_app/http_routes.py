"""Plain HTTP endpoints: ``/healthz``, ``/stats`` and a TCP_NODELAY check."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

from target_app.socket_tuning import nodelay_of, request_socket
from target_app.state import NodeState


def register(app: Flask, state: NodeState) -> None:
    """Add the routes to ``app``."""

    @app.get("/healthz")
    def healthz() -> Any:
        """``{"ok": true, "node": id}``; 503 and ok false while the queue is not subscribed."""
        ok = state.healthy()
        return jsonify({"ok": ok, "node": state.config.node_id}), 200 if ok else 503

    @app.get("/stats")
    def stats() -> Any:
        return jsonify(state.stats())

    @app.get("/debug/socket")
    def debug_socket() -> Any:
        """Whether the accepted socket serving *this* request has TCP_NODELAY set.

        It reads the option back from the kernel, so it checks what the
        server really did rather than what the configuration asked for.
        """
        sock = request_socket(request.environ)
        return jsonify({"tcp_nodelay": nodelay_of(sock) if sock is not None else None})
