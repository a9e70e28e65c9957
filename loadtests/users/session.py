"""One user's connection: connect, join, leave, and coming back after a drop.

The harness ends a membership only when it leaves or closes on purpose
(churn, the end of the test). Any other close — the server closed it, a reset,
a node died, a ping timed out — is a *drop*: the user's memberships stay
expected (``ReceiverLedger.dropped``, measurement rule 5), the drop is counted,
and the user reconnects the way a socket.io client does (``backoff``: 1 s,
doubling to 5 s, with jitter), to the same node or to the next live one as a
load balancer would (``Load.reconnect``), re-joins its rooms, and is whole
again at the re-join ack. Drop-to-re-join is the reconnect time.

The server's ``Protocol`` (``scenario.protocol``) says how: the namespace,
auth, handshake query and headers, which event (if any) says the server is
ready, and the join and leave events and payloads. With ``join_ack = false``
a membership starts ``join_settle_ms`` after the join was sent (and ends that
long after the leave), since the server never confirms it.

The session owns its reconnect greenlet and kills it on ``stop``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import gevent
from gevent.event import Event

from loadtests.measure.accounting import ReceiverLedger
from loadtests.measure.recorder import Recorder
from loadtests.model.load import Load
from loadtests.users.backoff import delay_s
from loadtests.users.kinds import Kind
from loadtests.users.probe import ReceiveProbe
from loadtests.wire.client import ConnectError, SioClient


def ack_ok(args: list[Any]) -> bool:
    """An ack confirms unless it reads as a refusal (the reference's ``{"ok": false, ...}``)."""
    reply = args[0] if args else None
    return not (isinstance(reply, dict) and (reply.get("ok") is False or "error" in reply))


class Session:
    """User ``index``'s connection to ``urls[home]`` (or, after a drop, another node)."""

    def __init__(
        self,
        index: int,
        kind: Kind,
        rooms: list[str],
        urls: list[str],
        home: int,
        scenario: Load,
        recorder: Recorder,
        ledger: ReceiverLedger,
        window_over: Callable[[int], bool],
        probe: ReceiveProbe | None = None,
        now_ns: Callable[[], int] = time.time_ns,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = gevent.sleep,
        client_factory: Callable[..., SioClient] = SioClient,
    ) -> None:
        """``now_ns`` (default ``time.time_ns``), ``monotonic`` (``time.monotonic``) and
        ``sleep`` (``gevent.sleep``) are the session's clock, ``client_factory``
        (``SioClient``) makes its connections: tests pass fakes."""
        self.now_ns = now_ns
        self.monotonic = monotonic
        self.sleep = sleep
        self.client_factory = client_factory
        self.index = index
        self.protocol = scenario.protocol
        self.probe = probe
        self.kind = kind
        self.rooms = rooms
        self.urls = urls
        self.home = home
        self.scenario = scenario
        self.recorder = recorder
        self.ledger = ledger
        self.window_over = window_over
        self.client: SioClient | None = None
        self.stopping = False
        self._welcome = Event()
        self._welcome_ns = 0
        self._joined_ns = 0
        self._closing: SioClient | None = None  # a client the harness is closing itself
        self._reconnector: gevent.Greenlet | None = None
        self._rng = random.Random(index)

    @property
    def connected(self) -> bool:
        client = self.client
        return client is not None and client.connected

    # -- first connection -------------------------------------------------------------
    def start(self) -> bool:
        """Connect and join, retrying each second until ``join_timeout_s``."""
        deadline = self.monotonic() + self.scenario.join_timeout_s
        while not self.connect_and_join(self.urls[self.home]):
            if self.monotonic() > deadline or self.stopping:
                return False
            self.sleep(1.0)
        return True

    def stop(self) -> None:
        self.stopping = True
        if self._reconnector is not None:
            self._reconnector.kill(block=False)
        client = self.client
        if client is not None:
            self._closing = client
            client.close()

    def connect_and_join(self, url: str, refused: str = "errors") -> bool:
        """Connect to ``url`` and join; a failed connect counts under ``refused``."""
        recorder = self.recorder
        start_ns = self.now_ns()
        self._welcome.clear()
        protocol = self.protocol
        auth, query, headers = protocol.connect_options(self.index)
        handlers = {
            self.kind.receive_event: self.kind.receiver(self.ledger, recorder.count),
            "error": self._on_error_event,
        }
        if protocol.welcome_event:
            handlers[protocol.welcome_event] = self._on_welcome
        client: SioClient = self.client_factory(
            url,
            handlers,
            on_close=lambda reason: self._on_close(client, reason),
            stats=recorder.receive_stats,
            namespace=protocol.namespace,
            auth=auth,
            query=query,
            headers=headers,
            on_other=self.probe.note_other if self.probe is not None else None,
        )
        try:
            client.connect(timeout_s=self.scenario.join_timeout_s)
        except ConnectError:
            recorder.count(refused)
            return False
        self.client = client
        recorder.connected += 1
        recorder.count("connects")
        if not protocol.welcome_event:  # ready at the namespace connect
            self._on_welcome(None, self.now_ns())
        if not self._welcome.wait(self.scenario.join_timeout_s):
            recorder.count("errors")
            self._close_on_purpose(client)
            return False
        recorder.connect_us.append((self._welcome_ns - start_ns) // 1000)
        if not self.kind.joins_rooms:
            room = self.rooms[0]
            self.ledger.join_sent(room, start_ns)
            self.ledger.join_acked(room, self._welcome_ns)
            self._joined_ns = self._welcome_ns
            return True
        if self.join(self.rooms):
            return True
        self._close_on_purpose(client)
        return False

    def _on_welcome(self, _data: Any, recv_ns: int) -> None:
        self._welcome_ns = recv_ns
        self._welcome.set()

    def _on_error_event(self, _data: Any, _recv_ns: int) -> None:
        self.recorder.count("errors")

    # -- membership -------------------------------------------------------------------
    def join(self, rooms: list[str]) -> bool:
        client = self.client
        if client is None:
            return False
        protocol = self.protocol
        payloads = protocol.join_payloads(rooms, self.index)
        done = Event()
        answers: list[bool] = []
        sent_ns = self.now_ns()
        ledger = self.ledger

        def acked(args: list[Any], recv_ns: int) -> None:
            answers.append(ack_ok(args))
            if len(answers) < len(payloads):
                return  # one join per room: whole at the last ack
            if all(answers):
                for room in rooms:
                    ledger.join_acked(room, recv_ns)
                self.recorder.join_us.append((recv_ns - sent_ns) // 1000)
                self._joined_ns = recv_ns
            else:
                self.recorder.count("errors")
            done.set()

        for room in rooms:
            ledger.join_sent(room, sent_ns)
        try:
            for payload in payloads:
                if protocol.join_ack:
                    client.call(protocol.join_event, payload, acked)
                else:
                    client.emit(protocol.join_event, payload)
        except OSError:
            self.recorder.count("errors")
            return False
        if not protocol.join_ack:
            # No confirmation exists: joined once the settle time has passed (no join latency).
            self.sleep(protocol.join_settle_ms / 1000)
            if client is not self.client:
                return False
            now_ns = self.now_ns()
            for room in rooms:
                ledger.join_acked(room, now_ns)
            self._joined_ns = now_ns
            return True
        if not done.wait(self.scenario.join_timeout_s) or not all(answers):
            self.recorder.count("errors")
            return False
        return True

    def leave(self, room: str) -> bool:
        client = self.client
        if client is None:
            return False
        done = Event()
        ledger = self.ledger

        def acked(_args: list[Any], _recv_ns: int) -> None:
            ledger.leave_acked(room)
            done.set()

        protocol = self.protocol
        payload = protocol.leave_payload_for(room, self.index)
        ledger.leave_sent(room, self.now_ns())
        try:
            if protocol.join_ack:
                client.call(protocol.leave_event, payload, acked)
            else:
                client.emit(protocol.leave_event, payload)
        except OSError:
            return False
        if not protocol.join_ack:
            self.sleep(protocol.join_settle_ms / 1000)
            ledger.leave_acked(room)
            return True
        return done.wait(self.scenario.join_timeout_s) is True

    # -- closing and coming back ----------------------------------------------------------
    def reconnect_on_purpose(self) -> None:
        """Churn: close, reconnect and re-join everything (a new sid has no rooms)."""
        client = self.client
        if client is not None:
            self.ledger.disconnected(self.now_ns())
            self._close_on_purpose(client)
        self.recorder.count("reconnects")
        deadline = self.monotonic() + self.scenario.join_timeout_s
        while not self.stopping and not self.connect_and_join(self.urls[self.home]):
            if self.monotonic() > deadline:
                return
            self.sleep(1.0)

    def _close_on_purpose(self, client: SioClient) -> None:
        self._closing = client
        client.close()

    def _on_close(self, client: SioClient, _reason: str) -> None:
        if client is not self.client:
            return  # a connect attempt that never succeeded
        self.recorder.connected -= 1
        self.recorder.count("disconnects")
        self.client = None
        if client is self._closing or self.stopping:
            return
        now_ns = self.now_ns()
        self.ledger.dropped(now_ns)
        self.recorder.record_drop(now_ns)
        if self._reconnector is None or self._reconnector.dead:
            self._reconnector = gevent.spawn(self._come_back, now_ns)

    def _come_back(self, dropped_ns: int) -> None:
        """Reconnect with socket.io-client's backoff until re-joined, stopped or the window ends."""
        attempt = 0
        while not self.stopping and not self.window_over(self.now_ns()):
            self.sleep(delay_s(attempt, self._rng))
            attempt += 1
            if self.stopping:
                return
            self.recorder.count("reconnects")
            # A node that is down refuses: expected after a drop, not an error.
            if self.connect_and_join(self._url_for(attempt), refused="reconnect_failures"):
                if self.ledger.rejoined():
                    self.recorder.record_rejoin(dropped_ns, self._joined_ns)
                return

    def _url_for(self, attempt: int) -> str:
        if self.scenario.reconnect == "any":
            # As a load balancer would: the next node, round robin, past the one that failed.
            return self.urls[(self.home + attempt) % len(self.urls)]
        return self.urls[self.home]
