"""Issue 27, defect 4 (gevent): requests the web server cannot read log one counted line.

gevent printed a traceback for each request with 2,000 headers and each
slowloris socket its header timeout closed. Both are ordinary client
misbehaviour: counted as ``protocol_errors.bad_http``, logged once per
``--log-interval-s``, answered as gevent answers them (400, then closed).
"""

from __future__ import annotations

import socket

import pytest

from tests.conftest import NodeFactory
from tests.target_app.raw_ws import RawClient
from tests.target_app.sio_client import wait_until
from tests.target_app.stats_delta import StatsDelta
from tests.target_app.test_hostile_connections import answer_until_closed

pytestmark = pytest.mark.slow

EACH = 5


def test_4_gevent_counts_unreadable_requests_without_tracebacks(node_factory: NodeFactory) -> None:
    node = node_factory(async_mode="gevent", extra_args=["--header-timeout-s", "1"])
    log_path = node.process.log_path
    log_before = log_path.stat().st_size
    stats = StatsDelta(node)
    headers = b"".join(b"X-H%d: v\r\n" % index for index in range(2000))
    for _ in range(EACH):
        with socket.create_connection(("127.0.0.1", node.port), timeout=5.0) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
            assert answer_until_closed(sock).startswith(b"HTTP/1.1 400")
    slow = [socket.create_connection(("127.0.0.1", node.port), timeout=5.0) for _ in range(EACH)]
    try:
        for sock in slow:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        for sock in slow:
            assert not answer_until_closed(sock).startswith(b"HTTP/1.1 2")
    finally:
        for sock in slow:
            sock.close()
    wait_until(lambda: stats.delta("protocol_errors", "bad_http") == 2 * EACH, "every count")
    with RawClient(node.port).connect() as client:
        assert client.call("message", "served", ack_id=1) == {"ok": True}
    text = log_path.read_bytes()[log_before:].decode(errors="replace")
    assert "Traceback" not in text
    assert text.count("bad_http") == 1
