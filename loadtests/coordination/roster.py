"""The master's roster of workers: who was given users, who is still there.

Every worker that received a slot at test start is expected to report until
the end. Locust marks a worker ``missing`` after a few seconds without a
heartbeat (crash, OOM, a stalled process) and forgets one that quits; either
way its receivers' deliveries stop arriving while their memberships stay
expected, so the loss is counted (measurement rule 5) and the result is
``incomplete`` (rule 7), with the worker and the time it was last seen.
"""

from __future__ import annotations

import time
from typing import Any

from locust.runners import STATE_MISSING, LocalRunner

from loadtests.coordination.messages import LOCAL_ID
from loadtests.model import layout


class WorkerRoster:
    """Slots given at test start, and which of those workers went missing (and when)."""

    def __init__(self, runner: Any) -> None:
        self.runner = runner
        self.local = isinstance(runner, LocalRunner)
        self.slots: dict[str, list[int]] = {}
        self.names: dict[str, str] = {}
        self.lost_ns: dict[str, int] = {}

    def assign(self) -> dict[str, list[int]]:
        """Give every current worker its (rank, W) slot, in the dispatcher's order."""
        order = self._dispatch_order()
        self.slots = {worker: [rank, len(order)] for rank, worker in enumerate(order)}
        self.names = {
            w: (LOCAL_ID if self.local else f"worker-{rank}") for w, (rank, _) in self.slots.items()
        }
        self.lost_ns = {}
        return self.slots

    def alive(self) -> set[str]:
        """Workers able to answer now (ready, spawning or running)."""
        if self.local:
            return {LOCAL_ID}
        clients = self.runner.clients
        return {c.id for c in clients.ready + clients.spawning + clients.running}

    def check(self, now_ns: int | None = None) -> list[str]:
        """Note roster workers that are missing or gone; return those newly lost."""
        if self.local:
            return []
        now_ns = time.time_ns() if now_ns is None else now_ns
        clients = self.runner.clients
        newly = []
        for worker in self.slots:
            if worker in self.lost_ns:
                continue
            node = clients.get(worker)
            if node is None or node.state == STATE_MISSING:
                self.lost_ns[worker] = now_ns
                newly.append(worker)
        return newly

    def lost_reasons(self, window_start_ns: int | None) -> list[str]:
        """One line per lost worker, with when it was noticed relative to the window."""
        reasons = []
        for worker, t_ns in sorted(self.lost_ns.items(), key=lambda item: item[1]):
            when = (
                f"at t = {(t_ns - window_start_ns) / 1e9:+.1f} s"
                if window_start_ns is not None
                else "before the window opened"
            )
            reasons.append(
                f"{self.names.get(worker, worker)} stopped reporting {when} "
                "(missed heartbeats or quit): its users' deliveries after that are lost"
            )
        return reasons

    def _dispatch_order(self) -> list[str]:
        if self.local:
            return [LOCAL_ID]
        dispatcher = getattr(self.runner, "_users_dispatcher", None)
        nodes = getattr(dispatcher, "_worker_nodes", None)
        if nodes:  # the dispatcher's actual order (created just before test_start fires)
            return [n.id for n in nodes]
        return layout.dispatch_order(sorted(self.alive()))
