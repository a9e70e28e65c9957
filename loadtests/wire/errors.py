"""How a lean-client connection fails or ends, as exceptions whose message says it all."""

from __future__ import annotations

import json
from typing import Any

from loadtests.wire.wsclose import CloseCode


class ConnectError(Exception):
    """The connection, upgrade or Socket.IO handshake failed, or the server ended the session."""


class ConnectRefused(ConnectError):
    """The server refused the Socket.IO namespace (a ``CONNECT_ERROR`` packet).

    ``message`` is the server's reason, ``data`` any details it added (None if
    none), ``namespace`` the namespace it refused.
    """

    def __init__(self, server: str, namespace: str, message: str, data: Any) -> None:
        details = "" if data is None else f" (data: {json.dumps(data)})"
        super().__init__(
            f"Socket.IO server {server} refused namespace {namespace!r}: {message}{details};"
            " check the auth, query or headers its connect handler expects"
        )
        self.namespace = namespace
        self.message = message
        self.data = data


class SessionEnded(ConnectError):
    """The server ended the session; ``close_code`` is the websocket close code to answer with."""

    def __init__(self, reason: str, close_code: int = CloseCode.NORMAL_CLOSURE) -> None:
        super().__init__(reason)
        self.close_code = close_code
