"""``connection_churn``: storms of clients that connect, join and vanish at once.

``rate_per_s`` storms a second. Each storm connects ``clients`` clients
(spread over the nodes), has each join ``rooms`` of the load's rooms and wait
for the ack (so the server holds real membership), then drops them all in one
go: ``close = "reset"`` (the default) aborts each socket with an RST, no
Engine.IO or websocket goodbye; ``"fin"`` closes it just as abruptly at the
protocol level but with a TCP FIN. The server must clean each one up while
the measured users go on.
"""

from __future__ import annotations

import time

from loadtests.abuse import frames
from loadtests.abuse.conn import FAILURES, AbuseConn
from loadtests.abuse.plan import Plan


def _storm(plan: Plan) -> None:
    spec = plan.spec
    rooms = plan.rooms[: spec.rooms]
    conns = []
    for index in range(spec.clients):
        if plan.over():
            break
        conn = AbuseConn(plan.port_for(index), plan.tally)
        conns.append(conn)
        try:
            conn.handshake(min(5.0, max(plan.left_s(), 0.1)))
            if rooms:
                conn.send(frames.join(rooms, ack_id=1))
                conn.expect_text("431", min(5.0, max(plan.left_s(), 0.1)))
        except FAILURES as exc:
            plan.tally.connect_failures += 1
            plan.tally.error(exc)
    for conn in conns:
        if spec.close == "reset":
            conn.reset()
        else:
            conn.close()
    plan.tally.storms += 1


def run(plan: Plan) -> None:
    period_s = 1.0 / plan.spec.rate_per_s
    next_mono = time.monotonic()
    limit = int(plan.spec.rate_per_s * max(plan.left_s(), 0.0)) + 1
    for _ in range(limit):
        if not plan.wait_until(next_mono):
            break
        next_mono += period_s
        _storm(plan)
