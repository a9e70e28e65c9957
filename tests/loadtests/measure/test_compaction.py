"""The master compacts old seconds' histograms: the same figures, bounded dense memory."""

from __future__ import annotations

import gc
import json
import random
from typing import Any

from hdrh.histogram import HdrHistogram

from loadtests.measure import hdr
from loadtests.measure.aggregate import DENSE_SECONDS, Aggregate
from loadtests.measure.recorder import Recorder
from loadtests.measure.window import NS_PER_S, Window

S = NS_PER_S
MS = 1_000_000
ROOM = "room-0"
START_S = 1_800_000_000
KINDS = ("fanout", "fanout_plain", "self", "lag", "reconnect")


def _deltas(seconds: int, late_second: int | None = 3) -> list[dict[str, Any]]:
    """Deltas of three workers (two split by sender rank, one not) over ``seconds`` seconds,
    reported every 2 s; then a late delta for ``late_second`` from a fourth worker."""
    rng = random.Random(24)
    recorders = [
        Recorder("worker-0", rank=0, split_workers=2),
        Recorder("worker-1", rank=1, split_workers=2),
        Recorder("worker-2", rank=2, split_workers=0),
    ]
    ledgers = []
    for user in range(6):
        ledger = recorders[user % 3].ledger(user)
        ledger.join_sent(ROOM, (START_S - 5) * S)
        ledger.join_acked(ROOM, (START_S - 5) * S + 1000)
        ledgers.append(ledger)
    deltas = []
    for k in range(seconds * 4):
        t_ns = START_S * S + k * 250 * MS
        recorders[0].record_send(ROOM, t_ns, rng.randrange(0, 5000))
        for user, ledger in enumerate(ledgers):
            latency_ns = rng.randrange(100_000, 80_000_000) if user else 200_000
            ledger.receive(ROOM, 0, k, t_ns, t_ns + latency_ns)
        if k % 9 == 4:
            recorders[1].record_drop(t_ns)
            recorders[1].record_rejoin(t_ns, t_ns + rng.randrange(1, 900) * MS)
        if k % 8 == 7:
            deltas += [r.take_delta() for r in recorders]
    deltas += [r.take_delta(final=True) for r in recorders]
    if late_second is not None:
        late = Recorder("worker-3", rank=1, split_workers=2)
        ledger = late.ledger(6)
        ledger.join_sent(ROOM, (START_S - 5) * S)
        ledger.join_acked(ROOM, (START_S - 5) * S + 1000)
        t_ns = (START_S + late_second) * S + 100 * MS
        ledger.receive(ROOM, 0, 10_000, t_ns, t_ns + 7 * MS)
        ledger.receive(ROOM, 5, 10_001, t_ns, t_ns + 9 * MS)
        deltas.append(late.take_delta(final=True))
    return deltas


def _fed(deltas: list[dict[str, Any]], dense_seconds: int | None) -> Aggregate:
    aggregate = Aggregate(dense_seconds=dense_seconds)
    for delta in deltas:
        aggregate.add(delta)
    return aggregate


def _dense_bytes(aggregate: Aggregate) -> int:
    held = 0
    for second in aggregate.seconds.values():
        histograms = list(second.dense.values())
        histograms += [h for pair in second.split_dense.values() for h in pair]
        held += sum(h.counts_len * h.word_size for h in histograms)
    return held


WINDOW = Window((START_S + 2) * S, (START_S + 18) * S, warmup_s=2.0, drain_s=2.0)


def test_compacted_seconds_give_byte_identical_results_even_after_a_late_delta() -> None:
    deltas = _deltas(24)
    reference = _fed(deltas, dense_seconds=None)
    compacted = _fed(deltas, dense_seconds=DENSE_SECONDS)
    # the late delta's second was compacted long before it arrived, and is again after it
    assert not compacted.seconds[START_S + 3].is_dense()
    assert compacted.seconds[START_S + 3].split_packed
    assert reference.seconds[START_S + 3].is_dense()
    expected = json.dumps(reference.measured(WINDOW, []), sort_keys=True)
    assert json.dumps(compacted.measured(WINDOW, []), sort_keys=True) == expected
    without_late = json.dumps(_fed(deltas[:-1], None).measured(WINDOW, []), sort_keys=True)
    assert without_late != expected  # the late delta is in the figures
    # what the live tab and the progress file read, second by second
    for key, second in reference.seconds.items():
        for kind in KINDS:
            want, got = second.read(kind), compacted.seconds[key].read(kind)
            assert (want is None) == (got is None), (key, kind)
            if want is not None and got is not None:
                assert hdr.encode(got) == hdr.encode(want), (key, kind)
                assert got.get_min_value() == want.get_min_value()
                assert got.get_max_value() == want.get_max_value()


def test_dense_histograms_held_are_bounded_whatever_the_run_length() -> None:
    pairs = 2 * 2  # ranks 0 and 1 each receive from senders of ranks 0 and 1
    per_second = (len(KINDS) + 2 * pairs) * hdr.new_histogram().counts_len * 8
    for seconds in (12, 30):
        deltas = _deltas(seconds, late_second=None)
        gc.collect()
        gc.disable()  # what is held must be freed by reference counting, not by a collection
        try:
            compacted = _fed(deltas, DENSE_SECONDS)
            # released (``hdr.release``) ones are freed with their last reference; the
            # rest would wait for a collection, which for old seconds means a full one
            live = sum(
                isinstance(o, HdrHistogram) and o.encoder.histogram is not None
                for o in gc.get_objects()
            )
        finally:
            gc.enable()
        # the dense seconds' histograms plus the whole-run connect and join ones
        assert live <= (DENSE_SECONDS + 1) * (len(KINDS) + 2 * pairs) + 2
        assert 1 <= sum(s.is_dense() for s in compacted.seconds.values()) <= DENSE_SECONDS + 1
        assert _dense_bytes(compacted) <= (DENSE_SECONDS + 1) * per_second
        del compacted
    reference = _fed(_deltas(30, late_second=None), None)
    assert sum(s.is_dense() for s in reference.seconds.values()) == 30
