"""Opt-in fault injection: decide which room-message deliveries to drop or delay.

Used only to prove that the harness measures truly (a run with 10 % drops must
report 10 % lost; a 50 ms delay must move every percentile by 50 ms). The
decisions live here; ``fanout`` applies them at the local fan-out, one
decision per recipient, so with a Redis queue every node drops and delays its
own deliveries independently. Drops come from one ``random.Random(seed)``, so
a single node with one sender replays the same drop pattern for the same seed.
"""

from __future__ import annotations

import random
import threading
import time

from target_app.config import FaultPlan
from target_app.replies import FaultsDescription


class FaultInjector:
    """Per-delivery drop decisions and the counts of what was dropped and delayed."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.delay_s = plan.delay_ms / 1000.0
        self._random = random.Random(plan.seed)
        # One lock serialises the generator and the counters: threading mode
        # fans out from many threads, and random.Random is not thread-safe.
        self._lock = threading.Lock()
        self._dropped = 0
        self._delivered = 0
        self._delayed_messages = 0

    def keep(self) -> bool:
        """Decide one delivery: True to send it, False to drop it."""
        with self._lock:
            if self.plan.drop_rate > 0 and self._random.random() < self.plan.drop_rate:
                self._dropped += 1
                return False
            self._delivered += 1
            return True

    def burn_cpu(self) -> None:
        """Busy-wait ``cpu_ms`` of this thread's CPU time (not wall time: a
        preempted handler still burns the whole amount)."""
        if self.plan.cpu_ms <= 0:
            return
        end = time.thread_time() + self.plan.cpu_ms / 1000.0
        while time.thread_time() < end:
            pass

    def message_delayed(self) -> None:
        with self._lock:
            self._delayed_messages += 1

    def describe(self) -> FaultsDescription:
        """The faults in force and their effect so far (part of ``/stats``)."""
        with self._lock:
            return {
                "delay_ms": self.plan.delay_ms,
                "cpu_ms": self.plan.cpu_ms,
                "drop_rate": self.plan.drop_rate,
                "seed": self.plan.seed,
                "dropped": self._dropped,
                "delivered": self._delivered,
                "delayed_messages": self._delayed_messages,
            }

    def banner(self) -> str:
        """The start-up warning line naming every fault in force."""
        return (
            f"FAULT INJECTION ON: room_message deliveries delayed {self.plan.delay_ms} ms, "
            f"dropped with probability {self.plan.drop_rate} (seed {self.plan.seed}), "
            f"{self.plan.cpu_ms} ms of CPU burnt per room_message; "
            "measurements of this node are deliberately degraded"
        )
