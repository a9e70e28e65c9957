"""A plain python-socketio server (gevent WSGI) whose connect handler refuses without a token.

Run as ``python refusing_server.py``: it prints its loopback port on one line,
then serves until killed. Used by ``test_refusing_server.py`` to show a real
server's ``CONNECT_ERROR`` reaching the caller of ``SioClient.connect``.
"""

from __future__ import annotations

from typing import Any

import socketio
from gevent import pywsgi

sio = socketio.Server(async_mode="gevent", transports=["websocket"])


@sio.event
def connect(sid: str, environ: dict[str, Any], auth: Any) -> None:
    if not isinstance(auth, dict) or auth.get("token") != "let-me-in":
        raise socketio.exceptions.ConnectionRefusedError("authentication failed", {"need": "token"})


def main() -> None:
    server = pywsgi.WSGIServer(("127.0.0.1", 0), socketio.WSGIApp(sio), log=None)
    server.start()
    print(server.address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
