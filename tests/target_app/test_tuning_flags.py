"""The tuning flags (issue 17) keep the protocol, in every async mode.

``--manage-session`` (Flask-SocketIO's own per-connection session, which the
reference server turns off by default) and
``--json orjson`` (SocketIO(json=...) with the pinned orjson) each start a
real node per async mode; the protocol must read the same as with the
defaults: welcome, join, a room message passed through verbatim (unicode,
nesting, a big-but-64-bit integer) to members only, members, leave, and the
validation replies. A bad ``--json`` value is a start-up error naming it.

``--dispatch socketio`` (``room_message`` registered on python-socketio's
server, skipping Flask-SocketIO's dispatch) must be invisible on the wire: the
same session against a ``--dispatch socketio`` node and a default node, in
each async mode, gives the same deliveries, replies and ``/stats`` counts.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loadtests.cluster.supervisor import TargetNode
from tests.conftest import ASYNC_MODES, NodeFactory
from tests.target_app.sio_client import connected, get_json, room_name
from tests.target_app.stats_delta import StatsDelta

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
FLAGS = {"manage-session": ["--manage-session"], "orjson": ["--json", "orjson"]}


@pytest.mark.parametrize("flags", sorted(FLAGS))
@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_the_protocol_reads_the_same_with_a_tuning_flag(
    node_factory: NodeFactory, async_mode: str, flags: str
) -> None:
    node = node_factory(async_mode=async_mode, extra_args=FLAGS[flags])
    room, other = room_name("t"), room_name("o")
    with connected(node.url, 3) as (sender, member, outsider):
        assert sender.welcome == {"sid": sender.sid, "node": "node-0"}
        assert sender.call("join", {"room": room}) == {"ok": True, "rooms": [room]}
        assert member.call("join", {"room": room})["ok"]
        assert outsider.call("join", {"room": other})["ok"]
        payload = {
            "room": room,
            "sender": "s1",
            "seq": 2**62,
            "t_ns": 1_764_000_000_123_456_789,
            "pad": "ünïcødé ✓",
            "nested": {"a": [1, 2.5, None, True]},
        }
        assert sender.call("room_message", payload) == {"ok": True}
        assert member.wait_for("room_message") == [payload]
        assert sender.wait_for("room_message") == [payload]
        outsider.sync()
        assert outsider.received("room_message") == []
        reply = member.call("members", {"room": room})
        assert reply["count"] == 2 and sorted(reply["sids"]) == sorted([sender.sid, member.sid])
        assert member.call("leave", {"room": room}) == {"ok": True, "room": room}
        assert member.call("room_message", {"room": room})["error"] == "not_a_member"
        assert sender.call("join", {"room": ""})["ok"] is False
    stats = get_json(f"{node.url}/stats")
    assert stats["node"] == "node-0"


def test_an_unknown_json_module_is_a_start_up_error_naming_the_flag() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "target_app", "--port", "1", "--json", "simplejson"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--json" in done.stderr and "simplejson" in done.stderr


# Fixed names: each session runs on a fresh node, and error details quote the room.
DISPATCH_ROOM, DISPATCH_OTHER = "dispatch-room", "dispatch-other"
# room_message arguments the server refuses, with the code of each reply.
REFUSED: list[tuple[tuple[Any, ...], str]] = [
    (({"room": DISPATCH_OTHER, "seq": 1},), "not_a_member"),
    (({"room": ""},), "bad_room"),
    ((["not", "an", "object"],), "bad_payload"),
    (({"room": DISPATCH_ROOM, "seq": float("nan")},), "bad_payload"),
    (({"room": DISPATCH_ROOM}, {"room": DISPATCH_ROOM}), "bad_payload"),
    ((), "bad_payload"),
    (({"room": DISPATCH_ROOM, "pad": "x" * 65_536},), "too_large"),
]


def room_message_session(node: TargetNode) -> dict[str, Any]:
    """One room message and every refused one, from a sender in a room of two.

    Returns what the clients saw and what ``/stats`` counted, to compare nodes.
    """
    delta = StatsDelta(node)
    with connected(node.url, 3) as (sender, member, outsider):
        assert sender.call("join", {"room": DISPATCH_ROOM})["ok"]
        assert member.call("join", {"room": DISPATCH_ROOM})["ok"]
        assert outsider.call("join", {"room": DISPATCH_OTHER})["ok"]
        payload = {"room": DISPATCH_ROOM, "sender": "s1", "seq": 2**62, "t_ns": 1, "pad": "ü"}
        seen: dict[str, Any] = {"ack": sender.call("room_message", payload)}
        assert member.wait_for("room_message") == [payload]
        assert sender.wait_for("room_message") == [payload]
        seen["refused"] = [sender.call("room_message", *args) for args, _ in REFUSED]
        sender.emit("room_message", {"room": DISPATCH_OTHER, "seq": 1})  # no ack: `error` event
        seen["error_events"] = sender.wait_for("error")
        for client in (sender, member, outsider):
            client.sync()
        # Only the valid message went out, and only to the room's members.
        assert sender.received("room_message") == member.received("room_message") == [payload]
        assert outsider.received("room_message") == []
        seen["room_messages_in"] = delta.delta("events_in", "room_message")
        seen["room_messages_out"] = delta.delta("emits_out", "room_message")
        seen["errors"] = delta.deltas("errors")
    return seen


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_dispatch_socketio_keeps_the_room_message_protocol(
    node_factory: NodeFactory, async_mode: str
) -> None:
    direct = room_message_session(
        node_factory(async_mode=async_mode, extra_args=["--dispatch", "socketio"])
    )
    assert direct["ack"] == {"ok": True}
    assert [reply["error"] for reply in direct["refused"]] == [code for _, code in REFUSED]
    assert all(reply["ok"] is False for reply in direct["refused"])
    assert direct["error_events"] == [direct["refused"][0]]
    assert direct["room_messages_in"] == 1 + len(REFUSED) + 1
    assert direct["room_messages_out"] == 2
    assert direct["errors"] == {"not_a_member": 2, "bad_room": 1, "bad_payload": 4, "too_large": 1}
    # Exactly what Flask-SocketIO's own dispatch gives.
    assert direct == room_message_session(node_factory(async_mode=async_mode))
