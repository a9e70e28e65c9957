"""The open-model send schedule (measurement rule 3).

The k-th message is due at ``t0 + k / rate``; a late one is sent at once and
its lateness recorded as schedule lag, never "wait for a reply, then sleep".
A slot the sender cannot use (not connected, or not in the room right now) is
counted as skipped, so a dropped sender shows in the results instead of
silently sending less.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import gevent

from loadtests.coordination.pace import Pace
from loadtests.measure.recorder import Recorder
from loadtests.model.load import Load
from loadtests.model.stamp import Stamp
from loadtests.users.kinds import Kind
from loadtests.users.session import Session
from loadtests.wire import readpoll

GOLDEN = 0.6180339887  # spreads sender phases evenly over one interval
PACE_CHECK_NS = 250_000_000  # a sender waiting longer looks at the pace again this often


def pad_for(payload_bytes: int, sample: Stamp) -> str:
    """The ``pad`` that makes ``sample``'s JSON about ``payload_bytes`` long."""
    base = len(json.dumps({**sample, "pad": ""}, separators=(",", ":")))
    return "x" * max(0, payload_bytes - base)


def first_due_ns(sender: int, interval_ns: int, wall_now_ns: int, mono_now_ns: int) -> int:
    """The monotonic instant of ``sender``'s first slot.

    Phases sit on a grid of the shared wall clock, not on this user's start
    time: all senders (in every worker process) then interleave the same way
    in every run, so identical configurations see identical arrival patterns
    instead of a different random bunching each run.
    """
    phase_ns = int(interval_ns * ((sender * GOLDEN) % 1.0))
    first_wall = (wall_now_ns // interval_ns + 1) * interval_ns + phase_ns
    return mono_now_ns + (first_wall - wall_now_ns)


def run_schedule(
    sender: int,
    kind: Kind,
    rooms: list[str],
    scenario: Load,
    session: Session,
    recorder: Recorder,
    window_over: Callable[[int], bool],
    pace: Pace | None = None,
) -> None:
    """Send until the window is over or the session stops, at ``pace`` (default: the
    scenario's rate, fixed)."""
    record_send = recorder.record_send
    record_skip = recorder.record_skip
    joined = session.ledger.joined
    encode = kind.encode
    event = kind.send_event
    pace = pace if pace is not None else Pace(scenario.rate_per_sender_per_s)
    epoch = pace.epoch
    interval_ns = int(1e9 / pace.rate)
    seqs = dict.fromkeys(rooms, 0)
    pad = pad_for(
        scenario.payload_bytes,
        {"room": rooms[0], "sender": sender, "seq": 0, "t_ns": time.time_ns()},
    )
    monotonic_ns = time.monotonic_ns
    time_ns = readpoll.wall_clock()  # time.time_ns unless a test simulates a clock offset
    t0 = first_due_ns(sender, interval_ns, time_ns(), monotonic_ns())
    k = 0
    while not session.stopping:
        if pace.epoch != epoch:  # a new step's rate
            epoch = pace.epoch
            interval_ns = int(1e9 / pace.rate)
            t0 = first_due_ns(sender, interval_ns, time_ns(), monotonic_ns())
            k = 0
        due = t0 + k * interval_ns
        now = monotonic_ns()
        if due > now:
            if due - now > PACE_CHECK_NS:
                gevent.sleep(PACE_CHECK_NS / 1e9)
                continue
            gevent.sleep((due - now) / 1e9)
            now = monotonic_ns()
        t_ns = time_ns()
        if window_over(t_ns):
            return
        room = rooms[k % len(rooms)]
        k += 1
        client = session.client
        if client is None or not client.connected or not joined(room):
            record_skip(t_ns)  # not a member right now: the server would refuse it
            continue
        seq = seqs[room]
        seqs[room] = seq + 1
        t_ns = time_ns()
        message: Stamp = {"room": room, "sender": sender, "seq": seq, "t_ns": t_ns, "pad": pad}
        record_send(room, t_ns, (now - due) // 1000)
        try:
            client.emit(event, encode(message))
        except OSError:
            recorder.count("errors")
