"""Issue 18, defects 1 and 3-6: hostile Socket.IO packets, sent as raw frames, in every mode.

Each test reproduces one defect byte for byte and asserts the fixed
behaviour: an error reply, an exact count in ``/stats``, the connection (and
the server) still serving, no traceback in the node's log.
"""

from __future__ import annotations

import json

import pytest

from tests.target_app.raw_ws import RawClient
from tests.target_app.sio_client import room_name, wait_until
from tests.target_app.stats_delta import StatsDelta

pytestmark = pytest.mark.slow


def error_of(reply: dict) -> str:
    assert reply["ok"] is False, reply
    return str(reply["error"])


def log_text(node) -> str:
    return node.process.log_path.read_text()


def test_1_client_events_named_like_lifecycle_events_are_refused(shared_node) -> None:
    stats = StatsDelta(shared_node)
    room = room_name()
    with RawClient(shared_node.port).connect() as client:
        assert client.call("join", {"room": room})["ok"]
        client.emit("disconnect")
        assert error_of(client.wait_event("error")[1]) == "unknown_event"
        assert error_of(client.call("connect", {}, ack_id=2)) == "unknown_event"
        assert error_of(client.call("_internal", ack_id=3)) == "unknown_event"
        assert error_of(client.call("*", "join", ack_id=4)) == "unknown_event"
        client.send_text("40")  # a second namespace CONNECT: a second sid
        assert error_of(client.wait_event("error")[1]) == "unknown_event"
        # Still counted as connected, still a member, still under the room limit.
        assert stats.delta("connections") == 1
        sent = {"room": room, "seq": 1}
        assert client.call("room_message", sent, ack_id=5) == {"ok": True}
        assert client.wait_event("room_message")[1] == sent
        too_many = [room_name() for _ in range(64)]
        assert error_of(client.call("join", {"rooms": too_many}, ack_id=6)) == "too_many_rooms"
        assert client.call("leave", {"room": room}, ack_id=7)["ok"]
        welcomes = [m for m in client.received if str(m).startswith('42["welcome"')]
        assert len(welcomes) == 1
    assert stats.delta("protocol_errors", "reserved_event") == 5
    assert stats.delta("errors", "unknown_event") == 5
    wait_until(lambda: stats.delta("connections") == 0, "the client's disconnect")


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_3_non_finite_numbers_are_refused_not_relayed(shared_node, number: str) -> None:
    stats = StatsDelta(shared_node)
    with (
        RawClient(shared_node.port).connect() as sender,
        RawClient(shared_node.port).connect() as watcher,
    ):
        sender.send_text(f'421["broadcast",{{"x":{number}}}]')
        assert sender.next_message(lambda m: str(m).startswith("431[")) == (
            '431[{"ok":false,"error":"bad_payload","detail":"numbers must be finite, got '
            + ("-inf" if number.startswith("-") else "nan" if number == "NaN" else "inf")
            + '"}]'
        )
        marker = {"marker": room_name()}
        assert sender.call("broadcast", marker, ack_id=2) == {"ok": True}
        # The first broadcast the watcher sees is the valid one: nothing was relayed.
        assert watcher.wait_event("broadcast")[1] == marker
    assert stats.delta("errors", "bad_payload") == 1
    assert stats.delta("emits_out", "broadcast") >= 2  # the marker, to both clients


MALFORMED = [
    ("42", "bad_event"),
    ("42[", "bad_packet"),
    ("42{}", "bad_event"),
    ('42[{"a":1},"x"]', "bad_event"),
    ('42[7,"x"]', "bad_event"),
    ("42" + "1" * 120 + '["message","x"]', "bad_packet"),
    ('42-1["message","x"]', "bad_packet"),
    ("42" + "[" * 2000 + "]" * 2000, "too_deep"),
    ('451-["message",{"_placeholder":true,"num":9}]', "binary"),
    ('42/elsewhere,["message","x"]', "bad_event"),
]


def test_4_malformed_packets_get_an_error_reply_and_a_count(shared_node) -> None:
    stats = StatsDelta(shared_node)
    log_before = len(log_text(shared_node))
    with RawClient(shared_node.port).connect() as client:
        for packet, _ in MALFORMED * 3:
            client.send_text(packet)
            assert error_of(client.wait_event("error")[1]) == "bad_payload", packet
        # The connection still works, later events included (nothing is pending).
        assert client.call("message", "still here", ack_id=1) == {"ok": True}
        assert client.wait_event("message")[1] == "Received: still here"
    expected: dict[str, int] = {}
    for _, kind in MALFORMED:
        expected[kind] = expected.get(kind, 0) + 3
    assert stats.deltas("protocol_errors") == expected
    assert stats.delta("errors", "bad_payload") == 3 * len(MALFORMED)
    # Rate-limited log: at most one line per kind (and none with a traceback).
    new_log = log_text(shared_node)[log_before:]
    assert "Traceback" not in new_log
    for kind in expected:
        assert new_log.count(f" {kind}: ") <= 1, new_log


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_5_deep_nesting_is_bad_payload_not_internal_error(shared_node) -> None:
    stats = StatsDelta(shared_node)
    with RawClient(shared_node.port).connect() as client:
        for ack_id, depth in enumerate((33, 600, 700, 800), start=1):
            client.send_text(f'42{ack_id}["broadcast",{{"x":{nested(depth - 1)}}}]')
            reply = client.next_message(lambda m, a=ack_id: str(m).startswith(f"43{a}["))
            assert json.loads(str(reply)[2 + len(str(ack_id)) :])[0]["error"] == "bad_payload"
        # The configured depth (32) itself is accepted.
        client.send_text(f'429["broadcast",{{"x":{nested(31)}}}]')
        assert client.next_message(lambda m: str(m).startswith("439[")) == '439[{"ok":true}]'
    assert stats.delta("errors", "bad_payload") == 4
    assert stats.delta("errors", "internal_error") == 0


ATTACHMENTS = 60


def test_6_binary_events_are_refused_and_attachments_not_retained(shared_node) -> None:
    stats = StatsDelta(shared_node)
    rss_before = stats.before["rss_bytes"]
    with RawClient(shared_node.port).connect() as client:
        client.send_text('45999999999-["message",{"_placeholder":true,"num":0}]')
        assert error_of(client.wait_event("error")[1]) == "bad_payload"
        blob = b"\x00" * 60_000
        for _ in range(ATTACHMENTS):
            client.send_frame(0x2, blob)
            assert error_of(client.wait_event("error")[1]) == "bad_payload"
        assert client.call("message", "after", ack_id=1) == {"ok": True}
    assert stats.delta("protocol_errors", "binary") == 1 + ATTACHMENTS
    # Retaining them would cost ATTACHMENTS * 60 kB = 3.6 MB at least.
    assert stats.now()["rss_bytes"] - rss_before < ATTACHMENTS * 60_000


UNDECODABLE_WITH_ACK_IDS = [
    ("4217[", 17, "bad_packet"),
    ('42/,5["message",', 5, "bad_packet"),
    ("4223" + "[" * 2000 + "]" * 2000, 23, "too_deep"),
]


def test_issue27_an_undecodable_packet_with_a_readable_ack_id_gets_an_error_ack(
    shared_node,
) -> None:
    stats = StatsDelta(shared_node)
    with RawClient(shared_node.port).connect() as client:
        for packet, ack_id, _ in UNDECODABLE_WITH_ACK_IDS:
            client.send_text(packet)
            prefix = f"43{ack_id}["
            reply = client.next_message(lambda m, prefix=prefix: str(m).startswith(prefix))
            assert json.loads(str(reply)[len(prefix) - 1 :])[0]["error"] == "bad_payload"
        # None of them came back as an ``error`` event instead.
        assert not [m for m in client.received if str(m).startswith('42["error"')]
    kinds: dict[str, int] = {}
    for _, _, kind in UNDECODABLE_WITH_ACK_IDS:
        kinds[kind] = kinds.get(kind, 0) + 1
    assert stats.deltas("protocol_errors") == kinds
