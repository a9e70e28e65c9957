"""create_app builds a working server in-process, without a network (what benchmarks do)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from target_app import events
from target_app.app import EXTENSION_KEY, NodeApp, create_app
from target_app.config import ASYNC_MODES, FaultPlan, ServerConfig


def test_importing_target_app_has_no_side_effects() -> None:
    code = (
        "import sys, target_app, target_app.config, target_app.validation;"
        "bad = [m for m in ('flask', 'socketio', 'eventlet', 'gevent', 'redis')"
        " if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_handlers_work_through_flask_socketios_test_client() -> None:
    app, sio = create_app(ServerConfig(async_mode="threading"))
    client = sio.test_client(app)
    welcome = client.get_received()
    assert welcome[0]["name"] == "welcome" and welcome[0]["args"][0]["node"] == "node"
    assert client.emit("join", {"room": "r"}, callback=True) == {"ok": True, "rooms": ["r"]}
    payload = {"room": "r", "sender": "a", "seq": 1, "t_ns": 5, "pad": ""}
    assert client.emit("room_message", payload, callback=True) == {"ok": True}
    assert client.get_received() == [{"name": "room_message", "args": [payload], "namespace": "/"}]
    # No ack asked: the error comes back as an `error` event.
    client.emit("room_message", {"room": "elsewhere"})
    [error] = client.get_received()
    assert error["name"] == "error" and error["args"][0]["error"] == "not_a_member"
    node: NodeApp = app.extensions[EXTENSION_KEY]
    stats = node.state.stats()
    assert stats["errors"]["not_a_member"] == 1 and stats["events_in"]["room_message"] == 2
    assert stats["connections"] == 1 and stats["rooms"] == 1
    client.disconnect()
    assert node.state.stats()["connections"] == 0 and node.state.stats()["rooms"] == 0


def test_the_session_flag_reaches_flask_socketio() -> None:
    # Off by default (the tuning study's measured choice); --manage-session turns it on.
    for manage_session in (False, True):
        app, sio = create_app(ServerConfig(async_mode="threading", manage_session=manage_session))
        assert sio.manage_session is manage_session
        client = sio.test_client(app)
        assert client.emit("join", {"room": "r"}, callback=True) == {"ok": True, "rooms": ["r"]}
        client.disconnect()
    assert create_app(ServerConfig(async_mode="threading"))[1].manage_session is False


def test_http_routes() -> None:
    app, _ = create_app(
        ServerConfig(async_mode="threading", node_id="n1", faults=FaultPlan(drop_rate=0.1))
    )
    http = app.test_client()
    assert http.get("/healthz").get_json() == {"ok": True, "node": "n1"}
    stats = http.get("/stats").get_json()
    assert stats["node"] == "n1" and stats["faults"]["drop_rate"] == 0.1
    assert set(stats) >= {
        "node",
        "async_mode",
        "message_queue",
        "connections",
        "rooms",
        "events_in",
        "emits_out",
        "errors",
        "cpu_s",
        "rss_bytes",
        "uptime_s",
        "faults",
        "gc",
    }


# Which module defined each handler python-socketio will call on namespace "/",
# for a server built in each async mode (a child process: eventlet and gevent
# stay out of this one).
_HANDLER_ORIGINS = """
import json, sys
from pathlib import Path
from target_app.app import create_app
from target_app.config import ASYNC_MODES, ServerConfig
found = {}
for mode in ASYNC_MODES:
    _, sio = create_app(ServerConfig(async_mode=mode, dispatch=sys.argv[1]))
    handlers = sio.server.handlers["/"]
    found[mode] = {name: Path(h.__code__.co_filename).parent.name for name, h in handlers.items()}
print(json.dumps(found))
"""


@pytest.mark.parametrize("dispatch", ["flask-socketio", "socketio"])
def test_dispatch_socketio_puts_room_message_alone_on_python_socketio(dispatch: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _HANDLER_ORIGINS, dispatch],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found = json.loads(done.stdout)
    assert sorted(found) == sorted(ASYNC_MODES)
    for origins in found.values():
        # Flask-SocketIO's wrapper (it calls SocketIO._handle_event) comes from
        # flask_socketio; target_app's adapter itself comes from target_app.
        direct = {name for name, origin in origins.items() if origin == "target_app"}
        assert direct == ({"room_message"} if dispatch == "socketio" else set())
        assert set(origins.values()) <= {"flask_socketio", "target_app"}
        assert set(origins) == {name for name in events.EVENTS}


def _room_message_session(dispatch: str) -> dict[str, Any]:
    """Replies, events and counters of a fixed room_message session on a fresh app."""
    app, sio = create_app(ServerConfig(async_mode="threading", dispatch=dispatch))
    client = sio.test_client(app)
    client.get_received()
    assert client.emit("join", {"room": "r"}, callback=True)["ok"]
    payload = {"room": "r", "sender": "a", "seq": 1, "t_ns": 5, "pad": ""}
    seen: dict[str, Any] = {"ok": client.emit("room_message", payload, callback=True)}
    seen["delivered"] = client.get_received()
    seen["errors"] = [
        client.emit("room_message", {"room": "elsewhere"}, callback=True),
        client.emit("room_message", {"room": "r"}, {"room": "r"}, callback=True),
        client.emit("room_message", {"room": "r", "n": float("nan")}, callback=True),
    ]
    client.emit("room_message", {"room": "elsewhere"})  # no ack: an `error` event
    seen["error_events"] = client.get_received()
    stats = app.extensions[EXTENSION_KEY].state.stats()
    seen["counted"] = stats["events_in"]["room_message"], stats["errors"], stats["emits_out"]
    client.disconnect()
    return seen


def test_dispatch_socketio_gives_the_same_replies_and_counts() -> None:
    direct = _room_message_session("socketio")
    assert direct == _room_message_session("flask-socketio")
    assert direct["ok"] == {"ok": True} and direct["delivered"][0]["name"] == "room_message"
    codes = [error["error"] for error in direct["errors"]]
    assert codes == ["not_a_member", "bad_payload", "bad_payload"]
    assert [event["name"] for event in direct["error_events"]] == ["error"]
    events_in, errors, emits_out = direct["counted"]
    assert events_in == 5 and errors["not_a_member"] == 2 and errors["bad_payload"] == 2
    assert emits_out["room_message"] == 1
