"""Which rooms each local client is in, and how many local members each room has.

python-socketio's manager is the source of truth for delivery, but it can only
answer "which rooms is sid in?" by scanning every room, which the per-client
room limit and the member check of every ``room_message`` would pay on each
event. This index answers both in O(1). It is updated only by the handlers
(join, leave, connect, disconnect), right after the manager is, and holds only
this node's clients: with a Redis queue, other nodes keep their own.
"""

from __future__ import annotations

from collections.abc import Set


class Membership:
    """sid -> rooms joined, and room -> local member count."""

    def __init__(self) -> None:
        self._rooms_by_sid: dict[str, set[str]] = {}
        self._members_by_room: dict[str, int] = {}

    def connect(self, sid: str) -> None:
        self._rooms_by_sid.setdefault(sid, set())

    def disconnect(self, sid: str) -> set[str]:
        """Forget ``sid``; return the rooms it was in."""
        rooms = self._rooms_by_sid.pop(sid, set())
        for room in rooms:
            self._forget_member(room)
        return rooms

    def add(self, sid: str, room: str) -> bool:
        """Record ``sid`` in ``room``; False when it already was (or is not connected)."""
        rooms = self._rooms_by_sid.get(sid)
        if rooms is None or room in rooms:
            return False
        rooms.add(room)
        self._members_by_room[room] = self._members_by_room.get(room, 0) + 1
        return True

    def remove(self, sid: str, room: str) -> bool:
        """Take ``sid`` out of ``room``; False when it was not in it."""
        rooms = self._rooms_by_sid.get(sid)
        if rooms is None or room not in rooms:
            return False
        rooms.discard(room)
        self._forget_member(room)
        return True

    def rooms_of(self, sid: str) -> Set[str]:
        return self._rooms_by_sid.get(sid, frozenset())

    def is_member(self, sid: str, room: str) -> bool:
        rooms = self._rooms_by_sid.get(sid)
        return rooms is not None and room in rooms

    @property
    def client_count(self) -> int:
        return len(self._rooms_by_sid)

    @property
    def room_count(self) -> int:
        """Rooms with at least one local member."""
        return len(self._members_by_room)

    def _forget_member(self, room: str) -> None:
        left = self._members_by_room.get(room, 0) - 1
        if left > 0:
            self._members_by_room[room] = left
        else:
            self._members_by_room.pop(room, None)
