"""The clock exchange over Locust's message channel: pings from the master, pongs back.

The estimation is pure (``loadtests.measure.clocks``); this module times the
messages and keeps the rounds. The master pings every worker
``PINGS_PER_ROUND`` times, ``PING_GAP_S`` apart (back-to-back pings would queue
behind each other and only lengthen round trips), at test start, every
``ROUND_EVERY_S`` and once more just before the flush (not after it, where the
pongs would queue behind the workers' final deltas), so the results hold a
drift over the whole run. Handlers run inline in Locust's message loops (not
``concurrent``): a stamp is taken as soon as the message is read.

    master                                  worker
    t0 = now; ``rb_clock_ping`` {round, t0} ->  t1 = its clock
                                  <-------  ``rb_clock_pong`` {round, t0, t1, t2, host, clock_id}
    t3 = now                                   (t2 = its clock, just before sending)

Who shares a clock: a worker reports its hostname and ``clock_id`` (the
kernel's boot id: one per running kernel, shared by containers on it). The
master decides at layout time, from the hostnames in Locust's worker ids
(``<hostname>_<hex>``), whether fan-out must be split by sender rank for
correction (``split_workers``); the pongs then confirm it.

The test-only knob (``with_test_clock``, read at the locustfile's edge):
``ROOMBENCH_TEST_CLOCK_OFFSET_MS="RANK:MS,..."`` shifts those workers' clocks
(``readpoll.simulate_clock_offset``; such a worker reports its own
``clock_id``), and ``ROOMBENCH_TEST_CLOCK_CORRECTION=off`` measures without
correcting.
"""

from __future__ import annotations

import itertools
import logging
import socket
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypedDict

import gevent

from loadtests.coordination.messages import MSG_CLOCK_PING, MSG_CLOCK_PONG, RunSettings
from loadtests.coordination.roster import WorkerRoster
from loadtests.measure.clocks import ClockTable, RoundTrip, WorkerClock
from loadtests.model.load import ScenarioError
from loadtests.wire import readpoll

log = logging.getLogger("roombench")
PINGS_PER_ROUND = 8
PING_GAP_S = 0.02
ROUND_EVERY_S = 10.0
MAX_ROUNDS = 8640  # a day of rounds: the loop ends even if nobody stops it
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
OFFSET_ENV = "ROOMBENCH_TEST_CLOCK_OFFSET_MS"
CORRECTION_ENV = "ROOMBENCH_TEST_CLOCK_CORRECTION"


def clock_id() -> str:
    """This host's clock: its boot id, else its hostname."""
    try:
        found = BOOT_ID.read_text().strip()
    except OSError:
        found = ""
    return found or socket.gethostname()


def parse_simulated_offsets(text: str) -> dict[int, int]:
    """``"1:3"`` or ``"0:-2.5,1:3"`` (worker rank : offset ms) as {rank: offset ns}.

    The test-only knob's format (``ROOMBENCH_TEST_CLOCK_OFFSET_MS``); an empty
    text is no offset. Raises ValueError naming the bad part.
    """
    offsets: dict[int, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        rank, sep, ms = part.partition(":")
        try:
            if not sep:
                raise ValueError
            offsets[int(rank)] = round(float(ms) * 1_000_000)
        except ValueError:
            raise ValueError(
                f"simulated clock offset {part!r}: expected RANK:MILLISECONDS like '1:3' "
                "(worker rank 1 runs 3 ms ahead), comma-separated"
            ) from None
    return offsets


def with_test_clock(settings: RunSettings, environ: Mapping[str, str]) -> RunSettings:
    """``settings`` with the test-only clock knobs from ``environ``; ScenarioError if bad."""
    try:
        offsets = parse_simulated_offsets(environ.get(OFFSET_ENV, ""))
    except ValueError as exc:
        raise ScenarioError(f"{OFFSET_ENV}: {exc}") from None
    switch = environ.get(CORRECTION_ENV, "on").strip().lower()
    if switch not in ("on", "off"):
        raise ScenarioError(f"{CORRECTION_ENV}={switch!r}: allowed: on (default) or off")
    if offsets:
        log.warning("roombench: TEST ONLY: simulated clock offsets (rank: ns) %s", offsets)
    return replace(
        settings,
        simulated_clock_offsets_ns=tuple(sorted(offsets.items())),
        clock_correction=switch == "on",
    )


def split_workers(slots: Mapping[str, list[int]], simulated: Mapping[int, int]) -> int:
    """W when fan-out must be split by sender rank (workers on several hosts), else 0."""
    workers = len(slots)
    hostnames = {worker.rsplit("_", 1)[0] for worker in slots}
    if workers > 1 and (len(hostnames) > 1 or any(simulated.values())):
        return workers
    return 0


class ClockPlan(TypedDict):
    """The layout message's ``clock`` part (master -> workers; ``agent`` reads it)."""

    split_workers: int  # file fan-out per sender rank when above 0
    simulated_offset_ns: dict[str, int]  # worker rank -> test-only clock offset


class ClockExchange:
    """The master's side: pings each worker in rounds and keeps what came back."""

    def __init__(self, runner: Any, roster: WorkerRoster, settings: RunSettings) -> None:
        self.runner = runner
        self.roster = roster
        self.settings = settings
        self.master_clock_id = clock_id()
        self.workers: dict[str, WorkerClock] = {}
        self.split = 0
        self._rounds = itertools.count()
        self._greenlets: list[gevent.Greenlet] = []

    def plan(self, slots: Mapping[str, list[int]]) -> ClockPlan:
        """The layout message's ``clock`` part: split or not, and the simulated offsets."""
        simulated = dict(self.settings.simulated_clock_offsets_ns)
        self.split = split_workers(slots, simulated)
        self.workers = {}
        self._rounds = itertools.count()
        return {
            "split_workers": self.split,
            "simulated_offset_ns": {str(rank): ns for rank, ns in simulated.items()},
        }

    def start(self) -> None:
        """A round now, then one every ``ROUND_EVERY_S`` until stopped."""
        self.stop()

        def rounds() -> None:
            for _ in range(MAX_ROUNDS):
                self.round()
                gevent.sleep(ROUND_EVERY_S)

        self._greenlets.append(gevent.spawn(rounds))

    def round(self) -> None:
        """One round: ``PINGS_PER_ROUND`` pings to every worker (blocks ~0.16 s)."""
        index = next(self._rounds)
        for _ in range(PINGS_PER_ROUND):
            for worker in sorted(self.roster.alive() & set(self.roster.slots)):
                data = {"round": index, "t0_ns": time.time_ns()}
                self.runner.send_message(MSG_CLOCK_PING, data, client_id=worker)
            gevent.sleep(PING_GAP_S)

    def on_pong(self, environment: Any, msg: Any, **_kw: Any) -> None:
        t3_ns = time.time_ns()
        data = msg.data
        slot = self.roster.slots.get(msg.node_id)
        if slot is None:
            return  # a worker that joined after the layout runs no users
        found = self.workers.get(msg.node_id)
        if found is None:
            found = self.workers[msg.node_id] = WorkerClock(
                name=self.roster.names.get(msg.node_id, msg.node_id),
                rank=slot[0],
                host=str(data["host"]),
                clock_id=str(data["clock_id"]),
                simulated_offset_ns=int(data.get("simulated_offset_ns", 0)),
            )
        sample = RoundTrip(int(data["t0_ns"]), int(data["t1_ns"]), int(data["t2_ns"]), t3_ns)
        found.add(int(data["round"]), sample)

    def table(self) -> ClockTable:
        """Every worker's clock so far; workers that never answered appear unmeasured."""
        workers = list(self.workers.values())
        answered = {w.rank for w in workers}
        for worker, (rank, _w) in self.roster.slots.items():
            if rank not in answered:
                workers.append(
                    WorkerClock(self.roster.names.get(worker, worker), rank, "?", f"unknown:{rank}")
                )
        return ClockTable(
            self.master_clock_id,
            workers,
            corrected=self.settings.clock_correction,
            split=bool(self.split),
        )

    def stop(self) -> None:
        for greenlet in self._greenlets:
            greenlet.kill(block=False)
        self._greenlets.clear()


def install_pong(runner: Any) -> None:
    """The worker's side: answer every ping at once, stamped with this process's clock."""
    host = socket.gethostname()
    own_clock_id = clock_id()

    def on_ping(environment: Any, msg: Any, **_kw: Any) -> None:
        clock = readpoll.wall_clock()
        t1_ns = clock()
        simulated_ns = readpoll.simulated_offset_ns()
        data = {
            "round": msg.data["round"],
            "t0_ns": msg.data["t0_ns"],
            "t1_ns": t1_ns,
            "host": host,
            "clock_id": f"{own_clock_id}+simulated{simulated_ns}ns"
            if simulated_ns
            else own_clock_id,
            "simulated_offset_ns": simulated_ns,
        }
        data["t2_ns"] = clock()
        runner.send_message(MSG_CLOCK_PONG, data)

    runner.register_message(MSG_CLOCK_PING, on_ping)
