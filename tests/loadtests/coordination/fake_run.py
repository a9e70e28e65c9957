"""A fake Locust master and its two workers for the coordinator's tests.

``FakeMaster`` is a ``MasterRunner`` without ZMQ that records what the coordinator
sends and lets the test play the workers; ``World`` plays them, with real ``Recorder``
deltas, on a ``FakeClock``. The world of every test: 4 users in one room, 2 on each of
two workers (ranks 0 and 1), user 0 (on worker 0) the only sender; messages go out
0.25 s and 1.25 s into each window the master announces, so every message reaches 4
members.
"""

from __future__ import annotations

import itertools
import json
from argparse import Namespace
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import STATE_MISSING, STATE_RUNNING, MasterRunner, WorkerNode, WorkerNodes

from loadtests.coordination.coordinator import Coordinator
from loadtests.coordination.messages import (
    MSG_FINAL,
    MSG_FLUSH,
    MSG_JOINED,
    MSG_STEP,
    MSG_SYNC,
    MSG_SYNCED,
    MSG_WINDOW,
    REPORT_KEY,
    RunSettings,
)
from loadtests.measure.recorder import Recorder
from loadtests.measure.window import Window
from loadtests.model.load import Load
from tests.loadtests.fake_clock import FakeClock

MS = 1_000_000
ROOM = "room-0"
WORKER_IDS = ("hostA_aaaa", "hostA_bbbb")  # one host: fan-out is not split by rank
SCENARIO = Load.from_dict(
    {
        "users": 4,
        "rooms": 1,
        "senders": 1,
        "warmup_s": 1,
        "window_s": 2,
        "drain_s": 1,
        "join_timeout_s": 5,
    }
)


@dataclass
class Sent:
    msg_type: str
    data: Any
    client_id: str | None
    t_ns: int


class FakeMaster(MasterRunner):
    """A MasterRunner without ZMQ: its workers are the test's, its messages recorded."""

    def __init__(self, environment: Environment, clock: FakeClock) -> None:  # no super(): no ZMQ
        self.environment = environment
        self.clock = clock
        self.clients = WorkerNodes()
        for worker in WORKER_IDS:
            self.clients[worker] = WorkerNode(worker, state=STATE_RUNNING)
        self.target_user_count = SCENARIO.users
        self.state = "running"
        self.listeners: dict[str, Callable[..., None]] = {}
        self.sent: list[Sent] = []
        self.hooks: dict[str, Callable[[Any], None]] = {}
        self.quits = 0
        self.greenlet = None  # Runner.__del__ looks for it

    def register_message(self, msg_type: str, listener: Any, concurrent: bool = False) -> None:
        self.listeners[msg_type] = listener

    def send_message(self, msg_type: str, data: Any = None, client_id: str | None = None) -> None:
        self.sent.append(Sent(msg_type, data, client_id, self.clock.now_ns()))
        hook = self.hooks.get(msg_type)
        if hook is not None:
            hook(data)

    def quit(self) -> None:
        self.quits += 1

    def deliver(self, msg_type: str, worker: str, data: Any) -> None:
        """A message from ``worker`` reaches the master."""
        message = SimpleNamespace(type=msg_type, data=data, node_id=worker)
        self.listeners[msg_type](self.environment, message)

    def of_type(self, msg_type: str) -> list[Sent]:
        return [s for s in self.sent if s.msg_type == msg_type]


class FakeWorker:
    """One worker process's measurements: a real Recorder with its users' ledgers."""

    def __init__(self, rank: int, users: list[int]) -> None:
        self.worker_id = WORKER_IDS[rank]
        self.recorder = Recorder(f"worker-{rank}", "generator", SCENARIO.churn_grace_s, rank)
        self.ledgers = {user: self.recorder.ledger(user) for user in users}

    def join_all(self, t_ns: int) -> None:
        for ledger in self.ledgers.values():
            ledger.join_sent(ROOM, t_ns)
            ledger.join_acked(ROOM, t_ns + MS)
            self.recorder.joined += 1
            self.recorder.count("connects")

    def receive(self, seq: int, t_ns: int) -> None:
        for ledger in self.ledgers.values():
            ledger.receive(ROOM, 0, seq, t_ns, t_ns + MS)


class World:
    """The test's two workers, answering the master on the fake clock."""

    def __init__(self, runner: FakeMaster, clock: FakeClock) -> None:
        self.runner = runner
        self.clock = clock
        self.workers = [FakeWorker(0, [0, 2]), FakeWorker(1, [1, 3])]
        self.dead: set[str] = set()
        self.mute: set[str] = set()  # alive, but never answers the flush
        self.mute_sync: set[str] = set()  # alive, but never answers a step's sync
        self.seqs = itertools.count()
        self.window: Window | None = None
        self.joining = 2  # users per worker that join
        runner.hooks[MSG_WINDOW] = self.on_window
        runner.hooks[MSG_FLUSH] = self.on_flush
        runner.hooks[MSG_STEP] = self.on_step
        runner.hooks[MSG_SYNC] = self.on_sync

    def join(self) -> None:
        """Every worker's users join 0.2 s from now and say so 0.1 s later."""
        now = self.clock.now_ns()
        for worker in self.workers:
            self.clock.call_at(now + 200 * MS, lambda w=worker: w.join_all(self.clock.now_ns()))
            self.clock.call_at(
                now + 300 * MS,
                lambda w=worker: self.runner.deliver(
                    MSG_JOINED, w.worker_id, {"joined": self.joining}
                ),
            )

    def on_window(self, data: dict[str, Any]) -> None:
        self.window = Window.from_dict(data)
        self.send_in(self.window)

    def send_in(self, window: Window) -> None:
        """The sender's two messages, 0.25 s and 1.25 s into ``window``."""
        for offset_ms in (250, 1250):
            self.clock.call_at(window.start_ns + offset_ms * MS, self.send)

    def send(self) -> None:
        t_ns, seq = self.clock.now_ns(), next(self.seqs)
        self.workers[0].recorder.record_send(ROOM, t_ns, 0)
        for worker in self.workers:
            if worker.worker_id not in self.dead:
                worker.receive(seq, t_ns)

    def report_during_window(self, worker: FakeWorker, offset_ms: int) -> None:
        """``worker`` sends one periodic report ``offset_ms`` into the window."""
        previous = self.runner.hooks[MSG_WINDOW]

        def on_window(data: dict[str, Any]) -> None:
            previous(data)
            start_ns = Window.from_dict(data).start_ns
            self.clock.call_at(start_ns + offset_ms * MS, lambda: self.periodic_report(worker))

        self.runner.hooks[MSG_WINDOW] = on_window

    def periodic_report(self, worker: FakeWorker) -> None:
        """Locust's worker report, carrying the delta so far (memberships still open)."""
        delta = worker.recorder.take_delta()
        self.runner.environment.events.worker_report.fire(
            client_id=worker.worker_id, data={REPORT_KEY: delta}
        )

    def kill(self, worker: FakeWorker) -> None:
        """The worker stops heartbeating: Locust marks it missing."""
        self.dead.add(worker.worker_id)
        self.runner.clients[worker.worker_id].state = STATE_MISSING

    def on_step(self, data: dict[str, Any]) -> None:
        self.send_in(Window.from_dict(data["window"]))

    def on_sync(self, data: dict[str, Any]) -> None:
        answer_ns = self.clock.now_ns() + 50 * MS
        for worker in self.workers:
            if worker.worker_id not in self.dead | self.mute_sync:
                self.clock.call_at(answer_ns, lambda w=worker: self.synced(w, data["index"]))

    def synced(self, worker: FakeWorker, index: int) -> None:
        delta = worker.recorder.take_delta()
        self.runner.deliver(MSG_SYNCED, worker.worker_id, {"index": index, "delta": delta})

    def on_flush(self, _data: Any) -> None:
        answer_ns = self.clock.now_ns() + 50 * MS
        for worker in self.workers:
            if worker.worker_id not in self.dead | self.mute:
                self.clock.call_at(answer_ns, lambda w=worker: self.final(w))

    def final(self, worker: FakeWorker) -> None:
        worker.recorder.sample()
        delta = worker.recorder.take_delta(final=True)
        self.runner.deliver(MSG_FINAL, worker.worker_id, delta)


@dataclass
class Run:
    clock: FakeClock
    environment: Environment
    runner: FakeMaster
    world: World
    coordinator: Coordinator
    settings: RunSettings

    def start(self) -> None:
        """Locust's test start and spawning complete; the workers join."""
        events = self.environment.events
        events.test_start.fire(environment=self.environment)
        events.spawning_complete.fire(user_count=SCENARIO.users)
        self.world.join()

    def conduct(self) -> None:
        """Let the master's loop run (in fake time) until it ends."""
        loop = self.coordinator._loop
        assert loop is not None
        loop.join(timeout=30)
        assert loop.dead, "the loop did not end"
        gevent.sleep(0)  # the spawned quit

    def results(self) -> dict[str, Any]:
        return json.loads(self.settings.results_path.read_text())

    def progress(self) -> dict[str, Any]:
        assert self.settings.progress_path is not None
        return json.loads(self.settings.progress_path.read_text())


@contextmanager
def conducted(tmp_path: Path, scenario: Load = SCENARIO, **settings: Any) -> Iterator[Run]:
    """A Coordinator installed on a FakeMaster and a fake clock; Locust quits at the end."""
    clock = FakeClock()
    environment = Environment(parsed_options=Namespace(headless=True))
    runner = FakeMaster(environment, clock)
    environment.runner = runner
    run_settings = RunSettings(
        scenario=scenario,
        node_urls=("http://127.0.0.1:5000",),
        config={"name": "single"},
        results_path=tmp_path / "results.json",
        progress_path=tmp_path / "progress.json",
        flush_timeout_s=2.0,
        **settings,
    )
    coordinator = Coordinator(environment, run_settings, now_ns=clock.now_ns, sleep=clock.sleep)
    coordinator.install()
    world = World(runner, clock)
    try:
        yield Run(clock, environment, runner, world, coordinator, run_settings)
    finally:  # kills the loop and the clock exchange's greenlets
        environment.events.quitting.fire(environment=environment)
