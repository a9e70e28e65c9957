"""The Locust users: room, broadcast and echo, all on the lean client.

A user's life: take its global index from the process's ``Agent``, connect
and join (``Session``), tell the agent it has joined, then — if it is a
sender — send on the open-model schedule (``schedule``), with optional churn
in a greenlet of its own (``churn``). What differs between kinds is data
(``kinds.kind_for``: the kind fitted to the scenario's protocol profile).
Every receipt goes to the user's ``ReceiverLedger``. With a profile other
than the reference's, the first user of a process also starts the check
that something was recognised by the end of the warm-up (``probe``).
"""

from __future__ import annotations

from typing import ClassVar

import gevent
from gevent.event import Event
from locust import User, constant
from locust.runners import WorkerRunner

from loadtests.coordination.agent import Agent, agent_of
from loadtests.model import layout
from loadtests.users import probe as probes
from loadtests.users.churn import run_churn
from loadtests.users.kinds import kind_for
from loadtests.users.schedule import run_schedule
from loadtests.users.session import Session


class BenchUser(User):
    """Base of the roombench users; ``kind`` selects the behaviour from ``KINDS``."""

    abstract = True
    kind: ClassVar[str] = "room"
    wait_time = constant(1)

    def on_start(self) -> None:
        self.agent: Agent = agent_of(self.environment)
        scenario = self.agent.scenario
        probe = probes.probe_of(self.agent)
        self.behaviour = kind_for(self.kind, scenario.protocol, probe)
        self.index = self.agent.next_index()
        self.recorder = self.agent.recorder
        self.rooms = self.behaviour.rooms(self.index, scenario)
        self.session = Session(
            self.index,
            self.behaviour,
            self.rooms,
            self.agent.node_urls,
            self.agent.node_index(self.index),
            scenario,
            self.recorder,
            self.recorder.ledger(self.index),
            self.agent.window_over,
            probe,
        )
        if not scenario.protocol.is_reference and not probe.watching:
            probe.watching = True
            self._watch_warmup(probe)
        self._stopped = Event()  # set on stop: idle users wait on it without waking
        self._churn: gevent.Greenlet | None = None

    def on_stop(self) -> None:
        self._stopped.set()
        if self._churn is not None:
            self._churn.kill(block=False)
        self.session.stop()

    # The one task runs for the user's whole life; Locust kills it on stop.
    def run_user(self) -> None:
        scenario = self.agent.scenario
        if not self.session.start():
            return self._idle()
        self.agent.user_joined()
        if scenario.churn.enabled:
            self._churn = gevent.spawn(
                run_churn,
                self.index,
                scenario.churn,
                self.behaviour.joins_rooms,
                self.rooms,
                self.session,
                self.agent.window_over,
            )
        if layout.is_sender(self.index, scenario.senders):
            run_schedule(
                self.index,
                self.behaviour,
                self.rooms,
                scenario,
                self.session,
                self.recorder,
                self.agent.window_over,
                self.agent.pace,
            )
        self._idle()

    tasks = [run_user]

    def _watch_warmup(self, probe: probes.ReceiveProbe) -> None:
        """Stop the test when nothing was recognised by the window's start (owned by the agent)."""
        agent = self.agent
        scenario = agent.scenario
        runner = self.environment.runner

        def stop(_message: str) -> None:
            if not isinstance(runner, WorkerRunner):
                self.environment.process_exit_code = 1  # a worker's exit code is the master's
            if runner is not None:
                gevent.spawn(runner.quit)

        watcher = gevent.spawn(
            probes.check_at_window_start,
            probe,
            scenario.protocol,
            lambda: agent.window.start_ns if agent.window is not None else None,
            scenario.join_timeout_s + scenario.warmup_s + 60,
            stop,
            min(5.0, max(0.0, 2.0 / scenario.rate_per_sender_per_s - scenario.warmup_s)),
        )
        agent._greenlets.append(watcher)  # the agent kills its greenlets on stop

    def _idle(self) -> None:
        self._stopped.wait()


class RoomUser(BenchUser):
    """Joins its room(s) and sends ``room_message``; times every room message it receives."""

    kind = "room"


class BroadcastUser(BenchUser):
    """Sends ``broadcast`` (to everyone connected); times every broadcast it receives."""

    kind = "broadcast"


class EchoUser(BenchUser):
    """Sends ``message`` and times the ``Received: ...`` answer (self latency only)."""

    kind = "echo"


USER_CLASSES: dict[str, type[BenchUser]] = {
    "room": RoomUser,
    "broadcast": BroadcastUser,
    "echo": EchoUser,
}
