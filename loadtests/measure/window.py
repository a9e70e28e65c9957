"""The measurement window and the master's decision of when it opens and closes.

Measurement rule 4 (docs/measurement.md): the window starts after every user
has connected and joined
(ack received) and a warm-up has passed; only messages sent inside it count;
a drain period after it collects in-flight deliveries. ``WindowPlanner`` is the
master's state machine for that, pure and clock-injected so it is tested
without Locust: workers report how many of their users have joined, the
planner answers what to do next (open the window, flush, give up).

The window starts on a whole second and lasts a whole number of seconds, so
per-second buckets keyed by absolute send second (``t_ns // 1e9``) fall wholly
inside or outside it: workers never need to know the window to count, and
the master sums whole buckets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from loadtests.model.results import WindowDoc
from loadtests.units import NS_PER_S

MIN_WARMUP_S = 0.5  # time for the window message to reach every worker first


@dataclass(frozen=True)
class Window:
    """``[start_ns, end_ns)`` in Unix ns; both on whole seconds."""

    start_ns: int
    end_ns: int
    warmup_s: float
    drain_s: float

    @property
    def start_s(self) -> int:
        return self.start_ns // NS_PER_S

    @property
    def end_s(self) -> int:
        return self.end_ns // NS_PER_S

    @property
    def duration_s(self) -> float:
        return (self.end_ns - self.start_ns) / NS_PER_S

    @property
    def drain_end_ns(self) -> int:
        return self.end_ns + int(self.drain_s * NS_PER_S)

    def contains(self, t_ns: int) -> bool:
        return self.start_ns <= t_ns < self.end_ns

    def phase(self, second: int) -> str:
        """``warmup``, ``window`` or ``drain`` for an absolute send second."""
        if second < self.start_s:
            return "warmup"
        return "window" if second < self.end_s else "drain"

    def to_dict(self) -> WindowDoc:
        return {
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "duration_s": self.duration_s,
            "warmup_s": self.warmup_s,
            "drain_s": self.drain_s,
        }

    @classmethod
    def from_dict(cls, doc: WindowDoc) -> Window:
        return cls(
            int(doc["start_ns"]), int(doc["end_ns"]), float(doc["warmup_s"]), float(doc["drain_s"])
        )


def plan_window(now_ns: int, warmup_s: float, window_s: float, drain_s: float) -> Window:
    """The window that opens ``warmup_s`` (at least 0.5 s) after ``now_ns``, on a whole second."""
    start_ns = math.ceil((now_ns + max(warmup_s, MIN_WARMUP_S) * NS_PER_S) / NS_PER_S) * NS_PER_S
    end_ns = start_ns + math.ceil(window_s) * NS_PER_S
    return Window(start_ns, end_ns, warmup_s, drain_s)


class Step(Enum):
    WAIT = "wait"
    OPEN = "open"  # send the window to every worker
    FLUSH = "flush"  # ask every worker for its final report
    DONE = "done"  # flush answered (or timed out): write the results


@dataclass
class WindowPlanner:
    """The master's view: joined users per worker, the window, the flush.

    ``users`` is how many Locust users the test runs; the join clock starts at
    ``started_ns`` (spawning complete). Call ``poll(now_ns)`` often; act on the
    returned step. ``incomplete`` collects reasons the result cannot be trusted.
    """

    users: int
    warmup_s: float
    window_s: float
    drain_s: float
    join_timeout_s: float = 60.0
    flush_timeout_s: float = 15.0
    started_ns: int | None = None
    joined: dict[str, int] = field(default_factory=dict)
    window: Window | None = None
    flush_sent_ns: int | None = None
    flushing: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    incomplete: list[str] = field(default_factory=list)
    done: bool = False

    @property
    def joined_total(self) -> int:
        return sum(self.joined.values())

    def on_joined(self, worker: str, count: int) -> None:
        self.joined[worker] = count

    def start_join_clock(self, now_ns: int) -> None:
        if self.started_ns is None:
            self.started_ns = now_ns

    def poll(self, now_ns: int, workers: set[str]) -> Step:
        if self.done:
            return Step.WAIT
        if self.flush_sent_ns is not None:
            missing = self.flushing - self.answered
            if not missing:
                self.done = True
                return Step.DONE
            if now_ns - self.flush_sent_ns > self.flush_timeout_s * NS_PER_S:
                self.incomplete.append(
                    f"{len(missing)} worker(s) did not answer the flush within "
                    f"{self.flush_timeout_s:.0f} s: " + ", ".join(sorted(missing))
                )
                self.done = True
                return Step.DONE
            return Step.WAIT
        if self.window is None:
            if self.users > 0 and self.joined_total >= self.users:
                self.window = plan_window(now_ns, self.warmup_s, self.window_s, self.drain_s)
                return Step.OPEN
            if (
                self.started_ns is not None
                and now_ns - self.started_ns > self.join_timeout_s * NS_PER_S
            ):
                self.incomplete.append(
                    f"only {self.joined_total} of {self.users} users joined within "
                    f"{self.join_timeout_s:.0f} s"
                )
                return self._flush(now_ns, workers)
            return Step.WAIT
        if now_ns >= self.window.drain_end_ns:
            return self._flush(now_ns, workers)
        return Step.WAIT

    def stop_early(self, now_ns: int, workers: set[str], reason: str) -> Step:
        """The test is being stopped before the flush: flush now, flagged incomplete."""
        if self.flush_sent_ns is not None or self.done:
            return Step.WAIT
        self.incomplete.append(reason)
        return self._flush(now_ns, workers)

    def finish(self, now_ns: int, workers: set[str]) -> Step:
        """A stepped session is over: flush now. The run's window ends ``drain_s`` before
        ``now_ns`` (on a whole second), so its late sends had a drain to arrive."""
        if self.flush_sent_ns is not None or self.done:
            return Step.WAIT
        if self.window is not None:
            end_ns = now_ns - int(self.drain_s * NS_PER_S)
            end_ns = min(self.window.end_ns, end_ns - end_ns % NS_PER_S)
            end_ns = max(self.window.start_ns + NS_PER_S, end_ns)
            self.window = Window(self.window.start_ns, end_ns, self.warmup_s, self.drain_s)
        return self._flush(now_ns, workers)

    def on_final(self, worker: str) -> None:
        self.answered.add(worker)

    def _flush(self, now_ns: int, workers: set[str]) -> Step:
        self.flush_sent_ns = now_ns
        self.flushing = set(workers)
        return Step.FLUSH
