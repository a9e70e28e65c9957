"""End to end against servers no one here wrote, spoken to through protocol profiles.

A plain python-socketio ASGI app under uvicorn (other events, no acks, a
wrapping payload) and the real Node.js socket.io v4 server (socket.io's chat
example with rooms), each started through a configuration's ``command`` and
loaded through the runner exactly as ``roombench run`` does: accounting must
be exact (lost 0, leaked 0, duplicated 0). Then the same uvicorn server as an
already running ``target``, a profile that recognises nothing (the run stops
with the profile and a raw frame), and a URL that is no Socket.IO server.
Short windows; run under ``flock /tmp/roombench-load.lock``.
"""

from __future__ import annotations

import http.server
import json
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loadtests.cluster.command_node import CommandNode
from loadtests.cluster.processes import ProcessError
from loadtests.orchestrate.progress import Progress
from loadtests.orchestrate.runner import RunOptions, run_config
from loadtests.orchestrate.scenario_file import parse_scenario
from loadtests.users.probe import MARKER

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
NODE_CHAT = REPO / "loadtests" / "servers" / "node_chat"
# Engine.IO pings every second (timeout 1 s), so several ping/pong rounds fall inside
# each short run: a client that did not answer would be dropped and lose deliveries.
UVICORN = [
    sys.executable, "-m", "loadtests.servers.sio_chat", "--port", "{port}",
    "--ping-interval-s", "1", "--ping-timeout-s", "1",
]  # fmt: skip
NODE = [
    "node", str(NODE_CHAT / "server.js"), "--port", "{port}",
    "--ping-interval-ms", "1000", "--ping-timeout-ms", "1000",
]  # fmt: skip
SMALL = {
    "users": 20,
    "rooms": 4,
    "rate_per_sender_per_s": 4.0,
    "warmup_s": 1.0,
    "window_s": 3.0,
    "drain_s": 1.0,
    "join_timeout_s": 20.0,
}


def run(tmp_path: Path, config: dict[str, Any], **load: Any) -> dict[str, Any]:
    """One configuration through the runner; the completed results document."""
    matrix = parse_scenario(
        {"name": "e2e", "load": {**SMALL, **load}, "config": [{"name": "srv", **config}]},
        str(tmp_path / "e2e.toml"),
    )
    out = tmp_path / "out"
    out.mkdir(parents=True, exist_ok=True)
    progress = Progress("e2e", 5.0, say=lambda _line: None)
    try:
        path = run_config(matrix, matrix.configs[0], 0, RunOptions(out), progress)
    finally:
        progress.done()
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def assert_exact(doc: dict[str, Any]) -> None:
    c = doc["counters"]
    assert c["sent"] > 0 and c["expected"] > 0
    assert (c["lost"], c["leaked"], c["duplicated"], c["errors"]) == (0, 0, 0, 0), c
    assert c["delivered"] == c["expected"]
    assert c["delivered"] == doc["latency"]["fanout"]["count"] + doc["latency"]["self"]["count"]
    assert "incomplete" not in doc["flags"], doc["flags"]
    # 4 rooms of 5: every message reaches its 5 members, sender included.
    assert c["expected"] == 5 * c["sent"]
    # Nobody was dropped: every ping was answered (one connect per user, no reconnects).
    assert (c["connects"], c["reconnects"], c.get("unexpected_disconnects", 0)) == (20, 0, 0), c


def test_python_socketio_under_uvicorn_through_its_profile(tmp_path: Path) -> None:
    doc = run(tmp_path, {"command": UVICORN, "protocol": "python-socketio-chat"})
    assert_exact(doc)
    assert doc["protocol"]["name"] == "python-socketio-chat"
    assert doc["protocol"]["join_ack"] is False
    assert "join not acknowledged" in doc["flags"]["join_unconfirmed"]
    assert doc["latency"]["join"]["count"] == 0  # no ack, so no join latency
    assert doc["config"]["command"][2] == "loadtests.servers.sio_chat"
    nodes = [r for r in doc["resources"] if r["role"] == "node"]
    assert [r["name"] for r in nodes] == ["node-0"] and nodes[0]["cpu_s_window"] > 0


def test_namespace_auth_query_and_headers_reach_a_real_server(tmp_path: Path) -> None:
    command = [*UVICORN, "--namespace", "/chat", "--auth-token", "s3cret"]
    profile = {
        "name": "chat-ns",
        "namespace": "/chat",
        "auth": {"token": "s3cret", "user": "{user}"},
        "query": {"client": "rb-{user}"},
        "headers": {"X-Bench": "1"},
        "welcome_event": "",
        "join_event": "join_room",
        "join_ack": False,
        "send_event": "chat",
        "send_payload": {"room": "{room}", "body": {"_rb": "{stamp}"}},
        "receive_event": "chat_message",
        "receive_path": "data._rb",
    }
    assert_exact(run(tmp_path, {"command": command, "protocol": profile}))


def node_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (make test installs nodejs from the system's packages)"
    if not (NODE_CHAT / "node_modules" / "socket.io").is_dir():
        return f"socket.io is not installed in {NODE_CHAT}/node_modules (run: make node-chat)"
    return None


@pytest.mark.skipif(node_missing() is not None, reason=node_missing() or "")
def test_node_socketio_chat_example_through_its_profile(tmp_path: Path) -> None:
    doc = run(tmp_path, {"command": NODE, "protocol": "node-socketio-chat"})
    assert_exact(doc)
    assert doc["protocol"]["name"] == "node-socketio-chat"
    assert "join_unconfirmed" not in doc["flags"]
    assert doc["latency"]["join"]["count"] == 20  # acked joins are timed


@pytest.fixture
def uvicorn_node(tmp_path: Path) -> Iterator[CommandNode]:
    node = CommandNode(UVICORN, tmp_path / "ext")
    try:
        yield node.start()
    finally:
        node.stop()


def test_a_running_target_is_loaded_and_sampled_only_with_its_pid(
    tmp_path: Path, uvicorn_node: CommandNode
) -> None:
    target = {"target": uvicorn_node.url, "protocol": "python-socketio-chat"}
    doc = run(tmp_path / "with-pid", {**target, "target_pids": [uvicorn_node.pid]})
    assert_exact(doc)
    assert [r["pid"] for r in doc["resources"] if r["role"] == "node"] == [uvicorn_node.pid]
    assert "server_not_measured" not in doc["flags"]
    doc = run(tmp_path / "without", target)
    assert_exact(doc)
    assert [r for r in doc["resources"] if r["role"] == "node"] == []
    assert doc["flags"]["server_not_measured"].startswith("server CPU/RSS not measured")
    assert uvicorn_node.process.alive()  # nothing the harness did not start is stopped


def test_a_profile_that_recognises_nothing_stops_with_a_raw_frame(
    tmp_path: Path, uvicorn_node: CommandNode
) -> None:
    wrong = {
        "name": "wrong-path",
        "welcome_event": "",
        "join_event": "join_room",
        "join_ack": False,
        "send_event": "chat",
        "send_payload": {"room": "{room}", "body": {"_rb": "{stamp}"}},
        "receive_event": "chat_message",
        "receive_path": "body._rb",  # the server puts it under data
    }
    with pytest.raises(ProcessError) as caught:
        run(tmp_path, {"target": uvicorn_node.url, "protocol": wrong}, window_s=20.0)
    message = str(caught.value)
    assert MARKER in message and "profile 'wrong-path'" in message
    assert "receive_path 'body._rb'" in message
    assert 'one raw received frame: 42["chat_message",{"user":' in message


class _NotSocketIO(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


def test_a_url_that_is_not_socketio_is_named_with_its_status(tmp_path: Path) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _NotSocketIO)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(ProcessError) as caught:
            run(tmp_path, {"target": url})
    finally:
        server.shutdown()
        server.server_close()
    message = str(caught.value)
    assert message.startswith(f"{url}: answered 'HTTP/1.0 404 Not Found'; expected HTTP 101")
    assert "Engine.IO v4 open packet" in message
