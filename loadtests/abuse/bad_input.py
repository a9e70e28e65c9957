"""``bad_input``: malformed and oversized events at ``rate_per_s``, mixed into the load.

``clients`` connected clients take turns sending one frame each of the
``mix`` variants in turn (``frames.variant``), ``rate_per_s`` frames a second
in all, on a fixed schedule. Between sends every client reads and discards
what arrived (the error replies) and answers pings, so it is hostile, not
slow. A variant the server answers by closing the session (``bad_frame``,
``frame_too_large``) is followed by a new session on the same slot: the rate
of bad input stays what the scenario asked for.
"""

from __future__ import annotations

import time

from loadtests.abuse import frames
from loadtests.abuse.conn import FAILURES, AbuseConn, ServerClosed
from loadtests.abuse.plan import Plan

CLOSE_WAIT_S = 2.0  # how long a closing variant waits to see the server close
DRAIN_EVERY_S = 0.2


def _connect(plan: Plan, index: int) -> AbuseConn | None:
    conn = AbuseConn(plan.port_for(index), plan.tally)
    try:
        return conn.handshake(min(5.0, max(plan.left_s(), 0.1)))
    except FAILURES as exc:
        plan.tally.connect_failures += 1
        plan.tally.error(exc)
        conn.close()
        return None


def _await_close(conn: AbuseConn, deadline_mono: float) -> None:
    """Read until the server closes ``conn`` or the deadline passes."""
    while time.monotonic() < deadline_mono:
        try:
            conn.drain()
        except ServerClosed:
            return
        except OSError:
            return
        time.sleep(0.01)


def run(plan: Plan) -> None:
    spec = plan.spec
    variants = [frames.variant(name) for name in spec.mix]
    slots: list[AbuseConn | None] = [_connect(plan, i) for i in range(spec.clients)]
    period_s = 1.0 / spec.rate_per_s
    next_mono = time.monotonic()
    drained_mono = next_mono
    sent = 0
    # Bounded: the schedule itself, and no more frames than the rate allows over the time left.
    limit = int(spec.rate_per_s * max(plan.left_s(), 0.0)) + 1
    while sent < limit and plan.wait_until(next_mono):
        next_mono += period_s
        index = sent % len(slots)
        variant = variants[sent % len(variants)]
        sent += 1
        conn = slots[index]
        if conn is None or conn.closed:
            conn = slots[index] = _connect(plan, index)
            if conn is None:
                continue
            plan.tally.reconnects += 1
        try:
            conn.drain()
            conn.send(variant.frame)
        except ServerClosed:
            slots[index] = None
            continue
        except OSError as exc:
            plan.tally.error(exc)
            conn.close()
            slots[index] = None
            continue
        plan.tally.by_variant[variant.name] = plan.tally.by_variant.get(variant.name, 0) + 1
        if variant.closes:
            # not cut at the stop: the close of the last bad frame is counted too
            _await_close(conn, time.monotonic() + CLOSE_WAIT_S)
            conn.close()
            slots[index] = None
        if time.monotonic() - drained_mono >= DRAIN_EVERY_S:
            drained_mono = time.monotonic()
            for other in slots:
                if other is not None and not other.closed:
                    try:
                        other.drain()
                    except (ServerClosed, OSError):
                        other.close()
    for conn in slots:
        if conn is not None:
            conn.close()
