"""A plain python-socketio chat server (ASGI, run under uvicorn): a foreign protocol.

Nothing here follows the reference server's protocol, on purpose: the events
are ``join_room`` / ``leave_room`` / ``chat`` (in) and ``chat_message`` (out),
there are no acks and no ``welcome``, and a message is re-wrapped the way
chat servers do: ``chat {"room": r, "body": {...}}`` is emitted to the room,
sender included, as ``chat_message {"user": sid, "data": body}``. roombench
reaches it only through ``loadtests/profiles/python-socketio-chat.toml``.

    python -m uvicorn loadtests.servers.sio_chat:app --host 127.0.0.1 --port 5001 --ws wsproto
"""

from __future__ import annotations

from typing import Any

import socketio

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=[])
app = socketio.ASGIApp(sio)


def _room(data: Any) -> str | None:
    room = data.get("room") if isinstance(data, dict) else None
    return room if isinstance(room, str) and 0 < len(room) <= 128 else None


@sio.event
async def join_room(sid: str, data: Any) -> None:
    room = _room(data)
    if room is not None:
        await sio.enter_room(sid, room)


@sio.event
async def leave_room(sid: str, data: Any) -> None:
    room = _room(data)
    if room is not None:
        await sio.leave_room(sid, room)


@sio.event
async def chat(sid: str, data: Any) -> None:
    room = _room(data)
    if room is not None and room in sio.rooms(sid):
        await sio.emit("chat_message", {"user": sid, "data": data.get("body")}, room=room)
