"""The Locust users: room, broadcast and echo, all on the lean client.

A user's life: take its global index from the process's ``Agent``, connect
and join (``Session``), tell the agent it has joined, then — if it is a
sender — send on the open-model schedule (``schedule``), with optional churn
in a greenlet of its own (``churn``). What differs between kinds is data
(``kinds.KINDS``). Every receipt goes to the user's ``ReceiverLedger``.
"""

from __future__ import annotations

from typing import ClassVar

import gevent
from gevent.event import Event
from locust import User, constant

from loadtests.coordination.agent import Agent, agent_of
from loadtests.users import layout
from loadtests.users.churn import run_churn
from loadtests.users.kinds import KINDS
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
        self.behaviour = KINDS[self.kind]
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
        )
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
            )
        self._idle()

    tasks = [run_user]

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
