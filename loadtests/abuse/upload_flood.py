"""``upload_flood``: clients that upload big frames as fast as the server takes them.

Each of ``clients`` connections sends one event of ``frame_bytes`` (default
60,000: just under the reference server's 64 KiB message limit, so every
frame is read, parsed and refused as ``unknown_event``) after another, never
pausing: ``rate_per_s`` 0 is "as fast as the socket takes them", above 0 a
cap in frames a second per client. Sends are non-blocking and a frame
half-taken is finished before the next, so the stream stays well-formed and
the only thing that slows the client is the server not reading. Replies are
read and discarded between sends. A client the server closes (a hardened
server: ``inbound_flood_disconnects``) connects again, like a determined
uploader, and carries on until the stop.
"""

from __future__ import annotations

import time

from loadtests.abuse import frames
from loadtests.abuse.conn import FAILURES, AbuseConn, ServerClosed
from loadtests.abuse.plan import Plan

IDLE_S = 0.002  # when no client's socket took anything this round
DRAIN_EVERY_S = 0.2


def upload_frame(frame_bytes: int) -> bytes:
    """An event no server handles, of about ``frame_bytes`` on the wire."""
    return frames.event("upload_flood", "u" * frame_bytes)


def _connect(plan: Plan, index: int) -> AbuseConn | None:
    conn = AbuseConn(plan.port_for(index), plan.tally)
    try:
        conn.handshake(min(5.0, max(plan.left_s(), 0.1)))
    except FAILURES as exc:
        plan.tally.connect_failures += 1
        plan.tally.error(exc)
        conn.close()
        return None
    conn.sock.setblocking(False)
    return conn


def _push(conn: AbuseConn, pending: bytes) -> int:
    """Send what the socket takes now of ``pending``; ServerClosed when it is gone."""
    conn.sock.setblocking(False)
    try:
        return conn.sock.send(pending)
    except BlockingIOError:
        return 0
    except (BrokenPipeError, ConnectionResetError) as exc:
        conn.closed = True
        conn.tally.closed_by_server += 1
        raise ServerClosed(str(exc)) from exc


def run(plan: Plan) -> None:
    spec = plan.spec
    frame = upload_frame(spec.frame_bytes)
    period_s = 1.0 / spec.rate_per_s if spec.rate_per_s > 0 else 0.0
    conns: list[AbuseConn | None] = [_connect(plan, i) for i in range(spec.clients)]
    pending = [b""] * spec.clients
    next_mono = [time.monotonic()] * spec.clients
    drained_mono = time.monotonic()
    while not plan.over():
        moved = False
        for index in range(spec.clients):
            conn = conns[index]
            if conn is None or conn.closed:
                if conn is not None:
                    conn.close()
                conns[index] = conn = _connect(plan, index)
                pending[index] = b""
                if conn is None:
                    continue
                plan.tally.reconnects += 1
            if not pending[index]:
                if time.monotonic() < next_mono[index]:
                    continue
                next_mono[index] = max(next_mono[index] + period_s, time.monotonic() - 1.0)
                pending[index] = frame
                plan.tally.frames_sent += 1
            try:
                sent = _push(conn, pending[index])
            except ServerClosed:
                continue
            except OSError as exc:
                plan.tally.error(exc)
                conn.close()
                continue
            if sent:
                moved = True
                plan.tally.bytes_sent += sent
                pending[index] = pending[index][sent:]
        if time.monotonic() - drained_mono >= DRAIN_EVERY_S:
            drained_mono = time.monotonic()
            for conn in conns:
                if conn is not None and not conn.closed:
                    try:
                        conn.drain()
                    except (ServerClosed, OSError):
                        conn.close()
        if not moved:
            time.sleep(IDLE_S)
    for conn in conns:
        if conn is not None:
            conn.close()
