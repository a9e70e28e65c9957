"""Membership churn: the ``[load.churn]`` table, a frozen value.

Parsed and range-checked with the load it belongs to (``loadtests.model.load``,
keys ``scenario.churn.*``); the users' churn greenlet (``loadtests.users.churn``)
acts on it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Churn:
    """Membership churn per user, as Poisson rates (0 = none, the default).

    ``leave_rejoin_per_user_per_min``: leave one of the user's rooms and join it again.
    ``reconnect_per_user_per_min``: close the connection, reconnect, re-join every room
    (a new sid has no rooms).
    """

    leave_rejoin_per_user_per_min: float = 0.0
    reconnect_per_user_per_min: float = 0.0

    @property
    def enabled(self) -> bool:
        return self.leave_rejoin_per_user_per_min > 0 or self.reconnect_per_user_per_min > 0
