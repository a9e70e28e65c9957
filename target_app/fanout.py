"""The local fan-out: python-socketio's ``Manager`` plus delivery counts and faults.

python-socketio encodes a room emit once and queues it to each local
participant (``Manager.emit``). This subclass counts those packets for
``/stats`` and, when fault injection is on, takes over the fan-out of
``room_message`` to drop or delay each delivery.

With a Redis queue, ``PubSubManager.emit`` publishes and then calls
``super().emit`` for the local fan-out, both for its own emits and for those
received from other nodes. ``redis_queue`` therefore combines the Redis
manager with this class *below* ``PubSubManager`` in the method resolution
order, so that ``super().emit`` lands here on every node: faults and counts
then apply to each node's own deliveries, never to the publish.

It also keeps an index of the rooms each sid is in. python-socketio's
``basic_disconnect`` finds a client's rooms by copying and scanning every
room of the namespace (every client has its own sid room, so the cost grows
with the number of clients, for each disconnect): 2,000 clients disconnecting
at once cost millions of dictionary probes while holding the GIL.
``basic_disconnect`` here leaves exactly the indexed rooms and then does
upstream's remaining bookkeeping (callbacks, pending connects/disconnects).
"""

from __future__ import annotations

from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet

from target_app.faults import FaultInjector
from target_app.protocol import ROOM_MESSAGE
from target_app.stats import Counters


class FanoutManager(socketio.Manager):
    """A ``socketio.Manager`` that counts deliveries and applies ``faults``.

    Both arguments default to None (a private ``Counters``, no faults), so the
    class can sit in a cooperative ``__init__`` chain that passes no arguments.
    """

    def __init__(
        self, counters: Counters | None = None, faults: FaultInjector | None = None
    ) -> None:
        super().__init__()
        self.counters = counters if counters is not None else Counters()
        self.faults = faults
        self._rooms_of: dict[tuple[str, str], set[Any]] = {}

    def basic_enter_room(
        self, sid: str, namespace: str, room: Any, eio_sid: str | None = None
    ) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self._rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        super().basic_leave_room(sid, namespace, room)
        rooms = self._rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self._rooms_of[(namespace, sid)]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        """Upstream's ``basic_disconnect`` without its scan of every room."""
        if namespace not in self.rooms:
            return
        for room in list(self._rooms_of.pop((namespace, sid), ())):
            super().basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]

    def emit(  # type: ignore[override]
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        if self.faults is not None and event == ROOM_MESSAGE and room is not None and not callback:
            if self.faults.delay_s > 0:
                # One background task per message, not a sleep in the handler:
                # a sleeping handler would cap throughput at 1000/delay_ms.
                self.faults.message_delayed()
                self.server.start_background_task(
                    self._deliver_later, event, data, namespace, room, skip_sid
                )
            else:
                self._deliver_with_faults(event, data, namespace, room, skip_sid)
            return
        self.counters.emitted(event, self._recipient_count(namespace, room, skip_sid))
        super().emit(
            event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, **kwargs
        )

    def _recipient_count(self, namespace: str, room: Any, skip_sid: Any) -> int:
        members = self.rooms.get(namespace, {})
        if isinstance(room, (str, type(None))):
            count = len(members.get(room, ()))
            if skip_sid is not None and count:
                skipped = skip_sid if isinstance(skip_sid, list) else [skip_sid]
                count -= sum(1 for sid in skipped if sid in members[room])
            return count
        return sum(1 for _ in self.get_participants(namespace, room))

    def _deliver_later(
        self, event: str, data: Any, namespace: str, room: Any, skip_sid: Any
    ) -> None:
        assert self.faults is not None
        self.server.sleep(self.faults.delay_s)
        # Membership is read now, at delivery time, as a slow server would.
        self._deliver_with_faults(event, data, namespace, room, skip_sid)

    def _deliver_with_faults(
        self, event: str, data: Any, namespace: str, room: Any, skip_sid: Any
    ) -> None:
        """``Manager.emit``'s encode-once fan-out, with a keep/drop decision per recipient."""
        assert self.faults is not None
        if namespace not in self.rooms:
            return
        args = list(data) if isinstance(data, tuple) else [data]
        skipped = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        encoded = self.server.packet_class(
            packet.EVENT, namespace=namespace, data=[event, *args]
        ).encode()
        frames = [
            eio_packet.Packet(eio_packet.MESSAGE, part)
            for part in (encoded if isinstance(encoded, list) else [encoded])
        ]
        sent = 0
        for sid, eio_sid in list(self.get_participants(namespace, room)):
            if sid in skipped or not self.faults.keep():
                continue
            for frame in frames:
                self.server._send_eio_packet(eio_sid, frame)
            sent += 1
        self.counters.emitted(event, sent)
