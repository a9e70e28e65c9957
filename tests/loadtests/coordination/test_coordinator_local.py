"""The coordinator on a Locust ``LocalRunner``: the master is its own only worker.

A real ``LocalRunner`` delivers ``send_message`` to the listeners registered in the
same process, as in a one-process run. The worker's side here is the test's: a local
"agent" whose recorder the coordinator's ``LocalCollector`` reads directly (no worker
reports exist), and which answers the flush with its final delta. Fake clock as in
``test_coordinator``.
"""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gevent
from locust.env import Environment

from loadtests.coordination import agent as agent_module
from loadtests.coordination.coordinator import Coordinator
from loadtests.coordination.messages import (
    LOCAL_ID,
    MSG_FINAL,
    MSG_FLUSH,
    MSG_JOINED,
    MSG_LAYOUT,
    MSG_WINDOW,
    RunSettings,
)
from loadtests.measure.recorder import Recorder
from loadtests.measure.window import Window
from tests.loadtests.coordination.fake_run import MS, ROOM, SCENARIO
from tests.loadtests.fake_clock import FakeClock


class LocalWorld:
    """The one process's users: 4 receivers, user 0 sending twice in the window."""

    def __init__(self, environment: Environment, clock: FakeClock) -> None:
        self.environment = environment
        self.clock = clock
        self.recorder = Recorder(LOCAL_ID)
        self.ledgers = [self.recorder.ledger(user) for user in range(4)]
        self.flushes = 0
        runner: Any = environment.runner
        runner.register_message(MSG_LAYOUT, self.on_layout)
        runner.register_message(MSG_WINDOW, self.on_window)
        runner.register_message(MSG_FLUSH, self.on_flush)

    def on_layout(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        assert msg.data["slots"] == {LOCAL_ID: [0, 1]}
        agent = SimpleNamespace(recorder=self.recorder)
        setattr(environment, agent_module._AGENT_ATTR, agent)
        now = self.clock.now_ns()
        for ledger in self.ledgers:
            ledger.join_sent(ROOM, now)
            ledger.join_acked(ROOM, now + MS)
        self.recorder.joined = 4
        runner: Any = environment.runner
        self.clock.call_at(now + 200 * MS, lambda: runner.send_message(MSG_JOINED, {"joined": 4}))

    def on_window(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        window = Window.from_dict(msg.data)
        for seq, offset_ms in enumerate((250, 1250)):
            self.clock.call_at(window.start_ns + offset_ms * MS, lambda s=seq: self.send(s))

    def send(self, seq: int) -> None:
        t_ns = self.clock.now_ns()
        self.recorder.record_send(ROOM, t_ns, 0)
        for ledger in self.ledgers:
            ledger.receive(ROOM, 0, seq, t_ns, t_ns + MS)

    def on_flush(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        self.flushes += 1
        runner: Any = environment.runner
        runner.send_message(MSG_FINAL, self.recorder.take_delta(final=True))


def test_a_local_run_merges_its_own_deltas_once_and_writes_the_results(tmp_path: Path) -> None:
    clock = FakeClock()
    environment = Environment(parsed_options=Namespace(headless=True))
    runner = environment.create_local_runner()
    settings = RunSettings(
        scenario=SCENARIO,
        node_urls=("http://127.0.0.1:5000",),
        config={"name": "local"},
        results_path=tmp_path / "results.json",
    )
    coordinator = Coordinator(environment, settings, now_ns=clock.now_ns, sleep=clock.sleep)
    coordinator.install()
    world = LocalWorld(environment, clock)
    quits: list[int] = []
    runner.quit = lambda: quits.append(1)  # type: ignore[method-assign]
    try:
        environment.events.test_start.fire(environment=environment)
        environment.events.spawning_complete.fire(user_count=4)
        loop = coordinator._loop
        assert loop is not None and coordinator.clocks is None  # no clock exchange locally
        loop.join(timeout=30)
        assert loop.dead
        gevent.sleep(0)
    finally:
        environment.events.quitting.fire(environment=environment)
    assert world.flushes == 1 and quits == [1]
    doc = json.loads(settings.results_path.read_text())
    counters = doc["counters"]
    # The collector took periodic deltas itself, then the final one came as the flush's
    # answer: every receipt counted once.
    assert (counters["sent"], counters["expected"], counters["delivered"]) == (2, 8, 8)
    assert counters["duplicated"] == 0 and counters["lost"] == 0
    assert "incomplete" not in doc["flags"]
    assert doc["generator"]["processes"] == 1
