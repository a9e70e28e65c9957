"""How fast this machine is, as the node sees it: a speed index against a reference machine.

A capacity is true for the machine that made it: the same code carried about
half the deliveries on a slower machine of the same CPU model string (issue
22). So every run and every capacity step times a fixed, single-thread
workload shaped like a node's per-delivery work -- Python dict and list work
(room membership), a JSON encode of a room message, and a loopback TCP send
and receive -- and reports it as a *speed index*: the reference machine's
time for the workload over this machine's (2.0 = twice as fast as the
reference, 0.5 = half). A capacity divided by the index is the capacity
normalised to the reference machine.

The workload is repeated ``REPEATS`` times; the index is taken from the
median time and its spread from the fastest and slowest repeat, so a probe
disturbed by a neighbour shows a wide range rather than a wrong number.

The reference (``REFERENCE_MEDIAN_S``) was fixed on 2026-12-07 on the
project's shared 2-core development VM (the machine kind that gave
5,655-6,170 deliveries/s for one eventlet node in issue 22): the median of
five probes, ``flock /tmp/roombench-load.lock python -m
loadtests.measure.speed --repeats 21 --cpus 0`` (three) and ``--cpus 1``
(two), whose medians were 32.1-34.2 ms (docs/capacity.md, "Machine speed").
Changing the workload changes what the index means: change the reference
with it, and say so in docs/capacity.md.

Run it alone: ``python -m loadtests.measure.speed [--cpus 0] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from loadtests.model.machine import MachineSpeed, SpeedProbe

REPEATS = 7
# Median seconds of one workload repeat on the reference machine (see the module docstring).
REFERENCE_MEDIAN_S = 0.0328
REFERENCE_NOTE = (
    "shared 2-core development VM, 2026-12-07: median of 5 probes (32.1-34.2 ms), "
    "python -m loadtests.measure.speed --repeats 21 --cpus 0|1"
)
# Work per repeat: sized so one repeat takes tens of ms and a probe well under a second.
MEMBERS = 200
ROUNDS = 300
MESSAGES = 4000
FRAME_BYTES = 120
FRAMES = 3500


def _dict_and_list(rounds: int = ROUNDS, members: int = MEMBERS) -> int:
    """Room membership: join, look up every member, copy the recipient list, leave."""
    seen = 0
    for r in range(rounds):
        rooms: dict[str, dict[str, bool]] = {}
        room = rooms.setdefault(f"room-{r % 10}", {})
        for m in range(members):
            room[f"sid-{m}"] = True
        recipients = [sid for sid in room if room.get(sid)]
        seen += len(recipients)
        for sid in recipients[::2]:
            del room[sid]
    return seen


def _json_encode(messages: int = MESSAGES) -> int:
    """A room message encoded as python-socketio encodes an emit."""
    size = 0
    for seq in range(messages):
        packet = [
            "room_message",
            {"room": "room-3", "sender": "user-17", "seq": seq, "t_ns": 1_765_000_000_000_000_000},
        ]
        size += len("42" + json.dumps(packet, separators=(",", ":")))
    return size


def _loopback(frames: int = FRAMES, frame_bytes: int = FRAME_BYTES) -> int:
    """Send a frame over a loopback TCP connection and read it back, ``frames`` times."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname()[:2])
        peer, _ = server.accept()
        with client, peer:
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            frame = b"x" * frame_bytes
            received = 0
            for _ in range(frames):
                client.sendall(frame)
                got = 0
                while got < frame_bytes:
                    chunk = peer.recv(frame_bytes - got)
                    if not chunk:
                        raise OSError("loopback peer closed during the speed probe")
                    got += len(chunk)
                received += got
    return received


WORKLOAD: tuple[Callable[[], int], ...] = (_dict_and_list, _json_encode, _loopback)


def time_once(clock: Callable[[], int] = time.perf_counter_ns) -> float:
    """Seconds one repeat of the whole workload takes."""
    started = clock()
    for part in WORKLOAD:
        part()
    return (clock() - started) / 1e9


@dataclass(frozen=True)
class Speed:
    """A probe's repeats (s) and the index they give against ``reference_s``."""

    times_s: tuple[float, ...]
    reference_s: float = REFERENCE_MEDIAN_S

    @property
    def median_s(self) -> float:
        return statistics.median(self.times_s)

    @property
    def index(self) -> float:
        """Reference time over the median time: above 1 is faster than the reference."""
        return self.reference_s / self.median_s

    @property
    def index_low(self) -> float:
        """The index of the slowest repeat."""
        return self.reference_s / max(self.times_s)

    @property
    def index_high(self) -> float:
        """The index of the fastest repeat."""
        return self.reference_s / min(self.times_s)

    @property
    def spread(self) -> float:
        """(slowest - fastest) / median of the repeats' times: 0.05 = 5 %."""
        return (max(self.times_s) - min(self.times_s)) / self.median_s

    def to_schema(self, when: str = "", cpus: Iterable[int] | None = None) -> SpeedProbe:
        """The ``machine.speed`` object (docs/results-schema.md)."""
        found: SpeedProbe = {
            "index": round(self.index, 3),
            "index_low": round(self.index_low, 3),
            "index_high": round(self.index_high, 3),
            "spread": round(self.spread, 4),
            "median_s": round(self.median_s, 6),
            "repeats": len(self.times_s),
            "reference_s": self.reference_s,
            "reference": REFERENCE_NOTE,
        }
        if when:
            found["when"] = when
        if cpus is not None:
            found["cpus"] = sorted(cpus)
        return found


def probe(
    repeats: int = REPEATS,
    cpus: Iterable[int] | None = None,
    clock: Callable[[], int] | None = None,
) -> Speed:
    """Time the workload ``repeats`` times on the calling thread, pinned to ``cpus`` if given
    (the thread's own affinity is restored afterwards)."""
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, not {repeats}")
    previous = os.sched_getaffinity(0) if cpus is not None else None
    if cpus is not None:
        os.sched_setaffinity(0, set(cpus))
    try:
        time_once()  # warm: first-call costs (imports, socket setup paths) are not speed
        times = tuple(time_once(clock) if clock else time_once() for _ in range(repeats))
    finally:
        if previous is not None:
            os.sched_setaffinity(0, previous)
    return Speed(times)


def probe_schema(when: str, plan: Any = None, repeats: int = REPEATS) -> SpeedProbe:
    """One probe as a ``machine.speed`` probe object, run on the servers' CPUs of ``plan``
    (a ``cluster.cpusets.CpuPlan``; None or unpinned: wherever this thread runs), because
    the servers' CPUs are what a capacity measures."""
    cpus = plan.servers if plan is not None and plan.pinned else None
    return probe(repeats, cpus).to_schema(when, cpus)


def combined(probes: Iterable[SpeedProbe | None]) -> MachineSpeed | None:
    """One ``machine.speed`` from several probe objects (before and after a run): the median
    of their indexes, the lowest low and highest high; ``probes`` lists them all."""
    found = [p for p in probes if p]
    if not found:
        return None
    return {
        "index": round(statistics.median(p["index"] for p in found), 3),
        "index_low": min(p["index_low"] for p in found),
        "index_high": max(p["index_high"] for p in found),
        "spread": max(p["spread"] for p in found),
        "reference_s": found[0]["reference_s"],
        "reference": found[0]["reference"],
        "probes": found,
    }


def normalised(value: float | None, speed: MachineSpeed | SpeedProbe | None) -> float | None:
    """``value`` (a rate this machine reached) as the reference machine would reach it."""
    if value is None or not speed or not speed.get("index"):
        return None
    return value / float(speed["index"])


def describe(speed: MachineSpeed | SpeedProbe | None) -> str:
    """``your machine: 0.45× the reference (0.43-0.47)`` or ''."""
    if not speed:
        return ""
    return (
        f"your machine: {speed['index']:.2f}× the reference "
        f"({speed['index_low']:.2f}-{speed['index_high']:.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.measure.speed", description=__doc__)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--cpus", default=None, help="comma-separated CPUs to pin the probe to")
    args = parser.parse_args(argv)
    cpus = [int(c) for c in args.cpus.split(",")] if args.cpus else None
    speed = probe(args.repeats, cpus)
    print(json.dumps(speed.to_schema("alone", cpus), indent=1))
    print(describe(speed.to_schema()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
