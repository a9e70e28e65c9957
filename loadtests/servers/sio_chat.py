"""A plain python-socketio chat server (ASGI, run under uvicorn): a foreign protocol.

Nothing here follows the reference server's protocol, on purpose: the events
are ``join_room`` / ``leave_room`` / ``chat`` (in) and ``chat_message`` (out),
there are no acks and no ``welcome``, and a message is re-wrapped the way
chat servers do: ``chat {"room": r, "body": {...}}`` is emitted to the room,
sender included, as ``chat_message {"user": sid, "data": body}``. roombench
reaches it only through ``loadtests/profiles/python-socketio-chat.toml``.

    python -m uvicorn loadtests.servers.sio_chat:app --host 127.0.0.1 --port 5001 --ws wsproto
    python -m loadtests.servers.sio_chat --port 5001 --ping-interval-s 1   # the same, shorter pings

``--namespace /chat --auth-token T`` serves the chat on that namespace only and
refuses a connect unless its ``auth`` is ``{"token": T}``, the handshake's query
has ``client`` and its headers ``X-Bench`` (what a profile's namespace, auth,
query and headers are for).
"""

from __future__ import annotations

import argparse
from typing import Any

import socketio
import uvicorn


def _room(data: Any) -> str | None:
    room = data.get("room") if isinstance(data, dict) else None
    return room if isinstance(room, str) and 0 < len(room) <= 128 else None


def make_app(
    ping_interval_s: float = 25.0,
    ping_timeout_s: float = 20.0,
    namespace: str = "/",
    auth_token: str | None = None,
) -> Any:
    """The ASGI app; the Engine.IO ping defaults are python-socketio's (25 s, 20 s)."""
    sio = socketio.AsyncServer(
        async_mode="asgi",
        cors_allowed_origins=[],
        ping_interval=ping_interval_s,
        ping_timeout=ping_timeout_s,
    )

    # Any values: the ASGI environ python-socketio passes holds its server's own objects.
    @sio.on("connect", namespace=namespace)
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        if auth_token is None:
            return
        if not isinstance(auth, dict) or auth.get("token") != auth_token:
            raise socketio.exceptions.ConnectionRefusedError("bad token", {"got": auth})
        if "client=" not in environ.get("QUERY_STRING", ""):
            raise socketio.exceptions.ConnectionRefusedError("no client in the query")
        if "HTTP_X_BENCH" not in environ:
            raise socketio.exceptions.ConnectionRefusedError("no X-Bench header")

    @sio.on("join_room", namespace=namespace)
    async def join_room(sid: str, data: Any) -> None:
        room = _room(data)
        if room is not None:
            await sio.enter_room(sid, room, namespace=namespace)

    @sio.on("leave_room", namespace=namespace)
    async def leave_room(sid: str, data: Any) -> None:
        room = _room(data)
        if room is not None:
            await sio.leave_room(sid, room, namespace=namespace)

    @sio.on("chat", namespace=namespace)
    async def chat(sid: str, data: Any) -> None:
        room = _room(data)
        if room is not None and room in sio.rooms(sid, namespace=namespace):
            body = {"user": sid, "data": data.get("body")}
            await sio.emit("chat_message", body, room=room, namespace=namespace)

    return socketio.ASGIApp(sio)


app = make_app()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.servers.sio_chat")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ping-interval-s", type=float, default=25.0)
    parser.add_argument("--ping-timeout-s", type=float, default=20.0)
    parser.add_argument("--namespace", default="/")
    parser.add_argument("--auth-token", default=None)
    args = parser.parse_args(argv)
    uvicorn.run(
        make_app(args.ping_interval_s, args.ping_timeout_s, args.namespace, args.auth_token),
        host=args.host,
        port=args.port,
        ws="wsproto",
        log_level="warning",
    )


if __name__ == "__main__":
    main()
