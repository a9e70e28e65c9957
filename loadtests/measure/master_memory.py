"""How much the master's RSS grows per second of run: ``Aggregate`` fed one worker's deltas.

``python -m loadtests.measure.master_memory DENSE_SECONDS SECONDS`` (``none``: never
compact) feeds SECONDS one-second deltas of 20,000 fan-out deliveries a second
(log-normal latencies, capped at 0.9 s) and 200 sends, and prints the RSS added and
that over SECONDS. Run it for two lengths: the difference over the difference of
seconds is the growth per second of run, free of the interpreter's start-up.
No garbage collection or trim is forced: what a master would hold.
"""

from __future__ import annotations

import os
import random
import sys

from loadtests.measure.aggregate import Aggregate
from loadtests.measure.recorder import Recorder
from loadtests.measure.window import NS_PER_S

START_S = 1_800_000_000
DELIVERIES_PER_S = 20_000


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def grown_bytes(seconds: int, dense_seconds: int | None) -> int:
    rng = random.Random(1)
    recorder = Recorder("worker-0", rank=0)
    ledger = recorder.ledger(1)
    ledger.join_sent("room", 0)
    ledger.join_acked("room", 1000)
    base = rss_bytes()
    aggregate = Aggregate(dense_seconds=dense_seconds)
    for second in range(seconds):
        for i in range(DELIVERIES_PER_S):
            t_ns = (START_S + second) * NS_PER_S + i * (NS_PER_S // DELIVERIES_PER_S)
            if i % 100 == 0:
                recorder.record_send("room", t_ns, int(rng.lognormvariate(5, 1)))
            latency_us = min(int(rng.lognormvariate(8, 1.2)), 900_000)
            ledger.receive("room", 0, second * DELIVERIES_PER_S + i, t_ns, t_ns + latency_us * 1000)
        aggregate.add(recorder.take_delta())
    return rss_bytes() - base


def main() -> None:
    dense = None if sys.argv[1] == "none" else int(sys.argv[1])
    seconds = int(sys.argv[2])
    grown = grown_bytes(seconds, dense)
    print(f"dense_seconds={dense} seconds={seconds} rss_grown_bytes={grown}")


if __name__ == "__main__":
    main()
