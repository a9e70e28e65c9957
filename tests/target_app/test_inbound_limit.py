"""The inbound token bucket, on a fake clock: pacing, bursts, and when a client is a flooder."""

from __future__ import annotations

import pytest

from target_app.inbound_limit import InboundBucket


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_a_burst_within_the_bucket_passes_without_a_pause() -> None:
    clock = FakeClock()
    bucket = InboundBucket(rate_bytes_per_s=1000, burst_bytes=3000, clock=clock)
    assert [bucket.charge(1000) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.over_for_s() == 0.0


def test_over_the_bucket_the_pause_repays_the_debt_at_the_rate() -> None:
    clock = FakeClock()
    bucket = InboundBucket(rate_bytes_per_s=1000, burst_bytes=1000, clock=clock)
    assert bucket.charge(1000) == 0.0
    assert bucket.charge(500) == pytest.approx(0.5)
    clock.now_s += 0.5  # the reader slept; the debt is repaid, the bucket empty
    assert bucket.charge(250) == pytest.approx(0.25)
    clock.now_s += 0.25
    assert bucket.over_for_s() == pytest.approx(0.75)


def test_a_sender_at_or_under_the_rate_is_never_over() -> None:
    clock = FakeClock()
    bucket = InboundBucket(rate_bytes_per_s=1000, burst_bytes=1000, clock=clock)
    for _ in range(50):
        assert bucket.charge(100) == 0.0
        clock.now_s += 0.1
    assert bucket.over_for_s() == 0.0


def test_one_message_that_fits_again_clears_the_flood_clock() -> None:
    clock = FakeClock()
    bucket = InboundBucket(rate_bytes_per_s=1000, burst_bytes=1000, clock=clock)
    bucket.charge(2000)
    clock.now_s += 3.0  # quiet long enough to refill the bucket
    assert bucket.over_for_s() == pytest.approx(3.0)
    assert bucket.charge(10) == 0.0
    assert bucket.over_for_s() == 0.0


def test_the_bucket_never_holds_more_than_its_burst() -> None:
    clock = FakeClock()
    bucket = InboundBucket(rate_bytes_per_s=1000, burst_bytes=1000, clock=clock)
    clock.now_s += 3600.0
    assert bucket.charge(1000) == 0.0
    assert bucket.charge(1) == pytest.approx(0.001)
