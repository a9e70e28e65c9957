"""The master's conduct of one test: layout, window, flush, merge, results.

Wiring only: Locust's events and our messages go to the ``WindowPlanner``
(when to open the window and flush), the ``WorkerRoster`` (who must report),
the ``Aggregate`` (the sum of every delta), ``write_results`` and the
progress file. One loop greenlet, owned here and killed on quit, polls the
planner. A LocalRunner is its own only worker; the one difference — where
deltas come from — is a collector object, not branches.

With ``RunSettings.control_dir`` the run is a stepped session: a ``Stepper``
(``coordination.stepping``) measures the runner's rate steps inside the run's
window, each written as a results document of its own.

In distributed mode a ``ClockExchange`` measures each worker's clock offset
from test start to the flush; its table corrects cross-host fan-out in the
results (measurement rule 8).

Bounded: the join wait (``Load.join_timeout_s``) and the flush answer
(``RunSettings.flush_timeout_s``) time out into a result flagged
``incomplete``. Locust's own stop/quit statistics are not used: a worker sends
none on stop, and ``quit`` waits 0.5 s.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import LocalRunner, MasterRunner

from loadtests.coordination.agent import local_agent, locust_sampler
from loadtests.coordination.clock_exchange import ClockExchange
from loadtests.coordination.messages import (
    MSG_CLOCK_PONG,
    MSG_FINAL,
    MSG_FLUSH,
    MSG_JOINED,
    MSG_LAYOUT,
    MSG_STEP,
    MSG_SYNC,
    MSG_SYNCED,
    MSG_WINDOW,
    REPORT_KEY,
    RunSettings,
)
from loadtests.coordination.progress_file import progress_state, write_progress
from loadtests.coordination.results_writer import reported_window, write_results
from loadtests.coordination.roster import WorkerRoster
from loadtests.coordination.stepping import StepAction, Stepper, step_path
from loadtests.measure.aggregate import Aggregate
from loadtests.measure.recorder import Recorder
from loadtests.measure.window import Step, WindowPlanner
from loadtests.model.progress import ProgressState
from loadtests.units import NS_PER_S

log = logging.getLogger("roombench")
LOOP_S = 0.1
COLLECT_EVERY = 10  # loop turns: deltas and progress once a second


class LocalCollector:
    """A LocalRunner reports to nobody: take the local agent's deltas directly."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.sampler = locust_sampler(environment)

    def collect(self, aggregate: Aggregate) -> None:
        agent = local_agent(self.environment)
        if agent is not None:
            aggregate.add(agent.recorder.take_delta(self.sampler))

    def final(self, aggregate: Aggregate) -> None:
        """Nothing: the local agent's final delta comes as its flush answer."""


class MasterCollector:
    """Workers' deltas arrive with their reports; the master samples only itself."""

    def __init__(self) -> None:
        self.recorder = Recorder("master", "master")

    def collect(self, aggregate: Aggregate) -> None:
        self.recorder.sample()
        aggregate.add(self.recorder.take_delta())

    def final(self, aggregate: Aggregate) -> None:
        self.recorder.sample()
        aggregate.add(self.recorder.take_delta(final=True))


class Coordinator:
    """Conducts one test on the master (or a LocalRunner) and writes its results."""

    def __init__(
        self,
        environment: Environment,
        settings: RunSettings,
        now_ns: Callable[[], int] = time.time_ns,
        sleep: Callable[[float], Any] = gevent.sleep,
    ) -> None:
        """``now_ns`` (Unix ns, default ``time.time_ns``) and ``sleep`` (default
        ``gevent.sleep``) are the clock of the master's decisions; tests pass a fake one."""
        self.environment = environment
        self.now_ns = now_ns
        self.sleep = sleep
        self.runner: Any = environment.runner  # LocalRunner or MasterRunner
        self.settings = settings
        self.roster = WorkerRoster(self.runner)
        self.collector: LocalCollector | MasterCollector = (
            LocalCollector(environment)
            if isinstance(self.runner, LocalRunner)
            else MasterCollector()
        )
        self.clocks = (
            ClockExchange(self.runner, self.roster, settings)
            if isinstance(self.runner, MasterRunner)
            else None
        )
        self.planner: WindowPlanner | None = None
        self.stepper: Stepper | None = None
        self._step_baseline: tuple[dict[str, int], dict[str, int]] = ({}, {})
        self.aggregate = Aggregate()
        self.written: bool = False
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
        if self.clocks is not None:
            self.runner.register_message(MSG_CLOCK_PONG, self.clocks.on_pong)
        if isinstance(self.runner, MasterRunner):
            self.runner.register_message(MSG_SYNCED, self.on_synced)

    # -- Locust's events and our messages ------------------------------------------------
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
        control_dir = self.settings.control_dir
        self.stepper = (
            Stepper(control_dir, scenario.warmup_s, scenario.drain_s)
            if control_dir is not None
            else None
        )
        self.aggregate = Aggregate()
        self.written = False
        slots = self.roster.assign()
        node_urls = list(self.settings.node_urls) or [
            self.environment.host or "http://127.0.0.1:5000"
        ]
        if self.clocks is not None:  # ByHand may have replaced the settings object
            self.clocks.settings = self.settings
        layout = {"scenario": scenario.to_dict(), "nodes": node_urls, "slots": slots}
        if self.clocks is not None:
            layout["clock"] = self.clocks.plan(slots)
        self.runner.send_message(MSG_LAYOUT, layout)
        if self.clocks is not None:
            self.clocks.start()
        log.info(
            "roombench: %d users over %d worker(s), nodes %s",
            self.planner.users,
            len(slots),
            ", ".join(node_urls),
        )
        self._loop = gevent.spawn(self._conduct)

    def on_spawning_complete(self, user_count: int, **_kw: Any) -> None:
        if self.planner is not None:
            self.planner.users = user_count or self.planner.users
            self.planner.start_join_clock(self.now_ns())

    def on_joined(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        if self.planner is not None:
            self.planner.on_joined(msg.node_id, msg.data["joined"])

    # Locust's worker report: Locust's own keys, ours (a Delta) under REPORT_KEY
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

    def on_synced(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        if msg.node_id in self.aggregate.finals:
            return
        self.aggregate.add(msg.data["delta"])
        if self.stepper is not None:
            self.stepper.on_synced(msg.node_id, msg.data["index"])

    def on_test_stopping(self, environment: Environment, **_kw: Any) -> None:
        if self.planner is not None and not self.planner.done:
            self._act(
                self.planner.stop_early(
                    self.now_ns(),
                    self.roster.alive(),
                    "the test was stopped before the window closed",
                )
            )

    def on_quitting(self, environment: Environment, **_kw: Any) -> None:
        if self._loop is not None:
            self._loop.kill(block=False)
        if self.clocks is not None:
            self.clocks.stop()
        if self.planner is not None and not self.written:
            self.planner.incomplete.append("Locust quit before every worker reported")
            self._write()
        if self.written and environment.process_exit_code is None:
            environment.process_exit_code = 0

    # -- the master's loop ------------------------------------------------------------
    def _conduct(self) -> None:
        planner = self.planner
        assert planner is not None
        for turn in itertools.count():
            if planner.done:
                return
            now_ns = self.now_ns()
            for worker in self.roster.check(now_ns):
                log.warning(
                    "roombench: %s stopped reporting (missing heartbeats or quit)",
                    self.roster.names.get(worker, worker),
                )
            step = planner.poll(now_ns, self.roster.alive())
            self._act(step)
            if step is Step.DONE:
                return
            if self.stepper is not None and planner.window is not None:
                if planner.flush_sent_ns is None:
                    self._act_step(self.stepper.poll(now_ns, self.roster.alive()), now_ns)
            if turn % COLLECT_EVERY == 0:
                self.collector.collect(self.aggregate)
                self._progress()
            self.sleep(LOOP_S)

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
            if self.clocks is not None:  # before the flush, not queued behind its work
                self.clocks.stop()
                self.clocks.round()
            self.collector.final(self.aggregate)
            self.runner.send_message(MSG_FLUSH, {})
        elif step is Step.DONE:
            self._write()
            self._progress()
            self._finish_run()

    def _act_step(self, action: StepAction, now_ns: int) -> None:
        stepper = self.stepper
        planner = self.planner
        assert stepper is not None and planner is not None
        step = stepper.current
        if action is StepAction.START:
            assert step is not None
            log.info("roombench: step %d at %g msg/s per sender", step.index, step.rate)
            # The whole-run counters from here on are this step's (Aggregate.since).
            self._step_baseline = (dict(self.aggregate.counters), dict(self.aggregate.receive))
            data = {"index": step.index, "rate": step.rate, "window": step.window.to_dict()}
            self.runner.send_message(MSG_STEP, data)
        elif action is StepAction.SYNC:
            assert step is not None
            # A master takes its own samples; a LocalRunner, its only worker's delta.
            self.collector.collect(self.aggregate)
            if isinstance(self.runner, MasterRunner):
                self.runner.send_message(MSG_SYNC, {"index": step.index})
            else:
                for worker in step.expecting:
                    stepper.on_synced(worker, step.index)
        elif action is StepAction.WRITE:
            assert step is not None
            self._write_step()
            stepper.written(self.now_ns())
        elif action is StepAction.FINISH:
            self._act(planner.finish(now_ns, self.roster.alive()))

    def _write_step(self) -> None:
        stepper = self.stepper
        assert stepper is not None and stepper.current is not None
        step = stepper.current
        scenario = replace(
            self.settings.scenario,
            rate_per_sender_per_s=step.rate,
            window_s=step.window.duration_s,
        )
        settings = replace(
            self.settings,
            scenario=scenario,
            config={**self.settings.config, **step.config},
            results_path=step_path(stepper.control_dir, step.index),
        )
        incomplete = step.incomplete + self.roster.lost_reasons(step.window.start_ns)
        clocks = self.clocks.table() if self.clocks is not None else None
        aggregate = self.aggregate.since(*self._step_baseline)
        try:
            write_results(settings, aggregate, step.window, incomplete, clocks)
        except Exception:  # the session goes on; the runner sees no document and says so
            log.exception("roombench: could not write step %d", step.index)

    def _write(self) -> None:
        planner = self.planner
        assert planner is not None
        window = reported_window(planner, self.now_ns())
        incomplete = planner.incomplete + self.roster.lost_reasons(
            planner.window.start_ns if planner.window is not None else None
        )
        clocks = self.clocks.table() if self.clocks is not None else None
        try:
            write_results(self.settings, self.aggregate, window, incomplete, clocks)
            self.written = True
        except Exception:  # the run must still end, and say why it wrote nothing
            log.exception("roombench: could not write %s", self.settings.results_path)
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
        if path is not None and self.planner is not None:
            now_ns = self.now_ns()
            state = progress_state(self.planner, self.aggregate, now_ns)
            if self.stepper is not None and self.planner.window is not None:
                self._step_progress(state, now_ns)
            write_progress(path, state)

    def _step_progress(self, state: ProgressState, now_ns: int) -> None:
        """A stepped session's progress is the step's, not the long run window's."""
        assert self.stepper is not None and self.planner is not None
        if self.planner.flush_sent_ns is not None:
            return  # the run's window, cut at the end of the session: "finishing"
        step = self.stepper.current
        if step is None:
            state.pop("window", None)
            state["phase"] = "between steps"
            return
        state["step"] = step.index
        state["window"] = step.window.to_dict()
        state["phase"] = step.window.phase(now_ns // NS_PER_S)
