"""Generator headroom: the receive path's cost per delivery at rising rates, no server.

At the 2-ms poll interval one read returns about ``rate x 2 ms`` frames per
client; a round here writes that many frames to each of 16 clients (not timed) and
reads each once (timed; ``bench.receive_path``). ``per_delivery_ns`` in ``extra_info`` is
the CPU a delivery costs the generator (read, frame parse, JSON scan, ledger),
and ``max_deliveries_per_s`` = 1e9 / it is the most one generator process can
time, before the poller, Locust and the send side take their share.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.plan import RoundPlan
from bench.receive_path import ReceiveRig

CLIENTS = 16
FRAMES_PER_READ = (1, 4, 16, 64)  # ~0.5k, 2k, 8k, 32k deliveries/s per client at 2 ms polls
PLAN = RoundPlan(rounds=200, iterations=1, warmup_rounds=5)


@pytest.mark.benchmark(group="receive-path")
@pytest.mark.parametrize("frames_per_read", FRAMES_PER_READ, ids=lambda n: f"frames/read={n}")
def test_receive_path_per_delivery(benchmark: Any, frames_per_read: int) -> None:
    rig = ReceiveRig(CLIENTS, frames_per_read)
    try:
        per_round = benchmark.pedantic(rig.read, setup=rig.write, **PLAN.as_kwargs())
        assert per_round == CLIENTS * frames_per_read
        assert rig.delivered() == rig.reads * CLIENTS * frames_per_read  # every frame counted
        if benchmark.disabled:
            return
        per_delivery_ns = benchmark.stats.stats.median * 1e9 / per_round
        benchmark.extra_info.update(
            n=frames_per_read,
            clients=CLIENTS,
            per_delivery_ns=round(per_delivery_ns, 1),
            per_delivery_ns_min=round(benchmark.stats.stats.min * 1e9 / per_round, 1),
            max_deliveries_per_s=round(1e9 / per_delivery_ns),
        )
    finally:
        rig.close()
