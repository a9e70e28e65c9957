"""Clock offset estimation on synthetic round trips, and the correction arithmetic."""

from __future__ import annotations

import pytest

from loadtests.measure.clocks import (
    ClockTable,
    RoundTrip,
    WorkerClock,
    best,
)

MS = 1_000_000
T = 1_700_000_000 * 1_000_000_000


def trip(
    master_send_ns: int, offset_ns: int, out_ns: int, back_ns: int, hold_ns: int = 0
) -> RoundTrip:
    """A round trip with a true offset (worker - master) and one-way delays out and back."""
    t1 = master_send_ns + out_ns + offset_ns
    t2 = t1 + hold_ns
    t3 = master_send_ns + out_ns + hold_ns + back_ns
    return RoundTrip(master_send_ns, t1, t2, t3)


def test_symmetric_delays_give_the_offset_exactly() -> None:
    sample = trip(T, 3 * MS, 200_000, 200_000, hold_ns=50_000)
    assert sample.offset_ns == 3 * MS
    assert sample.rtt_ns == 400_000  # the worker's hold time is not part of the round trip
    assert sample.uncertainty_ns == 200_000


@pytest.mark.parametrize(
    ("out_ns", "back_ns"), [(1_000_000, 0), (0, 1_000_000), (900_000, 100_000), (37, 999_963)]
)
def test_asymmetric_delays_stay_within_half_the_round_trip(out_ns: int, back_ns: int) -> None:
    for true_offset in (-7 * MS, 0, 3 * MS):
        sample = trip(T, true_offset, out_ns, back_ns)
        error = sample.offset_ns - true_offset
        assert error == (out_ns - back_ns) // 2
        assert abs(error) <= sample.uncertainty_ns == 500_000


def test_the_lowest_round_trip_wins_and_impossible_ones_are_ignored() -> None:
    slow = trip(T, 3 * MS, 900_000, 100_000)  # off by 400 µs
    fast = trip(T + MS, 3 * MS, 60_000, 40_000)  # off by 10 µs
    stepped = RoundTrip(T, T + 5, T + 10, T)  # negative round trip: a clock stepped
    assert best([slow, fast, stepped]) is fast
    assert best([stepped]) is None
    clock = WorkerClock("worker-1", 1, "b", "boot-b")
    for sample in (slow, stepped, fast):
        clock.add(0, sample)
    assert clock.best is fast and clock.samples == 3
    assert abs(fast.offset_ns - 3 * MS) == 10_000


def test_drift_is_the_change_between_first_and_last_round() -> None:
    clock = WorkerClock("worker-1", 1, "b", "boot-b")
    clock.add(0, trip(T, 3 * MS, 100_000, 100_000))
    assert clock.drift_ns is None and clock.span_s == 0.0
    clock.add(1, trip(T + 10_000 * MS, 3 * MS + 20_000, 100_000, 100_000))
    clock.add(2, trip(T + 20_000 * MS, 3 * MS + 40_000, 100_000, 100_000))
    assert clock.drift_ns == 40_000 and clock.drift_uncertainty_ns == 200_000
    assert clock.significant_drift_ns() == 0  # within what two rounds can tell apart
    assert clock.span_s == pytest.approx(20.0)


def two_hosts(corrected: bool = True, split: bool = True) -> ClockTable:
    """Rank 0 on the master's host (boot-a), ranks 1 and 2 on another host (boot-b, +3 ms)."""
    w0 = WorkerClock("worker-0", 0, "a", "boot-a")
    w0.add(0, trip(T, 0, 100_000, 300_000))  # measured 100 µs off: must not matter
    w1 = WorkerClock("worker-1", 1, "b", "boot-b")
    w1.add(0, trip(T, 3 * MS, 400_000, 400_000))
    w2 = WorkerClock("worker-2", 2, "b", "boot-b")
    w2.add(0, trip(T, 3 * MS, 150_000, 50_000))  # the host's best: 200 µs round trip
    return ClockTable("boot-a", [w0, w1, w2], corrected=corrected, split=split)


def test_correction_is_the_receivers_offset_minus_the_senders() -> None:
    table = two_hosts()
    assert table.cross_host
    host_b = table.hosts["boot-b"]
    assert (host_b.offset_ns, host_b.uncertainty_ns) == (3 * MS + 50_000, 100_000)
    # A true 500 µs delivery from rank 0 to rank 1 reads 500 + 3050 µs; the correction removes it.
    assert table.correction_us(0, 1) == 3050
    assert table.correction_us(1, 0) == -3050
    assert 500 + 3050 - table.correction_us(0, 1) == 500
    # Same host: no correction, even where the two workers' own estimates differ.
    assert table.correction_us(1, 2) == 0 and table.correction_us(2, 1) == 0
    assert table.correction_us(0, 0) == 0
    # The master's host is exact: only host b's uncertainty counts.
    assert table.pair_uncertainty_ns() == 100_000


def test_switched_off_or_unsplit_nothing_is_corrected_and_the_flag_says_why() -> None:
    assert two_hosts(corrected=False).correction_us(0, 1) == 0
    assert "switched off" in (two_hosts(corrected=False).uncertain(5000) or "")
    unsplit = two_hosts(split=False)
    assert unsplit.correction_us(0, 1) == 0
    assert "share a hostname" in (unsplit.uncertain(5000) or "")
    assert unsplit.to_schema()["split_by_worker"] is False


def test_clock_uncertain_above_ten_percent_of_p50_only_across_hosts() -> None:
    table = two_hosts()  # pair uncertainty 100 µs
    assert table.uncertain(1000) is None  # 10 % of 1000 µs = 100 µs: not above
    why = table.uncertain(999)
    assert why is not None and "100 µs" in why and "999 µs" in why
    one_host = ClockTable("boot-a", [WorkerClock("worker-0", 0, "a", "boot-a")])
    assert not one_host.cross_host and one_host.uncertain(1) is None


def test_a_worker_without_samples_is_reported_not_corrected() -> None:
    silent = WorkerClock("worker-1", 1, "b", "boot-b")
    table = ClockTable("boot-a", [WorkerClock("worker-0", 0, "a", "boot-a"), silent])
    assert table.correction_us(0, 1) == 0
    assert "no clock sample from worker-1" in (table.uncertain(10_000) or "")
    row = table.to_schema()["workers"][1]
    assert row["offset_ns"] is None and row["rounds"] == 0


def test_drift_above_the_limit_flags() -> None:
    table = two_hosts()
    w1 = table.workers[1]
    w1.add(1, trip(T + 10_000 * MS, 3 * MS + 1_000_000, 100_000, 100_000))
    # drift 1000 ± (400 + 100) µs: 500 µs beyond its uncertainty
    assert table.uncertain(5000) is None  # limit 500 µs: not above
    why = table.uncertain(4999)
    assert why is not None and "drift" in why and "worker-1 +1000 ± 500 µs" in why


def test_schema_rows() -> None:
    doc = two_hosts().to_schema()
    assert doc["cross_host"] is True and doc["corrected"] is True
    assert [w["rank"] for w in doc["workers"]] == [0, 1, 2]
    w0, w1, _ = doc["workers"]
    assert w0["same_host_as_master"] and w0["applied_offset_ns"] == 0
    assert w0["offset_ns"] == -100_000 and w0["uncertainty_ns"] == 200_000
    assert w1["applied_offset_ns"] == 3 * MS + 50_000 and w1["offset_ns"] == 3 * MS
