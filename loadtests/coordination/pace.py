"""The process's pace: the rate per sender every sender of this process follows.

The worker's ``Agent`` owns one; a stepped session (``coordination.stepping``)
changes it between steps, and each sender's schedule (``users.schedule``) reads it.
"""

from __future__ import annotations


class Pace:
    """The process's current rate per sender; a stepped session changes it between steps.

    Each sender re-phases on its next wake-up (at most ``users.schedule.PACE_CHECK_NS`` later)
    onto the shared wall-clock grid of the new interval.
    """

    def __init__(self, rate_per_sender_per_s: float) -> None:
        self.rate = rate_per_sender_per_s
        self.epoch = 0

    def set(self, rate_per_sender_per_s: float) -> None:
        self.rate = rate_per_sender_per_s
        self.epoch += 1
