"""Clock offsets between the Locust master and its workers, NTP style. Pure.

Why: fan-out latency is the receiver's receive stamp minus the sender's
``t_ns`` (measurement rule 2). On one host both come from one
``CLOCK_REALTIME``; across hosts the difference also holds the offset between
the two clocks, easily several ms with ordinary NTP. So the master measures
every worker's offset against its own clock and corrects cross-host
latencies by the difference (measurement rule 8).

One round trip over Locust's message channel: the master stamps ``t0`` and
sends a ping; the worker stamps ``t1`` on receipt and ``t2`` as it answers
(its own clock); the master stamps ``t3`` on the answer. With ``a`` the
outbound and ``b`` the return delay and ``theta`` the true offset (worker
minus master)::

    offset = ((t1 - t0) + (t2 - t3)) / 2 = theta + (a - b) / 2
    rtt    = (t3 - t0) - (t2 - t1)       = a + b

so whatever the asymmetry, ``theta`` lies within ``offset +- rtt / 2``: half
the round trip is the uncertainty, and the sample with the lowest round trip
is the most certain. A round is a few pings in a row; the run keeps each
round's best sample (for drift) and the run's best (the offset used).

Offsets belong to clocks, not workers: workers on one host (same boot id) share
one clock, whose offset is the best sample of any of them, and workers on the
master's host have offset exactly 0. Latency between two workers of one host
needs no correction at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from loadtests.model.results import Clocks
from loadtests.model.results import WorkerClock as WorkerClockDoc
from loadtests.units import NS_PER_S, NS_PER_US

UNCERTAIN_FRACTION_OF_P50 = 0.10  # clock_uncertain above 10 % of fan-out p50


@dataclass(frozen=True)
class RoundTrip:
    """One ping/pong: ``t0``/``t3`` on the master's clock, ``t1``/``t2`` on the worker's (ns)."""

    t0_ns: int
    t1_ns: int
    t2_ns: int
    t3_ns: int

    @property
    def rtt_ns(self) -> int:
        return (self.t3_ns - self.t0_ns) - (self.t2_ns - self.t1_ns)

    @property
    def offset_ns(self) -> int:
        """Worker clock minus master clock, as this round trip estimates it."""
        return ((self.t1_ns - self.t0_ns) + (self.t2_ns - self.t3_ns)) // 2

    @property
    def uncertainty_ns(self) -> int:
        """Half the round trip (rounded up): the true offset is within this of ``offset_ns``."""
        return -(-max(0, self.rtt_ns) // 2)

    @property
    def master_mid_ns(self) -> int:
        return (self.t0_ns + self.t3_ns) // 2


def best(samples: Iterable[RoundTrip]) -> RoundTrip | None:
    """The sample with the lowest round trip (the earliest among equals), or None."""
    found: RoundTrip | None = None
    for sample in samples:
        if sample.rtt_ns < 0:
            continue  # impossible: a clock stepped mid-exchange; not evidence
        if found is None or sample.rtt_ns < found.rtt_ns:
            found = sample
    return found


@dataclass
class WorkerClock:
    """One worker's round trips, kept as the best sample of each round."""

    name: str
    rank: int
    host: str
    clock_id: str  # workers with equal ids share one clock (boot id; see clock_exchange)
    simulated_offset_ns: int = 0  # test-only: added to every stamp the worker took
    rounds: dict[int, RoundTrip] = field(default_factory=dict)
    samples: int = 0

    def add(self, round_index: int, sample: RoundTrip) -> None:
        self.samples += 1
        kept = self.rounds.get(round_index)
        if sample.rtt_ns >= 0 and (kept is None or sample.rtt_ns < kept.rtt_ns):
            self.rounds[round_index] = sample

    @property
    def best(self) -> RoundTrip | None:
        return best(self.rounds.values())

    @property
    def drift_ns(self) -> int | None:
        """Offset at the last round minus the first (None with fewer than two rounds)."""
        if len(self.rounds) < 2:
            return None
        ordered = [self.rounds[i] for i in sorted(self.rounds)]
        return ordered[-1].offset_ns - ordered[0].offset_ns

    @property
    def drift_uncertainty_ns(self) -> int | None:
        """How wrong ``drift_ns`` may be: the two rounds' uncertainties added."""
        if len(self.rounds) < 2:
            return None
        ordered = [self.rounds[i] for i in sorted(self.rounds)]
        return ordered[-1].uncertainty_ns + ordered[0].uncertainty_ns

    def significant_drift_ns(self) -> int:
        """The part of the drift beyond its uncertainty (0 when within it, or one round)."""
        drift, uncertainty = self.drift_ns, self.drift_uncertainty_ns
        if drift is None or uncertainty is None:
            return 0
        return max(0, abs(drift) - uncertainty)

    @property
    def span_s(self) -> float:
        if len(self.rounds) < 2:
            return 0.0
        mids = [r.master_mid_ns for r in self.rounds.values()]
        return (max(mids) - min(mids)) / NS_PER_S


@dataclass(frozen=True)
class HostClock:
    """The offset applied to every worker on one clock: exact 0 on the master's own host."""

    offset_ns: int
    uncertainty_ns: int
    measured: bool  # False: no sample reached the master (nothing to correct with)


class ClockTable:
    """Every worker's clock, and the correction a (sender, receiver) pair of workers needs.

    ``corrected`` False is the switch that disables correction (the test proves
    with it that an offset shows); the table still measures and reports.
    ``split`` says whether the workers filed fan-out per sender rank; without
    it nothing can be corrected, whatever the offsets.
    """

    def __init__(
        self,
        master_clock_id: str,
        workers: Iterable[WorkerClock],
        corrected: bool = True,
        split: bool = True,
    ) -> None:
        self.master_clock_id = master_clock_id
        self.workers = {w.rank: w for w in workers}
        self.corrected = corrected
        self.split = split
        self.hosts: dict[str, HostClock] = {}
        for clock_id in {w.clock_id for w in self.workers.values()}:
            self.hosts[clock_id] = self._host_clock(clock_id)

    def _host_clock(self, clock_id: str) -> HostClock:
        if clock_id == self.master_clock_id:
            return HostClock(0, 0, True)
        found = best(
            w.best for w in self.workers.values() if w.clock_id == clock_id and w.best is not None
        )
        if found is None:
            return HostClock(0, 0, False)
        return HostClock(found.offset_ns, found.uncertainty_ns, True)

    @property
    def cross_host(self) -> bool:
        """True when the workers run on more than one clock (cross-host pairs exist)."""
        return len(self.hosts) > 1

    def same_clock(self, sender_rank: int, receiver_rank: int) -> bool:
        s, r = self.workers.get(sender_rank), self.workers.get(receiver_rank)
        return s is None or r is None or s.clock_id == r.clock_id

    def correction_us(self, sender_rank: int, receiver_rank: int) -> int:
        """µs to subtract from a raw sender->receiver latency: receiver offset - sender offset.

        Raw latency = true latency + offset(receiver) - offset(sender). Zero for
        one clock, and when correction is switched off.
        """
        if not (self.corrected and self.split) or self.same_clock(sender_rank, receiver_rank):
            return 0
        s = self.hosts[self.workers[sender_rank].clock_id]
        r = self.hosts[self.workers[receiver_rank].clock_id]
        return round((r.offset_ns - s.offset_ns) / NS_PER_US)

    def pair_uncertainty_ns(self) -> int:
        """The largest uncertainty of any cross-host pair's correction (0 on one clock)."""
        ids = sorted(self.hosts)
        worst = 0
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                worst = max(worst, self.hosts[a].uncertainty_ns + self.hosts[b].uncertainty_ns)
        return worst

    def uncertain(self, fanout_p50_us: int) -> str | None:
        """Why the cross-host fan-out cannot be trusted, or None (always None on one clock)."""
        if not self.cross_host:
            return None
        reasons = []
        if not self.corrected:
            reasons.append("clock correction switched off: cross-host fan-out holds clock offsets")
        elif not self.split:
            reasons.append(
                "workers on different clocks share a hostname, so fan-out was not filed per "
                "worker and holds their clock offsets uncorrected; give each host its own name"
            )
        unmeasured = sorted(
            w.name for w in self.workers.values() if not self.hosts[w.clock_id].measured
        )
        if unmeasured:
            reasons.append(f"no clock sample from {', '.join(unmeasured)}: not corrected")
        limit_ns = UNCERTAIN_FRACTION_OF_P50 * fanout_p50_us * NS_PER_US
        uncertainty_ns = self.pair_uncertainty_ns()
        if uncertainty_ns > limit_ns:
            reasons.append(
                f"clock offset uncertainty {uncertainty_ns / NS_PER_US:.0f} µs is above "
                f"{UNCERTAIN_FRACTION_OF_P50:.0%} of fan-out p50 ({fanout_p50_us} µs)"
            )
        drifting = [
            f"{w.name} {w.drift_ns / NS_PER_US:+.0f} ± {w.drift_uncertainty_ns / NS_PER_US:.0f} µs"
            for w in self.workers.values()
            if w.drift_ns is not None
            and w.drift_uncertainty_ns is not None
            and w.clock_id != self.master_clock_id
            and w.significant_drift_ns() > limit_ns
        ]
        if drifting:
            reasons.append(
                "clock drift over the run, beyond its uncertainty, above that limit "
                "(one offset corrects the whole run): " + ", ".join(drifting)
            )
        return "; ".join(reasons) or None

    def to_schema(self) -> Clocks:
        """The results' ``clocks`` section (docs/results-schema.md)."""
        workers: list[WorkerClockDoc] = []
        for rank in sorted(self.workers):
            w = self.workers[rank]
            found = w.best
            host = self.hosts[w.clock_id]
            workers.append(
                {
                    "name": w.name,
                    "rank": w.rank,
                    "host": w.host,
                    "clock_id": w.clock_id,
                    "same_host_as_master": w.clock_id == self.master_clock_id,
                    "offset_ns": found.offset_ns if found else None,
                    "uncertainty_ns": found.uncertainty_ns if found else None,
                    "drift_ns": w.drift_ns,
                    "drift_uncertainty_ns": w.drift_uncertainty_ns,
                    "drift_span_s": round(w.span_s, 3),
                    "applied_offset_ns": host.offset_ns if self.corrected and self.split else 0,
                    "rounds": len(w.rounds),
                    "samples": w.samples,
                    "simulated_offset_ns": w.simulated_offset_ns,
                }
            )
        return {
            "cross_host": self.cross_host,
            "corrected": self.corrected,
            "split_by_worker": self.split,
            "pair_uncertainty_ns": self.pair_uncertainty_ns(),
            "workers": workers,
        }
