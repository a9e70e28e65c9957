"""Membership churn: Poisson leave/re-join and reconnect events per user.

A separate greenlet per user (owned by the user, killed on stop), so churn
never delays the send schedule.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import gevent

from loadtests.model.churn import Churn
from loadtests.users.session import Session


def run_churn(
    index: int,
    churn: Churn,
    joins_rooms: bool,
    rooms: list[str],
    session: Session,
    window_over: Callable[[int], bool],
) -> None:
    """Leave and re-join a room, or reconnect, at the churn's rates until the window ends."""
    leave_per_s = churn.leave_rejoin_per_user_per_min / 60.0 if joins_rooms else 0.0
    reconnect_per_s = churn.reconnect_per_user_per_min / 60.0
    total_per_s = leave_per_s + reconnect_per_s
    if total_per_s <= 0:
        return
    rng = random.Random(index)
    while not session.stopping:
        gevent.sleep(rng.expovariate(total_per_s))
        if window_over(time.time_ns()):
            return
        if not session.connected:
            continue  # dropped: the session is coming back by itself
        if rng.random() * total_per_s < leave_per_s:
            room = rng.choice(rooms)
            if session.leave(room):
                session.join([room])
        else:
            session.reconnect_on_purpose()
