"""What the capacity search raises: offered deliveries/s, users, room size or idle connections.

An axis turns a load number into the step's ``Load`` and says how to read
the answer. ``rate`` keeps users and rooms and raises each sender's rate
(load = offered deliveries/s); ``users`` adds users at the scenario's room
size and rate (load = users); ``room_size`` regroups the same users into
fewer, larger rooms (load = members per room); ``connections`` connects idle
users that join and stay silent (load = connections), judged on connect time,
errors and the node's memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from loadtests.model.load import MAX_RATE_PER_SENDER_PER_S, Load


def offered_messages_per_s(scenario: Load) -> float:
    return scenario.senders * scenario.rate_per_sender_per_s


def _rate(base: Load, deliveries_per_s: float) -> Load:
    per_sender = deliveries_per_s / (base.senders * base.room_size)
    return replace(base, rate_per_sender_per_s=min(per_sender, MAX_RATE_PER_SENDER_PER_S))


def _users(base: Load, users: float) -> Load:
    n = int(users)
    size = base.room_size
    rooms = max(1, round(n * base.rooms_per_user / size))
    return replace(base, users=n, senders=n, rooms=rooms)


def _room_size(base: Load, members: float) -> Load:
    rooms = max(1, round(base.users * base.rooms_per_user / members))
    return replace(base, rooms=rooms, rooms_per_user=min(base.rooms_per_user, rooms))


def _connections(base: Load, connections: float) -> Load:
    n = int(connections)
    return replace(base, users=n, senders=0, rooms=max(1, min(base.rooms, n)))


@dataclass(frozen=True)
class Axis:
    """``scenario(base, load)`` is the step's load; ``start(base)`` the first step's load."""

    name: str
    unit: str
    integer: bool
    scenario: Callable[[Load, float], Load]
    start: Callable[[Load], float]
    default_slo: str
    reuses_cluster: bool = True
    reuses_users: bool = False  # only the rate changes: a stepped session keeps the users


AXES: dict[str, Axis] = {
    "rate": Axis(
        "rate",
        "deliveries/s",
        False,
        _rate,
        lambda s: s.offered_deliveries_per_s,
        "fanout_p99<=10ms,lost=0",
        reuses_users=True,
    ),
    "users": Axis(
        "users", "users", True, _users, lambda s: float(s.users), "fanout_p99<=10ms,lost=0"
    ),
    "room_size": Axis(
        "room_size",
        "members/room",
        True,
        _room_size,
        lambda s: s.room_size,
        "fanout_p99<=10ms,lost=0",
    ),
    "connections": Axis(
        "connections",
        "connections",
        True,
        _connections,
        lambda s: float(s.users),
        "connect_p99<=1s,errors=0",
    ),
}
