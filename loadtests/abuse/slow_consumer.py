"""``slow_consumer``: clients that join the load's rooms and then stop reading.

Each client completes the handshake, joins ``rooms`` of the load's rooms (so
every room message is also queued for it) and from then on never reads: a
small ``rcvbuf_bytes`` makes its window close early, so what the server sends
piles up in the server. With ``rate_per_s`` > 0 each client also asks, that
many times a second, for a ``message`` echo of ``echo_bytes`` — traffic the
server owes only to the client that will not take it. A hardened server
drops such a client at its ``--max-outbound-bytes`` and counts it
(``slow_consumer_disconnects``); the measured users must lose nothing.
"""

from __future__ import annotations

import time

from loadtests.abuse import frames
from loadtests.abuse.conn import FAILURES, AbuseConn, ServerClosed
from loadtests.abuse.plan import Plan, peer_closed

# An echo request the server does not take within this is abandoned half-sent, so
# that client sends nothing more (its stream now ends mid-frame).
SEND_TIMEOUT_S = 0.2


def open_clients(plan: Plan) -> list[AbuseConn]:
    """Connect and join every client (bounded by ``clients`` and the stop time)."""
    spec = plan.spec
    rooms = plan.rooms[: spec.rooms]
    conns = []
    for index in range(spec.clients):
        if plan.over():
            break
        conn = AbuseConn(plan.port_for(index), plan.tally, spec.rcvbuf_bytes)
        try:
            conn.handshake(min(5.0, max(plan.left_s(), 0.1)))
            if rooms:
                conn.send(frames.join(rooms))
        except FAILURES as exc:
            plan.tally.connect_failures += 1
            plan.tally.error(exc)
            conn.close()
            continue
        conns.append(conn)
    return conns


def run(plan: Plan) -> None:
    spec = plan.spec
    conns = open_clients(plan)
    request = frames.echo_request(spec.echo_bytes)
    period_s = 1.0 / spec.rate_per_s if spec.rate_per_s > 0 else None
    next_mono = time.monotonic()
    stalled: set[int] = set()
    while not plan.over():
        if period_s is None:
            plan.wait_until(plan.stop_mono)
            break
        if not plan.wait_until(next_mono):
            break
        next_mono += period_s
        for index, conn in enumerate(conns):
            if conn.closed or index in stalled:
                continue
            conn.sock.settimeout(SEND_TIMEOUT_S)
            try:
                conn.send(request)
            except ServerClosed:
                continue
            except TimeoutError:
                stalled.add(index)
                plan.tally.sends_stalled += 1
            except OSError as exc:
                plan.tally.error(exc)
                conn.close()
    for conn in conns:
        if not conn.closed and peer_closed(conn.sock):
            plan.tally.closed_by_server += 1
        conn.reset()
