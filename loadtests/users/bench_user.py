"""The Locust users: room, broadcast and echo, all on the lean client.

A user's life: take its global index from the process's ``Agent``, connect to
its node (open -> ``welcome`` is the connect time), join its rooms (``join``
emitted -> ack is the join time), tell the agent it has joined, then — if it
is a sender — emit on a fixed open-model schedule: the k-th message is due at
``t0 + k / rate``; a late one is sent at once and its lateness recorded as
schedule lag (DESIGN rule 3). Every receipt goes to the user's
``ReceiverLedger``. Optional churn (a separate greenlet, so it never delays
the schedule) leaves and rejoins a room, or reconnects and re-joins
everything (a new sid has no rooms).

The three kinds differ only in what they send and where membership comes
from, so they share one class and a small registry (``KINDS``): the broadcast
user treats "everyone" as room ``*``, the echo user its own room ``echo-<g>``,
and for both membership starts when ``welcome`` arrives.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import gevent
from gevent.event import Event
from locust import User, constant

from loadtests.coordination.coordinator import Agent, agent_of
from loadtests.users import layout
from loadtests.wire.client import ConnectError, SioClient

GOLDEN = 0.6180339887  # spreads sender phases evenly over one interval
ECHO_PREFIX = "Received: "


@dataclass(frozen=True)
class Kind:
    """What a user kind sends and receives; ``rooms`` False: membership starts at ``welcome``."""

    send_event: str
    receive_event: str
    rooms: bool


KINDS: dict[str, Kind] = {
    "room": Kind("room_message", "room_message", True),
    "broadcast": Kind("broadcast", "broadcast", False),
    "echo": Kind("message", "message", False),
}


def pad_for(payload_bytes: int, sample: dict[str, Any]) -> str:
    """The ``pad`` that makes ``sample``'s JSON about ``payload_bytes`` long."""
    base = len(json.dumps({**sample, "pad": ""}, separators=(",", ":")))
    return "x" * max(0, payload_bytes - base)


class BenchUser(User):
    """Base of the roombench users; ``kind`` selects the behaviour from ``KINDS``."""

    abstract = True
    kind: ClassVar[str] = "room"
    wait_time = constant(1)

    def on_start(self) -> None:
        self.agent: Agent = agent_of(self.environment)
        self.scenario = self.agent.scenario
        self.behaviour = KINDS[self.kind]
        self.index = self.agent.next_index()
        self.recorder = self.agent.recorder
        self.ledger = self.recorder.ledger(self.index)
        if self.behaviour.rooms:
            self.rooms = layout.rooms_of(
                self.index, self.scenario.rooms, self.scenario.rooms_per_user
            )
        else:
            self.rooms = ["*" if self.kind == "broadcast" else f"echo-{self.index}"]
        self.url = self.agent.node_url(self.index)
        self.client: SioClient | None = None
        self._welcome = Event()
        self._stopping = False
        self._stopped = Event()  # set on stop: idle users wait on it without waking
        self._churn: gevent.Greenlet | None = None

    def on_stop(self) -> None:
        self._stopping = True
        self._stopped.set()
        if self._churn is not None:
            self._churn.kill(block=False)
        if self.client is not None:
            self.client.close()

    # The one task runs for the user's whole life; Locust kills it on stop.
    def run_user(self) -> None:
        deadline = time.monotonic() + self.scenario.join_timeout_s
        while not self._connect_and_join():
            if time.monotonic() > deadline or self._stopping:
                return self._idle()
            gevent.sleep(1.0)
        self.agent.user_joined()
        if self.scenario.churn.enabled:
            self._churn = gevent.spawn(self._churn_loop)
        if layout.is_sender(self.index, self.scenario.senders):
            self._send_loop()
        self._idle()

    tasks = [run_user]

    # -- connect and join -----------------------------------------------------------
    def _connect_and_join(self) -> bool:
        recorder = self.recorder
        start_ns = time.time_ns()
        self._welcome.clear()
        client = SioClient(
            self.url,
            {
                "welcome": self._on_welcome,
                self.behaviour.receive_event: self._receiver(),
                "error": self._on_error_event,
            },
            on_close=lambda reason: self._on_close(client, reason),
            stats=recorder.receive_stats,
        )
        try:
            client.connect(timeout_s=self.scenario.join_timeout_s)
        except ConnectError:
            recorder.count("errors")
            return False
        self.client = client
        recorder.connected += 1
        recorder.count("connects")
        if not self._welcome.wait(self.scenario.join_timeout_s):
            recorder.count("errors")
            client.close()
            return False
        recorder.connect_us.append((self._welcome_ns - start_ns) // 1000)
        if not self.behaviour.rooms:
            room = self.rooms[0]
            self.ledger.join_sent(room, start_ns)
            self.ledger.join_acked(room, self._welcome_ns)
            return True
        return self._join(self.rooms)

    def _on_welcome(self, _data: Any, recv_ns: int) -> None:
        self._welcome_ns = recv_ns
        self._welcome.set()

    def _join(self, rooms: list[str]) -> bool:
        client = self.client
        if client is None:
            return False
        done = Event()
        ok = []
        sent_ns = time.time_ns()
        ledger = self.ledger

        def acked(args: list[Any], recv_ns: int) -> None:
            reply = args[0] if args else None
            if isinstance(reply, dict) and reply.get("ok"):
                for room in rooms:
                    ledger.join_acked(room, recv_ns)
                self.recorder.join_us.append((recv_ns - sent_ns) // 1000)
                ok.append(True)
            else:
                self.recorder.count("errors")
            done.set()

        for room in rooms:
            ledger.join_sent(room, sent_ns)
        payload = {"room": rooms[0]} if len(rooms) == 1 else {"rooms": rooms}
        try:
            client.call("join", payload, acked)
        except OSError:
            self.recorder.count("errors")
            return False
        if not done.wait(self.scenario.join_timeout_s) or not ok:
            self.recorder.count("errors")
            return False
        return True

    def _leave(self, room: str) -> bool:
        client = self.client
        if client is None:
            return False
        done = Event()
        ledger = self.ledger

        def acked(args: list[Any], _recv_ns: int) -> None:
            ledger.leave_acked(room)
            done.set()

        ledger.leave_sent(room, time.time_ns())
        try:
            client.call("leave", {"room": room}, acked)
        except OSError:
            return False
        return done.wait(self.scenario.join_timeout_s) is True

    # -- receiving (runs in gevent's hub, called by the client's reader) -------------
    def _receiver(self) -> Any:
        receive = self.ledger.receive
        count = self.recorder.count
        if self.kind == "echo":
            loads = json.loads
            cut = len(ECHO_PREFIX)

            def on_echo(text: Any, recv_ns: int) -> None:
                try:
                    msg = loads(text[cut:])
                    receive(msg["room"], msg["sender"], msg["seq"], msg["t_ns"], recv_ns)
                except (KeyError, TypeError, ValueError):
                    count("errors")

            return on_echo

        def on_message(msg: Any, recv_ns: int) -> None:
            try:
                receive(msg["room"], msg["sender"], msg["seq"], msg["t_ns"], recv_ns)
            except (KeyError, TypeError):
                count("errors")

        return on_message

    def _on_error_event(self, _data: Any, _recv_ns: int) -> None:
        self.recorder.count("errors")

    def _on_close(self, client: SioClient, _reason: str) -> None:
        if client is not self.client:
            return  # a connect attempt that never succeeded
        self.recorder.connected -= 1
        self.recorder.count("disconnects")
        self.ledger.disconnected(time.time_ns())

    # -- sending --------------------------------------------------------------------
    def _send_loop(self) -> None:
        scenario = self.scenario
        behaviour = self.behaviour
        agent = self.agent
        record_send = self.recorder.record_send
        joined = self.ledger.joined
        rooms = self.rooms
        sender = self.index
        interval_ns = int(1e9 / scenario.rate_per_sender_per_s)
        seqs = dict.fromkeys(rooms, 0)
        pad = pad_for(
            scenario.payload_bytes,
            {"room": rooms[0], "sender": sender, "seq": 0, "t_ns": time.time_ns()},
        )
        echo = self.kind == "echo"
        dumps = json.JSONEncoder(separators=(",", ":")).encode
        monotonic_ns = time.monotonic_ns
        time_ns = time.time_ns
        # Phases sit on a grid of the shared wall clock, not on this user's start
        # time: all senders (in every worker process) then interleave the same
        # way in every run, so identical configurations see identical arrival
        # patterns instead of a different random bunching each run.
        wall_now, mono_now = time_ns(), monotonic_ns()
        phase_ns = int(interval_ns * ((sender * GOLDEN) % 1.0))
        first_wall = (wall_now // interval_ns + 1) * interval_ns + phase_ns
        t0 = mono_now + (first_wall - wall_now)
        k = 0
        while not self._stopping:
            due = t0 + k * interval_ns
            now = monotonic_ns()
            if due > now:
                gevent.sleep((due - now) / 1e9)
                now = monotonic_ns()
            if agent.window_over(time_ns()):
                return
            room = rooms[k % len(rooms)]
            k += 1
            client = self.client
            if client is None or not client.connected or not joined(room):
                continue  # not a member right now (churn): the server would refuse it
            seq = seqs[room]
            seqs[room] = seq + 1
            t_ns = time_ns()
            message = {"room": room, "sender": sender, "seq": seq, "t_ns": t_ns, "pad": pad}
            record_send(room, t_ns, (now - due) // 1000)
            try:
                client.emit(behaviour.send_event, dumps(message) if echo else message)
            except OSError:
                self.recorder.count("errors")

    def _idle(self) -> None:
        self._stopped.wait()

    # -- churn ----------------------------------------------------------------------
    def _churn_loop(self) -> None:
        churn = self.scenario.churn
        leave_per_s = churn.leave_rejoin_per_user_per_min / 60.0 if self.behaviour.rooms else 0.0
        reconnect_per_s = churn.reconnect_per_user_per_min / 60.0
        total_per_s = leave_per_s + reconnect_per_s
        if total_per_s <= 0:
            return
        rng = random.Random(self.index)
        while not self._stopping:
            gevent.sleep(rng.expovariate(total_per_s))
            if self.agent.window_over(time.time_ns()):
                return
            if rng.random() * total_per_s < leave_per_s:
                room = rng.choice(self.rooms)
                if self._leave(room):
                    self._join([room])
            else:
                self._reconnect()

    def _reconnect(self) -> None:
        client = self.client
        if client is not None:
            self.ledger.disconnected(time.time_ns())
            client.close()
        self.recorder.count("reconnects")
        deadline = time.monotonic() + self.scenario.join_timeout_s
        while not self._stopping and not self._connect_and_join():
            if time.monotonic() > deadline:
                return
            gevent.sleep(1.0)


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
