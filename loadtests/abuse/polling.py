"""``polling_abuse``: hostile Engine.IO long-polling requests (server: ``--allow-polling``).

Two things at once, from ``start_at_s`` to the stop:

* ``rate_per_s`` hostile POSTs a second, each on a session of its own, the
  variants in turn: ``noop`` (an Engine.IO NOOP, which only servers send),
  ``bad_utf8`` (one invalid byte), ``garbage`` (``x``), ``negative_length``
  (``Content-Length: -1`` and 1 MiB of body) and ``no_length`` (a body with no
  Content-Length). Every request must be answered or closed: one not
  answered within ``REQUEST_S`` is counted in ``requests_unanswered``.
* ``clients`` sessions that connect, join ``rooms`` of the load's rooms and
  then never GET: what the server owes them piles up until its outbound cap
  disconnects them (``slow_consumer_disconnects``); they are abandoned at
  the stop, never read.

Every request is its own TCP connection (``Connection: close``) to 127.0.0.1,
with a deadline.
"""

from __future__ import annotations

import json
import socket
import time

from loadtests.abuse.plan import Plan

POLL_PATH = "/socket.io/?EIO=4&transport=polling"
REQUEST_S = 3.0
MAX_ANSWER_BYTES = 65536
NEGATIVE_BODY_BYTES = 1024 * 1024
VARIANTS = ("noop", "bad_utf8", "garbage", "negative_length", "no_length")


class Unanswered(Exception):
    """No status line within the deadline."""


def http(port: int, method: str, path: str, body: bytes = b"", length: str | None = "auto") -> int:
    """One request; the status, or 0 when the server closed without one. Unanswered on timeout."""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
    if length == "auto":
        length = str(len(body))
    if length is not None:
        head += f"Content-Length: {length}\r\n"
    deadline = time.monotonic() + REQUEST_S
    with socket.create_connection(("127.0.0.1", port), timeout=REQUEST_S) as sock:
        try:
            sock.sendall(head.encode() + b"\r\n" + body)
        except OSError:
            pass  # refused mid-body: read what the server said
        answer = b""
        while b"\r\n" not in answer and len(answer) < MAX_ANSWER_BYTES:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unanswered(f"{method} with no answer within {REQUEST_S:g} s")
            sock.settimeout(left)
            try:
                chunk = sock.recv(4096)
            except ConnectionResetError:
                return 0
            except TimeoutError as exc:
                raise Unanswered(f"{method} with no answer within {REQUEST_S:g} s") from exc
            if not chunk:
                return 0
            answer += chunk
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def open_session(port: int) -> str:
    """A new polling session's sid (the OPEN packet of the first GET)."""
    head = f"GET {POLL_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=REQUEST_S) as sock:
        sock.sendall(head.encode())
        data = b""
        while len(data) < MAX_ANSWER_BYTES:  # to EOF: the server closes after it
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    start = data.find(b'"sid":"')
    if start < 0:
        raise ConnectionError(f"no polling session opened: {data[:120]!r}")
    start += len(b'"sid":"')
    return data[start : data.index(b'"', start)].decode()


def hostile_body(variant: str) -> tuple[bytes, str | None]:
    """The POST body and Content-Length ("auto": the body's) of ``variant``."""
    if variant == "noop":
        return b"6", "auto"
    if variant == "bad_utf8":
        return b"\xff", "auto"
    if variant == "garbage":
        return b"x", "auto"
    if variant == "negative_length":
        return b"4" + b"2" * NEGATIVE_BODY_BYTES, "-1"
    if variant == "no_length":
        return b'42["message","no length"]', None
    raise ValueError(f"polling variant {variant!r}: unknown; allowed: {', '.join(VARIANTS)}")


def _hold_sessions(plan: Plan) -> list[str]:
    """``clients`` sessions in ``rooms`` of the load's rooms that will never GET."""
    rooms = plan.rooms[: plan.spec.rooms]
    sids = []
    for index in range(plan.spec.clients):
        if plan.over():
            break
        port = plan.port_for(index)
        try:
            sid = open_session(port)
            path = f"{POLL_PATH}&sid={sid}"
            http(port, "POST", path, b"40")
            if rooms:
                join = "421" + json.dumps(["join", {"rooms": rooms}], separators=(",", ":"))
                http(port, "POST", path, join.encode())
        except (OSError, Unanswered, ConnectionError) as exc:
            plan.tally.connect_failures += 1
            plan.tally.error(exc)
            continue
        plan.tally.handshakes += 1
        sids.append(sid)
    return sids


def run(plan: Plan) -> None:
    spec = plan.spec
    held = _hold_sessions(plan)
    period_s = 1.0 / spec.rate_per_s if spec.rate_per_s > 0 else None
    next_mono = time.monotonic()
    sent = 0
    limit = int(spec.rate_per_s * max(plan.left_s(), 0.0)) + 1
    while period_s is not None and sent < limit and plan.wait_until(next_mono):
        next_mono += period_s
        variant = VARIANTS[sent % len(VARIANTS)]
        port = plan.port_for(sent)
        sent += 1
        try:
            sid = open_session(port)
            plan.tally.connections_opened += 1
            body, length = hostile_body(variant)
            status = http(port, "POST", f"{POLL_PATH}&sid={sid}", body, length)
        except Unanswered as exc:
            plan.tally.requests_unanswered += 1
            plan.tally.error(exc)
            continue
        except (OSError, ConnectionError) as exc:
            plan.tally.error(exc)
            continue
        plan.tally.frames_sent += 1
        plan.tally.by_variant[variant] = plan.tally.by_variant.get(variant, 0) + 1
        if status != 200:
            plan.tally.closed_by_server += 1
    plan.wait_until(plan.stop_mono)
    # The held sessions are simply abandoned: the server's counters
    # (slow_consumer_disconnects, connections) say what became of them.
    del held
