"""The worker side (also the local runner's): one ``Agent`` per process.

The Agent learns from the master's layout message which global user indexes
this process runs and where they connect, holds the process's ``Recorder``,
and answers the master: joined counts (on change), periodic deltas (inside
Locust's worker report) and the final delta on flush. It owns its greenlets
(the ticker and the window-edge samplers) and kills them on ``stop``.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import gevent
from gevent.event import Event
from locust.env import Environment
from locust.runners import LocalRunner, WorkerRunner

from loadtests.coordination.clock_exchange import install_pong
from loadtests.coordination.messages import (
    LOCAL_ID,
    MSG_FINAL,
    MSG_FLUSH,
    MSG_JOINED,
    MSG_LAYOUT,
    MSG_STEP,
    MSG_SYNC,
    MSG_SYNCED,
    MSG_WINDOW,
    REPORT_KEY,
    TICK_S,
)
from loadtests.coordination.pace import Pace
from loadtests.measure.recorder import Recorder, Sampler
from loadtests.measure.window import Window
from loadtests.model import layout
from loadtests.model.load import Load
from loadtests.units import NS_PER_S
from loadtests.wire import readpoll

_READY_ATTR = "roombench_ready"
_AGENT_ATTR = "roombench_agent"
_LAYOUT_TIMEOUT_ATTR = "roombench_layout_timeout_s"


class Agent:
    """One process's side of a test: which users it runs, where they go, what they measured."""

    def __init__(
        self,
        scenario: Load,
        node_urls: list[str],
        slot: layout.WorkerSlot,
        name: str,
        split_workers: int = 0,
    ) -> None:
        self.scenario = scenario
        self.node_urls = node_urls
        self.slot = slot
        self.recorder = Recorder(
            name, "generator", scenario.churn_grace_s, slot.rank, split_workers
        )
        self.window: Window | None = None
        self.pace = Pace(scenario.rate_per_sender_per_s)
        self._local_index = itertools.count()
        self._reported_joined = -1
        self._greenlets: list[gevent.Greenlet] = []

    def next_index(self) -> int:
        return self.slot.global_index(next(self._local_index))

    def node_index(self, global_index: int) -> int:
        return layout.node_of(global_index, self.scenario.rooms, len(self.node_urls))

    def user_joined(self) -> None:
        self.recorder.joined += 1

    def window_over(self, now_ns: int) -> bool:
        return self.window is not None and now_ns >= self.window.end_ns

    def set_window(self, window: Window) -> None:
        """Remember the window; sample CPU exactly at its edges (exact window CPU)."""
        self.window = window
        self.sample_at_edges(window)

    def sample_at_edges(self, window: Window) -> None:
        for edge_ns in (window.start_ns, window.end_ns):
            delay_s = max(0.0, (edge_ns - time.time_ns()) / NS_PER_S)
            self._greenlets.append(gevent.spawn_later(delay_s, self.recorder.sample, edge_ns))

    def start_step(self, rate_per_sender_per_s: float, window: Window) -> None:
        """A stepped session's next step: senders take the new rate; sample its window's edges."""
        self.pace.set(rate_per_sender_per_s)
        self.sample_at_edges(window)

    def start_ticker(self, runner: Any) -> None:
        """Every TICK_S: report joined users on change; sample resources once a second."""

        def ticker() -> None:
            for tick in itertools.count():
                if self.recorder.closed:
                    return
                joined = self.recorder.joined
                if joined != self._reported_joined:
                    self._reported_joined = joined
                    runner.send_message(MSG_JOINED, {"joined": joined})
                if tick % int(1 / TICK_S) == 0:
                    self.recorder.sample()
                gevent.sleep(TICK_S)

        self._greenlets.append(gevent.spawn(ticker))

    def stop(self) -> None:
        for greenlet in self._greenlets:
            greenlet.kill(block=False)
        self._greenlets.clear()


def agent_of(environment: Environment) -> Agent:
    """The process's Agent, waiting for the master's layout message if needed."""
    ready: Event = getattr(environment, _READY_ATTR)
    timeout_s: float = getattr(environment, _LAYOUT_TIMEOUT_ATTR)
    if not ready.wait(timeout_s):
        raise RuntimeError(
            f"roombench: no layout from the master within {timeout_s:.0f} s "
            "(is the master running roombench's locustfile?)"
        )
    agent: Agent = getattr(environment, _AGENT_ATTR)
    return agent


def local_agent(environment: Environment) -> Agent | None:
    """The Agent of this process, if the layout has arrived."""
    return getattr(environment, _AGENT_ATTR, None)


def locust_sampler(environment: Environment) -> Sampler:
    """Feed a sample of latencies to Locust's request statistics (its UI only)."""
    fire = environment.events.request.fire

    def sample(kind: str, value_us: int) -> None:
        fire(
            request_type="WS",
            name=kind,
            response_time=value_us / 1000.0,
            response_length=0,
            exception=None,
            context={},
        )

    return sample


def install_worker(environment: Environment, layout_timeout_s: float = 60.0) -> None:
    """Wire the worker side of the protocol into ``environment``'s runner."""
    runner: Any = environment.runner  # Local or Worker: both have send/register_message
    setattr(environment, _READY_ATTR, Event())
    setattr(environment, _LAYOUT_TIMEOUT_ATTR, layout_timeout_s)
    sample = locust_sampler(environment)
    is_local = isinstance(runner, LocalRunner)

    def on_layout(environment: Environment, msg: Any, **_kw: Any) -> None:
        data = msg.data
        my_id = LOCAL_ID if is_local else runner.client_id
        rank, workers = data["slots"].get(my_id, [0, 1])
        name = LOCAL_ID if is_local else f"worker-{rank}"
        clock = data.get("clock", {})
        readpoll.simulate_clock_offset(clock.get("simulated_offset_ns", {}).get(str(rank), 0))
        agent = Agent(
            Load.from_dict(data["scenario"]),
            data["nodes"],
            layout.WorkerSlot(rank, workers),
            name,
            clock.get("split_workers", 0),
        )
        setattr(environment, _AGENT_ATTR, agent)
        getattr(environment, _READY_ATTR).set()
        agent.start_ticker(runner)

    def on_window(environment: Environment, msg: Any, **_kw: Any) -> None:
        getattr(environment, _AGENT_ATTR).set_window(Window.from_dict(msg.data))

    def on_step(environment: Environment, msg: Any, **_kw: Any) -> None:
        agent: Agent = getattr(environment, _AGENT_ATTR)
        agent.start_step(float(msg.data["rate"]), Window.from_dict(msg.data["window"]))

    def on_sync(environment: Environment, msg: Any, **_kw: Any) -> None:
        agent: Agent = getattr(environment, _AGENT_ATTR)
        if not agent.recorder.closed:
            delta = agent.recorder.take_delta(sample)
            runner.send_message(MSG_SYNCED, {"index": msg.data["index"], "delta": delta})

    def on_flush(environment: Environment, msg: Any, **_kw: Any) -> None:
        agent: Agent = getattr(environment, _AGENT_ATTR)
        agent.recorder.sample()
        runner.send_message(MSG_FINAL, agent.recorder.take_delta(sample, final=True))
        agent.stop()

    def on_quitting(environment: Environment, **_kw: Any) -> None:
        agent = local_agent(environment)
        if agent is not None:
            agent.stop()

    runner.register_message(MSG_LAYOUT, on_layout)
    runner.register_message(MSG_WINDOW, on_window)
    runner.register_message(MSG_FLUSH, on_flush)
    runner.register_message(MSG_STEP, on_step)
    if not is_local:  # a LocalRunner's master takes its delta itself
        runner.register_message(MSG_SYNC, on_sync)
    environment.events.quitting.add_listener(on_quitting)

    if isinstance(runner, WorkerRunner):
        install_pong(runner)

        # Locust's report to the master: Locust's own keys; ours goes under REPORT_KEY
        def on_report(client_id: str, data: dict[str, Any]) -> None:
            agent = local_agent(environment)
            if agent is not None and not agent.recorder.closed:
                data[REPORT_KEY] = agent.recorder.take_delta(sample)

        environment.events.report_to_master.add_listener(on_report)
