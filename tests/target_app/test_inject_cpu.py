"""``--inject-cpu-ms``: each room message costs the node that much CPU, and says so."""

from __future__ import annotations

import pytest

from tests.conftest import ASYNC_MODES, NodeFactory
from tests.target_app.sio_client import connected, room_name

pytestmark = pytest.mark.slow
CPU_MS = 50.0
MESSAGES = 10


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_each_room_message_burns_the_injected_cpu(
    node_factory: NodeFactory, async_mode: str
) -> None:
    node = node_factory(async_mode=async_mode, extra_args=["--inject-cpu-ms", str(CPU_MS)])
    room = room_name()
    with connected(node.url, 1) as (sender,):
        assert sender.call("join", {"room": room})["ok"]
        before_s = node.stats()["cpu_s"]
        for seq in range(MESSAGES):
            assert sender.call("room_message", {"room": room, "seq": seq}) == {"ok": True}
        after_s = node.stats()["cpu_s"]
        sender.sync()
        assert len(sender.received("room_message")) == MESSAGES
    stats = node.stats()
    assert stats["faults"]["cpu_ms"] == CPU_MS
    # CPU consumed (not elapsed time): at least the injected amount per message.
    assert after_s - before_s >= MESSAGES * CPU_MS / 1000.0 * 0.95
    assert "ms of CPU burnt per room_message" in node.process.log_path.read_text()


def test_a_negative_cpu_injection_is_refused_at_start_up(node_factory: NodeFactory) -> None:
    with pytest.raises(Exception, match="inject-cpu-ms must be in 0..1000"):
        node_factory(extra_args=["--inject-cpu-ms", "-1"])
