"""create_app builds a working server in-process, without a network (what benchmarks do)."""

from __future__ import annotations

import subprocess
import sys

from target_app.app import EXTENSION_KEY, NodeApp, create_app
from target_app.config import FaultPlan, ServerConfig


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
