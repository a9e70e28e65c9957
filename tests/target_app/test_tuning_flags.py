"""The tuning flags (issue 17) keep the protocol, in every async mode.

``--no-manage-session`` (Flask-SocketIO skips its per-connection session) and
``--json orjson`` (SocketIO(json=...) with the pinned orjson) each start a
real node per async mode; the protocol must read the same as with the
defaults: welcome, join, a room message passed through verbatim (unicode,
nesting, a big-but-64-bit integer) to members only, members, leave, and the
validation replies. A bad ``--json`` value is a start-up error naming it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ASYNC_MODES, NodeFactory
from tests.target_app.sio_client import connected, get_json, room_name

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
FLAGS = {"no-manage-session": ["--no-manage-session"], "orjson": ["--json", "orjson"]}


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
