"""Cross-host fan-out: split by sender rank, corrected at the merge, nothing clamped silently."""

from __future__ import annotations

from array import array

from loadtests.measure import hdr
from loadtests.measure.accounting import RawSecond, ReceiverLedger
from loadtests.measure.aggregate import Aggregate
from loadtests.measure.clocks import ClockTable, RoundTrip, WorkerClock
from loadtests.measure.recorder import Recorder
from loadtests.measure.window import NS_PER_S, Window

S = NS_PER_S
MS = 1_000_000
ROOM = "room-0"
START_S = 1_800_000_000


def test_record_many_counts_what_it_clamps() -> None:
    out = hdr.OutOfRange()
    histogram = hdr.new_histogram()
    values = [-3, -3, -1, 0, 5, hdr.HIGHEST_US, hdr.HIGHEST_US + 1, 10**9]
    assert hdr.record_many(histogram, values, out) == len(values)
    assert (out.negative, out.over) == (3, 2)
    assert histogram.get_count_at_value(0) == 4  # the three negatives and the true 0
    assert histogram.values_are_equivalent(histogram.get_max_value(), hdr.HIGHEST_US)
    assert hdr.record_many(hdr.new_histogram(), [1, 2, 3], out) == 3
    assert out.to_list() == [3, 2]  # in range: nothing added


def test_signed_pairs_shift_exactly_and_count_negatives_after_the_shift() -> None:
    values = [-900, -10, 0, 7, 500, 1000]  # below 2048 µs the histogram is exact
    pair = hdr.decode_signed(hdr.signed(values))
    total = hdr.new_histogram()
    out = hdr.OutOfRange()
    assert hdr.record_shifted(total, pair, -1000, out) == len(values)  # + 1000
    assert out.negative == 0
    assert values == [v - 1000 for v in _values(total)]
    shifted_down = hdr.new_histogram()
    out = hdr.OutOfRange()
    hdr.record_shifted(shifted_down, pair, 100, out)  # -1000, -110, -100, -93 below 0
    assert out.negative == 4 and shifted_down.get_count_at_value(0) == 4
    # Large values keep the histogram's precision (0.1 %) through the shift.
    big = hdr.new_histogram()
    hdr.record_shifted(big, hdr.decode_signed(hdr.signed([3_500_000])), 3_000_000, hdr.OutOfRange())
    assert abs(big.get_max_value() - 500_000) <= 3_500_000 // 1000


def _values(histogram: object) -> list[int]:
    found = []
    for item in histogram.get_recorded_iterator():  # type: ignore[attr-defined]
        found += [item.value_iterated_to] * item.count_added_in_this_iter_step
    return sorted(found)


def test_the_ledger_splits_fanout_by_sender_rank_only_when_asked() -> None:
    for split_workers, expect_split in ((0, None), (2, {0: [900], 1: [800]})):
        buckets: dict[int, RawSecond] = {}
        ledger = ReceiverLedger(3, buckets, [], split_workers=split_workers)
        ledger.join_sent(ROOM, 0)
        ledger.join_acked(ROOM, 1)
        t_ns = START_S * S
        ledger.receive(ROOM, 0, 0, t_ns, t_ns + 900_000)  # sender 0: rank 0
        ledger.receive(ROOM, 1, 0, t_ns, t_ns + 800_000)  # sender 1: rank 1
        ledger.receive(ROOM, 3, 0, t_ns, t_ns + 700_000)  # itself: self latency
        b = buckets[START_S]
        assert list(b.self_us) == [700] and b.strict == 3
        if expect_split is None:
            assert list(b.fanout_us) == [900, 800] and b.fanout_split is None
        else:
            assert len(b.fanout_us) == 0 and b.fanout_split is not None
            assert {r: list(v) for r, v in b.fanout_split.items()} == expect_split


def skewed_run(receiver_offset_ns: int, latency_us: int = 500) -> Aggregate:
    """Sender user 0 on rank 0; receivers 1 and 3 on rank 1 (clock offset), 2 on rank 0."""
    recorders = {rank: Recorder(f"worker-{rank}", rank=rank, split_workers=2) for rank in (0, 1)}
    ledgers = {}
    for user in range(4):
        ledger = recorders[user % 2].ledger(user)
        ledger.join_sent(ROOM, (START_S - 5) * S)
        ledger.join_acked(ROOM, (START_S - 5) * S + 1000)
        ledgers[user] = ledger
    aggregate = Aggregate()
    for k in range(10):
        if k == 5:  # a periodic delta: the second's pairs arrive in two parts and merge
            for recorder in recorders.values():
                aggregate.add(recorder.take_delta())
        t_ns = START_S * S + k * 100 * MS
        recorders[0].record_send(ROOM, t_ns, 10)
        for user, ledger in ledgers.items():
            if user == 0:
                ledger.receive(ROOM, 0, k, t_ns, t_ns + 200_000)  # self, one clock
                continue
            skew = receiver_offset_ns if user % 2 else 0
            ledger.receive(ROOM, 0, k, t_ns, t_ns + latency_us * 1000 + skew)
    for recorder in recorders.values():
        aggregate.add(recorder.take_delta(final=True))
    return aggregate


def table(rank1_offset_ns: int, corrected: bool = True) -> ClockTable:
    t = START_S * S
    w0 = WorkerClock("worker-0", 0, "a", "boot-a")
    w0.add(0, RoundTrip(t, t + 50_000, t + 50_000, t + 100_000))
    w1 = WorkerClock("worker-1", 1, "b", "boot-b")
    w1.add(0, RoundTrip(t, t + 50_000 + rank1_offset_ns, t + 50_000 + rank1_offset_ns, t + 100_000))
    return ClockTable("boot-a", [w0, w1], corrected=corrected)


WINDOW = Window(START_S * S, (START_S + 1) * S, warmup_s=0.0, drain_s=1.0)


def test_the_merge_corrects_each_pair_by_its_offset() -> None:
    measured = skewed_run(3 * MS).measured(WINDOW, [], table(3 * MS))
    fanout = measured["latency"]["fanout"]
    # 3500 µs read back within the histogram's precision (2 µs buckets there)
    assert fanout["count"] == 30 and 499 <= fanout["min"] <= fanout["max"] <= 501
    assert fanout["negative"] == 0 and fanout["over_range"] == 0
    c = measured["counters"]
    assert c["delivered"] == fanout["count"] + measured["latency"]["self"]["count"] == 40
    series = measured["timeseries"]
    assert abs(series["p50_us"][series["t_s"].index(0)] - 500) <= 1
    clocks = measured["clocks"]
    assert clocks["cross_host"] and clocks["pair_uncertainty_ns"] == 50_000
    assert [w["applied_offset_ns"] for w in clocks["workers"]] == [0, 3 * MS]
    assert "clock_uncertain" not in measured["flags"]  # 50 µs of 10 % x 500 µs: not above


def test_uncorrected_the_offset_shows_and_is_flagged() -> None:
    measured = skewed_run(3 * MS).measured(WINDOW, [], table(3 * MS, corrected=False))
    fanout = measured["latency"]["fanout"]
    assert abs(fanout["p50"] - 3500) <= 1 and fanout["min"] == 500  # 20 of 30 crossed
    assert "switched off" in measured["flags"]["clock_uncertain"]


def test_a_receiver_behind_reads_negative_latencies_that_the_correction_restores() -> None:
    behind = skewed_run(-3 * MS)
    raw = behind.measured(WINDOW, [], table(-3 * MS, corrected=False))["latency"]["fanout"]
    assert raw["negative"] == 20 and raw["count"] == 30  # clamped to 0 but counted, all kept
    measured = skewed_run(-3 * MS).measured(WINDOW, [], table(-3 * MS))
    assert measured["latency"]["fanout"]["negative"] == 0
    assert abs(measured["latency"]["fanout"]["min"] - 500) <= 1
    flags = skewed_run(-3 * MS).measured(WINDOW, [], table(-3 * MS, corrected=False))["flags"]
    assert "fanout: 20 below 0 µs" in flags["latency_out_of_range"]


def test_one_host_negatives_are_counted_too() -> None:
    recorder = Recorder("local")
    ledger = recorder.ledger(1)
    ledger.join_sent(ROOM, (START_S - 5) * S)
    ledger.join_acked(ROOM, (START_S - 5) * S + 1000)
    t_ns = START_S * S
    ledger.receive(ROOM, 0, 0, t_ns, t_ns - 2000)  # a clock step between send and receipt
    ledger.receive(ROOM, 0, 1, t_ns, t_ns + 400_000)
    recorder.record_send(ROOM, t_ns, 10)
    recorder.record_send(ROOM, t_ns, 10)
    aggregate = Aggregate()
    aggregate.add(recorder.take_delta(final=True))
    measured = aggregate.measured(WINDOW, [])
    fanout = measured["latency"]["fanout"]
    assert (fanout["count"], fanout["negative"], fanout["min"]) == (2, 1, 0)
    assert "fanout: 1 below 0 µs" in measured["flags"]["latency_out_of_range"]
    assert "clocks" not in measured and "clock_uncertain" not in measured["flags"]
    assert measured["latency"]["self"]["negative"] == 0


def test_split_deltas_carry_signed_pairs() -> None:
    recorder = Recorder("worker-1", rank=1, split_workers=2)
    b = recorder.buckets.setdefault(START_S, RawSecond())
    b.fanout_from(0).extend(array("q", [-5, 7]))
    entry = recorder.take_delta()["buckets"][str(START_S)]
    assert set(entry["fanout_split"]) == {"0"}
    positive, negative = entry["fanout_split"]["0"]
    assert hdr.decode(positive).get_total_count() == 1
    assert hdr.decode(negative).get_max_value() == 5
