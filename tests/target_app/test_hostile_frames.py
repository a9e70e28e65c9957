"""Issue 18, defects 2, 8 and 9: hostile websocket frames, in every async mode.

Malformed Engine.IO frames, frames and fragmented messages past the size cap,
and large uploads meant to stall the event loop. Each closes only the
offending connection, cleanly and at once, is counted, and leaves the server
serving everyone else.
"""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from tests.target_app.raw_ws import CONTINUATION, TEXT, RawClient, encode_frame
from tests.target_app.sio_client import room_name, wait_until
from tests.target_app.stats_delta import StatsDelta

pytestmark = pytest.mark.slow

POLICY_VIOLATION_CLOSE = "close frame 03f0"


def members(client: RawClient, room: str, ack_id: int) -> int:
    return int(client.call("members", {"room": room}, ack_id=ack_id)["count"])


@pytest.mark.parametrize("frame", ["x", "", "0", "4x", "b4", "3" + "[" * 50])
def test_2_a_malformed_engineio_frame_closes_that_session_cleanly(shared_node, frame: str) -> None:
    stats = StatsDelta(shared_node)
    room = room_name()
    with (
        RawClient(shared_node.port).connect() as victim,
        RawClient(shared_node.port).connect() as member,
    ):
        assert victim.call("join", {"room": room})["ok"]
        assert member.call("join", {"room": room})["ok"]
        victim.send_text(frame)
        assert victim.wait_closed().startswith(POLICY_VIOLATION_CLOSE)
        # No HTTP response (a 500) and no traceback inside the websocket stream.
        assert b"HTTP/1" not in victim.transcript
        assert b"Traceback" not in victim.transcript
        # The dead session left its room at once, not after a ping timeout.
        ack_ids = iter(range(10, 200))
        wait_until(lambda: members(member, room, next(ack_ids)) == 1, "the victim's leave", 3.0)
        assert member.call("message", "alive", ack_id=1) == {"ok": True}
    assert stats.delta("protocol_errors", "bad_frame") == 1
    assert "Traceback" not in shared_node.process.log_path.read_text()


def send_ignoring_reset(sock: socket.socket, chunks: list[bytes]) -> None:
    """Send until the server closes (it should, long before the end)."""
    try:
        for chunk in chunks:
            sock.sendall(chunk)
    except OSError:
        pass


def test_8_no_mode_buffers_a_message_past_the_cap(shared_node) -> None:
    stats = StatsDelta(shared_node)
    rss_before = stats.before["rss_bytes"]
    zeros = b"\x00" * 65536
    # One text frame that declares 300 MiB; 2 MiB of it are sent.
    with RawClient(shared_node.port).connect() as client:
        # A zero mask: the payload arrives as NULs, valid UTF-8 text.
        header = bytes([0x80 | TEXT, 0x80 | 127]) + struct.pack("!Q", 300 << 20) + bytes(4)
        send_ignoring_reset(client.sock, [header] + [zeros] * 32)
        client.wait_closed()
    # A fragmented message that never finishes: 128 fragments of 16 KiB.
    with RawClient(shared_node.port).connect() as client:
        fragments = [encode_frame(TEXT, b"42" + b"0" * 16382, fin=False)]
        fragments += [encode_frame(CONTINUATION, b"0" * 16384, fin=False)] * 127
        send_ignoring_reset(client.sock, fragments)
        client.wait_closed()
    # Under gevent and threading the close frame is sent by simple-websocket's
    # reader, and the refusal counted when Engine.IO's handler wakes: wait for it.
    wait_until(lambda: stats.delta("protocol_errors", "frame_too_large") >= 2, "2 refusals")
    assert stats.delta("protocol_errors", "frame_too_large") == 2
    # Buffering either message whole would cost 2 MiB at least.
    assert stats.now()["rss_bytes"] - rss_before < 2 * 1024 * 1024
    with RawClient(shared_node.port).connect() as other:
        assert other.call("message", "alive", ack_id=1) == {"ok": True}


UPLOADS = 3


def test_9_large_uploads_do_not_stall_other_clients(shared_node) -> None:
    stats = StatsDelta(shared_node)
    big = encode_frame(TEXT, b'42["message","' + b"x" * 999_000 + b'"]')
    with RawClient(shared_node.port).connect() as observer:
        for upload in range(UPLOADS):
            with RawClient(shared_node.port).connect() as uploader:
                sender = threading.Thread(
                    target=send_ignoring_reset, args=(uploader.sock, [big, big]), daemon=True
                )
                sender.start()
                # Meanwhile the observer is answered and a newcomer is served.
                reply = observer.call("message", f"echo {upload}", ack_id=upload + 1)
                assert reply == {"ok": True}
                with RawClient(shared_node.port).connect() as newcomer:
                    assert newcomer.call("message", "hi", ack_id=1) == {"ok": True}
                uploader.wait_closed()
                sender.join(5.0)
                assert not sender.is_alive()
    wait_until(lambda: stats.delta("protocol_errors", "frame_too_large") >= UPLOADS, "the refusals")
    assert stats.delta("protocol_errors", "frame_too_large") == UPLOADS
