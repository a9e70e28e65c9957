"""Lost deliveries as Locust failures, so Locust's header and Failures tab count them.

Locust's failure ratio is ``failures / requests`` over its request events.
Deliveries reach those statistics only as a 1-in-32 sample of latencies (for
Locust's charts), and losses not at all, so with 5 % of deliveries dropped the
header said ``Failures 0%``. The master (which alone has every process's
counts) therefore adds one statistics entry, ``WS deliveries``:

* one ``request`` event per settled window second (no flood: one a second),
  with a ``LostDeliveries`` exception when that second lost any; the Failures
  tab's one ``LostDeliveries`` row counts every lost delivery in its
  occurrences;
* the rest of each count added to the same entry (and Locust's total) as
  requests without a response time and as failures, so that, summed with the
  sampled latency events, the requests for deliveries equal the expected
  deliveries and the failures equal the lost ones. The header then reads
  ``lost / expected`` (plus connects and joins, which are real requests too).

A second is fed once it is settled (``live.settled_seconds``); when the
results file is written, the remainder up to its counters is fed, so the
entry's totals end equal to the results' ``expected`` and ``lost``.
"""

from __future__ import annotations

import logging
from typing import Any

from locust.stats import StatsError

from loadtests.webui.live import SettledSecond

log = logging.getLogger("roombench")
REQUEST_TYPE = "WS"
NAME = "deliveries"
SAMPLED_KINDS = ("fanout", "self")  # the agent's latency samples, one event each
LOST_MESSAGE = "expected deliveries never arrived (counted by the master after the drain)"


class LostDeliveries(Exception):
    """Expected deliveries that never arrived; one per lost delivery in Locust's counts."""


class LossFeed:
    """Feeds settled seconds and final counters into Locust's request statistics."""

    def __init__(self, environment: Any) -> None:
        self.environment = environment
        self.reset()

    def reset(self) -> None:
        self.fed_seconds: set[int] = set()
        self.expected = 0
        self.lost = 0
        self.finished = False

    @property
    def stats(self) -> Any:
        return self.environment.runner.stats

    def feed_seconds(self, seconds: list[SettledSecond]) -> None:
        for second in seconds:
            if second.second in self.fed_seconds:
                continue
            self.fed_seconds.add(second.second)
            self._feed(second.expected, second.lost)

    def finish(self, counters: dict[str, int]) -> None:
        """Feed what the settled seconds did not cover, up to the results' counters."""
        if self.finished:
            return
        self.finished = True
        expected = counters["expected"] - self.expected
        lost = counters["lost"] - self.lost
        if expected < 0 or lost < 0:
            # A late delivery after its second was settled: the live count ran ahead.
            log.warning(
                "roombench: Locust's deliveries entry counted %d expected / %d lost, the "
                "results %d / %d; the results are right",
                self.expected,
                self.lost,
                counters["expected"],
                counters["lost"],
            )
        self._feed(max(0, expected), max(0, lost))

    def _feed(self, expected: int, lost: int) -> None:
        if expected <= 0 and lost <= 0:
            return
        self.environment.events.request.fire(
            request_type=REQUEST_TYPE,
            name=NAME,
            response_time=None,
            response_length=0,
            exception=LostDeliveries(LOST_MESSAGE) if lost else None,
            context={},
        )
        self.expected += expected
        self.lost += lost
        stats = self.stats
        entry = stats.get(NAME, REQUEST_TYPE)
        if lost > 1:
            extra_failures = lost - 1  # the event above counted one
            entry.num_failures += extra_failures
            stats.total.num_failures += extra_failures
            error = stats.errors.get(
                StatsError.create_key(REQUEST_TYPE, NAME, LostDeliveries(LOST_MESSAGE))
            )
            if error is not None:
                error.occurrences += extra_failures
        sampled = sum(
            stats.entries[(kind, REQUEST_TYPE)].num_requests
            for kind in SAMPLED_KINDS
            if (kind, REQUEST_TYPE) in stats.entries
        )
        missing = self.expected - sampled - entry.num_requests
        if missing > 0:
            for target in (entry, stats.total):
                target.num_requests += missing
                target.num_none_requests += missing
