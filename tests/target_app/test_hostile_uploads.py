"""Issue 27, defect 1: one client streaming big frames must not starve everyone else.

The client sends 60 kB events (each refused as ``unknown_event``, just under
the message cap) as fast as its socket takes them. Before the inbound bound,
eventlet and gevent answered nothing else for the whole upload and grew past
1 GiB. Now the reader pauses at ``--max-inbound-bytes-per-s`` and the client,
over it for ``--inbound-flood-s``, is closed and counted.
"""

from __future__ import annotations

import threading
import time
import urllib.request

import pytest

from tests.conftest import ASYNC_MODES, NodeFactory
from tests.target_app.raw_ws import TEXT, RawClient, encode_frame
from tests.target_app.sio_client import wait_until
from tests.target_app.stats_delta import StatsDelta

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
FLOOD_S = 1.5
UPLOAD_LIMIT_S = 6.0
HEALTHZ_TIMEOUT_S = 2.0


def upload(client: RawClient, frame: bytes, stop: threading.Event) -> None:
    """Send ``frame`` back to back until told to stop, refused, or ``UPLOAD_LIMIT_S``."""
    deadline = time.monotonic() + UPLOAD_LIMIT_S
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            client.sock.sendall(frame)
    except OSError:
        pass  # closed by the server, or its reader paused past the socket timeout


def healthz_status(url: str) -> int:
    with urllib.request.urlopen(f"{url}/healthz", timeout=HEALTHZ_TIMEOUT_S) as response:  # noqa: S310
        return int(response.status)


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_1_an_uploader_of_big_frames_is_paced_then_disconnected(
    async_mode: str, node_factory: NodeFactory
) -> None:
    node = node_factory(async_mode=async_mode, extra_args=["--inbound-flood-s", str(FLOOD_S)])
    stats = StatsDelta(node)
    frame = encode_frame(TEXT, ('42["zzz","' + "x" * 60_000 + '"]').encode())
    stop = threading.Event()
    with RawClient(node.port).connect() as flooder:
        uploader = threading.Thread(target=upload, args=(flooder, frame, stop), daemon=True)
        uploader.start()
        try:
            # While the upload runs, everyone else is served.
            for _ in range(3):
                assert healthz_status(node.url) == 200
                time.sleep(0.2)
            with RawClient(node.port).connect() as other:
                assert other.call("message", "served", ack_id=1) == {"ok": True}
            wait_until(
                lambda: stats.delta("inbound_flood_disconnects") == 1,
                "the flooder's disconnect",
                timeout_s=FLOOD_S + 5.0,
            )
        finally:
            stop.set()
            uploader.join(UPLOAD_LIMIT_S + 6.0)
        # Closed by the server (a close frame, or EOF/reset), not left open.
        flooder.wait_closed(timeout_s=5.0)
    wait_until(lambda: node.stats()["connections"] == 0, "the flooder's session released")
    after = node.stats()
    assert after["inbound_flood_disconnects"] == 1
    # Each frame that got through was refused and counted; far fewer than were sent.
    assert stats.delta("errors", "unknown_event") >= 1
    # The bucket lets in about a second's worth (4 MiB) plus what was read
    # while the flood was over the bound: the process grows by a few MiB.
    assert after["rss_bytes"] - stats.before["rss_bytes"] < 64 * MiB
