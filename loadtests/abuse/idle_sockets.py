"""``idle_sockets``: half-open handshakes that hold the server's descriptors and do nothing.

``clients`` sockets are opened (``rate_per_s`` a second; 0: all at once) and
each is taken to ``stage`` and left there: ``tcp`` (connected, nothing
sent), ``partial_headers`` (half an upgrade request, the slowloris shape) or
``upgraded`` (a 101 and an Engine.IO OPEN, then silence: never a namespace
connect, never a pong). They are held until the stop; the ones the server
closed by then (its header and idle timeouts) are counted from the kernel's
view of each socket, without reading.
"""

from __future__ import annotations

import socket
import time

from loadtests.abuse import frames
from loadtests.abuse.conn import FAILURES, AbuseConn
from loadtests.abuse.plan import Plan, peer_closed


def _open(plan: Plan, index: int) -> AbuseConn | None:
    conn = AbuseConn(plan.port_for(index), plan.tally)
    timeout_s = min(5.0, max(plan.left_s(), 0.1))
    try:
        stage = plan.spec.stage
        if stage == "upgraded":
            conn.open_tcp(timeout_s)
            request, key = frames.upgrade_request(conn.port)
            conn.send(request)
            conn.expect_upgrade(key, timeout_s)
        else:
            conn.open_tcp(timeout_s)
            if stage == "partial_headers":
                conn.send(frames.partial_headers(conn.port))
    except FAILURES as exc:
        plan.tally.connect_failures += 1
        plan.tally.error(exc)
        conn.close()
        return None
    return conn


def run(plan: Plan) -> None:
    spec = plan.spec
    period_s = 1.0 / spec.rate_per_s if spec.rate_per_s > 0 else 0.0
    held: list[AbuseConn] = []
    next_mono = time.monotonic()
    for index in range(spec.clients):
        if period_s and not plan.wait_until(next_mono):
            break
        if plan.over():
            break
        next_mono += period_s
        conn = _open(plan, index)
        if conn is not None:
            held.append(conn)
    plan.wait_until(plan.stop_mono)
    for conn in held:
        if peer_closed(conn.sock):
            plan.tally.closed_by_server += 1
        try:
            conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        conn.close()
