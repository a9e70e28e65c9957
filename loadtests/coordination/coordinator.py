"""Window coordination between Locust's master and its workers (or within one LocalRunner).

Transport: Locust's own custom messages (``runner.register_message`` /
``runner.send_message``) plus its periodic ``report_to_master`` /
``worker_report`` events. The same code serves both set-ups because message
types are distinct per direction: on a LocalRunner ``send_message`` calls the
registered listener in-process, so the "master" and the one "worker" are the
same process talking to itself. ZMQ delivers each worker's messages in
order, so a worker's final delta arrives after all its periodic ones.

    master                                    worker (or local)
    test_start: slots, ``rb_layout`` ------->  Agent(scenario, nodes, rank/W)
                                   <-------   ``rb_joined`` n (as users join)
    all joined: plan window, ``rb_window`` ->  senders stop at its end
                                   <-------   worker_report: periodic deltas
    end + drain: ``rb_flush`` -------------->
                                   <-------   ``rb_final``: last delta
    merge, write results JSON, quit

Bounded: the join wait (``Scenario.join_timeout_s``) and the flush answer
(15 s) time out into a result flagged ``incomplete``. Locust's own stop/quit
statistics are not used: a worker sends none on stop, and ``quit`` waits 0.5 s.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event
from locust.env import Environment
from locust.runners import LocalRunner, MasterRunner, WorkerRunner

from loadtests.measure import document, results
from loadtests.measure.aggregate import Aggregate
from loadtests.measure.recorder import Recorder
from loadtests.measure.window import NS_PER_S, Step, Window, WindowPlanner
from loadtests.orchestrate.scenario import Scenario
from loadtests.users import layout

log = logging.getLogger("roombench")

MSG_LAYOUT = "rb_layout"  # master -> workers
MSG_WINDOW = "rb_window"  # master -> workers
MSG_FLUSH = "rb_flush"  # master -> workers
MSG_JOINED = "rb_joined"  # worker -> master
MSG_FINAL = "rb_final"  # worker -> master
LOCAL_ID = "local"
TICK_S = 0.25
REPORT_KEY = "roombench"


@dataclass(frozen=True)
class RunSettings:
    """What the locustfile's command-line options say, built once at the edge."""

    scenario: Scenario
    node_urls: tuple[str, ...]
    config: dict[str, Any]
    results_path: Path
    progress_path: Path | None = None
    run_id: str | None = None
    repeat: int = 0
    flush_timeout_s: float = 15.0


class Agent:
    """One process's side of a test: which users it runs, where they go, what they measured."""

    def __init__(
        self,
        environment: Environment,
        scenario: Scenario,
        node_urls: list[str],
        slot: layout.WorkerSlot,
        name: str,
    ) -> None:
        self.environment = environment
        self.scenario = scenario
        self.node_urls = node_urls
        self.slot = slot
        self.recorder = Recorder(name, "generator", scenario.churn_grace_s)
        self.window: Window | None = None
        self._local_index = itertools.count()
        self._reported_joined = -1

    def next_index(self) -> int:
        return self.slot.global_index(next(self._local_index))

    def node_url(self, global_index: int) -> str:
        node = layout.node_of(global_index, self.scenario.rooms, len(self.node_urls))
        return self.node_urls[node]

    def user_joined(self) -> None:
        self.recorder.joined += 1

    def window_over(self, now_ns: int) -> bool:
        return self.window is not None and now_ns >= self.window.end_ns

    def set_window(self, window: Window) -> None:
        """Remember the window; sample CPU exactly at its edges (exact window CPU)."""
        self.window = window
        for edge_ns in (window.start_ns, window.end_ns):
            gevent.spawn_later(
                max(0.0, (edge_ns - time.time_ns()) / NS_PER_S), self.recorder.sample, edge_ns
            )

    def tick(self, runner: Any, seconds: itertools.count) -> None:
        """Every TICK_S: report joined users on change; sample resources once a second."""
        joined = self.recorder.joined
        if joined != self._reported_joined:
            self._reported_joined = joined
            runner.send_message(MSG_JOINED, {"joined": joined})
        if next(seconds) % int(1 / TICK_S) == 0:
            self.recorder.sample()


_READY_ATTR = "roombench_ready"
_AGENT_ATTR = "roombench_agent"


def agent_of(environment: Environment, timeout_s: float = 60.0) -> Agent:
    """The process's Agent, waiting for the master's layout message if needed."""
    ready: Event = getattr(environment, _READY_ATTR)
    if not ready.wait(timeout_s):
        raise RuntimeError(
            "roombench: no layout from the master within 60 s (is the master roombench's?)"
        )
    agent: Agent = getattr(environment, _AGENT_ATTR)
    return agent


def locust_sampler(environment: Environment) -> Any:
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


# -- worker side (also the local runner) ------------------------------------------------
def install_worker(environment: Environment) -> None:
    runner: Any = environment.runner  # Local or Worker: both have send/register_message
    setattr(environment, _READY_ATTR, Event())
    sample = locust_sampler(environment)

    def on_layout(environment: Environment, msg: Any, **_kw: Any) -> None:
        data = msg.data
        my_id = LOCAL_ID if isinstance(runner, LocalRunner) else runner.client_id
        rank, workers = data["slots"].get(my_id, [0, 1])
        scenario = Scenario.from_dict(data["scenario"])
        name = LOCAL_ID if isinstance(runner, LocalRunner) else f"worker-{rank}"
        agent = Agent(environment, scenario, data["nodes"], layout.WorkerSlot(rank, workers), name)
        setattr(environment, _AGENT_ATTR, agent)
        getattr(environment, _READY_ATTR).set()
        seconds = itertools.count()

        def ticker() -> None:
            while not agent.recorder.closed:
                agent.tick(runner, seconds)
                gevent.sleep(TICK_S)

        gevent.spawn(ticker)

    def on_window(environment: Environment, msg: Any, **_kw: Any) -> None:
        getattr(environment, _AGENT_ATTR).set_window(Window.from_dict(msg.data))

    def on_flush(environment: Environment, msg: Any, **_kw: Any) -> None:
        agent: Agent = getattr(environment, _AGENT_ATTR)
        agent.recorder.sample()
        runner.send_message(MSG_FINAL, agent.recorder.take_delta(sample, final=True))

    runner.register_message(MSG_LAYOUT, on_layout)
    runner.register_message(MSG_WINDOW, on_window)
    runner.register_message(MSG_FLUSH, on_flush)

    if isinstance(runner, WorkerRunner):

        def on_report(client_id: str, data: dict[str, Any]) -> None:
            agent = getattr(environment, _AGENT_ATTR, None)
            if agent is not None and not agent.recorder.closed:
                data[REPORT_KEY] = agent.recorder.take_delta(sample)

        environment.events.report_to_master.add_listener(on_report)


# -- master side (also the local runner) ------------------------------------------------
class Coordinator:
    """The master's conduct of one test: layout, window, flush, merge, results."""

    def __init__(self, environment: Environment, settings: RunSettings) -> None:
        self.environment = environment
        self.runner: Any = environment.runner  # LocalRunner or MasterRunner
        self.settings = settings
        self.local = isinstance(self.runner, LocalRunner)
        self.planner: WindowPlanner | None = None
        self.aggregate = Aggregate()
        self.master_recorder = Recorder("master", "master")
        self.names: dict[str, str] = {}
        self.written: Path | None = None
        self._loop: gevent.Greenlet | None = None

    def install(self) -> None:
        events = self.environment.events
        events.test_start.add_listener(self.on_test_start)
        events.spawning_complete.add_listener(self.on_spawning_complete)
        events.test_stopping.add_listener(self.on_test_stopping)
        events.quitting.add_listener(self.on_quitting)
        self.runner.register_message(MSG_JOINED, self.on_joined)
        self.runner.register_message(MSG_FINAL, self.on_final)
        if isinstance(self.runner, MasterRunner):
            events.worker_report.add_listener(self.on_worker_report)

    def workers(self) -> list[str]:
        if self.local:
            return [LOCAL_ID]
        runner = self.runner
        return [
            c.id for c in runner.clients.ready + runner.clients.spawning + runner.clients.running
        ]

    def on_test_start(self, environment: Environment, **_kw: Any) -> None:
        scenario = self.settings.scenario
        self.planner = WindowPlanner(
            users=self.runner.target_user_count,
            warmup_s=scenario.warmup_s,
            window_s=scenario.window_s,
            drain_s=scenario.drain_s,
            join_timeout_s=scenario.join_timeout_s,
            flush_timeout_s=self.settings.flush_timeout_s,
        )
        self.aggregate = Aggregate()
        self.written = None
        order = self._dispatch_order()
        slots = {worker: [rank, len(order)] for rank, worker in enumerate(order)}
        self.names = {
            w: (LOCAL_ID if self.local else f"worker-{rank}") for w, (rank, _) in slots.items()
        }
        node_urls = list(self.settings.node_urls) or [
            self.environment.host or "http://127.0.0.1:5000"
        ]
        self.runner.send_message(
            MSG_LAYOUT, {"scenario": scenario.to_dict(), "nodes": node_urls, "slots": slots}
        )
        log.info(
            "roombench: %d users over %d worker(s), nodes %s",
            self.planner.users,
            len(order),
            ", ".join(node_urls),
        )
        self._loop = gevent.spawn(self._conduct)

    def _dispatch_order(self) -> list[str]:
        if self.local:
            return [LOCAL_ID]
        dispatcher = getattr(self.runner, "_users_dispatcher", None)
        nodes = getattr(dispatcher, "_worker_nodes", None)
        if nodes:  # the dispatcher's actual order (created just before test_start fires)
            return [n.id for n in nodes]
        return layout.dispatch_order(self.workers())

    def on_spawning_complete(self, user_count: int, **_kw: Any) -> None:
        if self.planner is not None:
            self.planner.users = user_count or self.planner.users
            self.planner.start_join_clock(time.time_ns())

    def on_joined(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        if self.planner is not None:
            self.planner.on_joined(msg.node_id, msg.data["joined"])

    def on_worker_report(self, client_id: str, data: dict[str, Any]) -> None:
        delta = data.get(REPORT_KEY)
        if delta and client_id not in self.aggregate.finals:
            self.aggregate.add(delta)

    def on_final(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        if msg.node_id not in self.aggregate.finals:
            self.aggregate.add(msg.data)
            self.aggregate.finals.add(msg.node_id)
        if self.planner is not None:
            self.planner.on_final(msg.node_id)

    def on_test_stopping(self, environment: Environment, **_kw: Any) -> None:
        if self.planner is not None and not self.planner.done:
            self._act(
                self.planner.stop_early(
                    time.time_ns(),
                    set(self.workers()),
                    "the test was stopped before the window closed",
                )
            )

    def on_quitting(self, environment: Environment, **_kw: Any) -> None:
        if self.planner is not None and self.written is None:
            self.planner.incomplete.append("Locust quit before every worker reported")
            self._write()
        if self.written is not None and environment.process_exit_code is None:
            environment.process_exit_code = 0

    # -- the master's loop ------------------------------------------------------------
    def _conduct(self) -> None:
        planner = self.planner
        assert planner is not None
        sample = locust_sampler(self.environment)
        seconds = itertools.count()
        while not planner.done:
            step = planner.poll(time.time_ns(), set(self.workers()))
            self._act(step)
            if step is Step.DONE:
                break
            if next(seconds) % 10 == 0:
                if self.local:
                    agent: Agent | None = getattr(self.environment, _AGENT_ATTR, None)
                    if agent is not None:
                        self.aggregate.add(agent.recorder.take_delta(sample))
                else:
                    self.master_recorder.sample()
                    self.aggregate.add(self.master_recorder.take_delta())
                self._progress()
            gevent.sleep(0.1)

    def _act(self, step: Step) -> None:
        planner = self.planner
        assert planner is not None
        if step is Step.OPEN:
            assert planner.window is not None
            log.info(
                "roombench: all %d users joined; window %s", planner.users, planner.window.to_dict()
            )
            self.runner.send_message(MSG_WINDOW, planner.window.to_dict())
        elif step is Step.FLUSH:
            log.info("roombench: flushing %d worker(s)", len(planner.flushing))
            if not self.local:
                self.master_recorder.sample()
                self.aggregate.add(self.master_recorder.take_delta(final=True))
            self.runner.send_message(MSG_FLUSH, {})
        elif step is Step.DONE:
            self._write()
            self._progress()
            self._finish_run()

    def _window(self) -> Window:
        planner = self.planner
        assert planner is not None
        if planner.window is not None:
            return planner.window
        # The window never opened (users failed to join): report the would-be window.
        started = planner.started_ns or time.time_ns()
        return Window(
            started - started % NS_PER_S,
            started - started % NS_PER_S + max(1, int(planner.window_s)) * NS_PER_S,
            planner.warmup_s,
            planner.drain_s,
        )

    def _write(self) -> None:
        planner = self.planner
        assert planner is not None
        settings = self.settings
        try:
            window = self._window()
            measured = self.aggregate.measured(window, planner.incomplete)
            doc = document.build(
                measured,
                settings.scenario,
                window,
                settings.config,
                run_id=settings.run_id,
                repeat=settings.repeat,
            )
            self.written = results.dump(doc, settings.results_path)
            c = doc["counters"]
            log.info(
                "roombench: wrote %s: sent %d, expected %d, delivered %d, lost %d, "
                "fan-out p50 %d µs, p99 %d µs, flags %s",
                self.written,
                c["sent"],
                c["expected"],
                c["delivered"],
                c["lost"],
                doc["latency"]["fanout"]["p50"],
                doc["latency"]["fanout"]["p99"],
                ", ".join(doc["flags"]) or "none",
            )
        except Exception:  # the run must still end, and say why it wrote nothing
            log.exception("roombench: could not write %s", settings.results_path)
            self.environment.process_exit_code = 2

    def _finish_run(self) -> None:
        if self.environment.process_exit_code is None:
            self.environment.process_exit_code = 0
        options = self.environment.parsed_options
        if options is not None and getattr(options, "headless", False):
            gevent.spawn(self.runner.quit)
        elif self.runner.state not in ("stopping", "stopped", "cleanup"):
            gevent.spawn(self.runner.stop)

    def _progress(self) -> None:
        path = self.settings.progress_path
        planner = self.planner
        if path is None or planner is None:
            return
        now_ns = time.time_ns()
        window = planner.window
        if planner.done:
            phase = "done"
        elif planner.flush_sent_ns is not None:
            phase = "flushing"
        elif window is None:
            phase = "joining"
        else:
            phase = {"warmup": "warmup", "window": "window", "drain": "drain"}[
                window.phase(now_ns // NS_PER_S)
            ]
        state: dict[str, Any] = {
            "phase": phase,
            "joined": planner.joined_total,
            "users": planner.users,
        }
        recent = self.aggregate.seconds.get(now_ns // NS_PER_S - 4)
        if recent is not None:
            state["deliveries_per_s"] = recent.counts["strict"] + recent.counts["optional"]
            fanout = recent.histograms.get("fanout")
            if fanout is not None and fanout.get_total_count():
                state["p99_us"] = fanout.get_value_at_percentile(99.0)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state))
            tmp.replace(path)
        except OSError:
            pass
