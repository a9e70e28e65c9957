from collections.abc import Callable

import pytest

from bench.interleave import interleaved_ratio


class FakeClock:
    """A clock that only moves when the code under test says a call cost something."""

    def __init__(self) -> None:
        self.now_ns = 0

    def __call__(self) -> int:
        return self.now_ns

    def costing(self, cost_ns: int) -> Callable[[], None]:
        def call() -> None:
            self.now_ns += cost_ns

        return call


def test_ratio_of_medians_per_call() -> None:
    clock = FakeClock()
    result = interleaved_ratio(
        clock.costing(100), clock.costing(150), pairs=4, batch=3, clock_ns=clock
    )
    assert result.a_median_s == pytest.approx(100e-9)
    assert result.b_median_s == pytest.approx(150e-9)
    assert result.ratio == pytest.approx(1.5)


def test_alternates_the_order() -> None:
    seen: list[str] = []
    interleaved_ratio(lambda: seen.append("a"), lambda: seen.append("b"), pairs=2, batch=1)
    assert seen == ["a", "b", "b", "a"]


def test_rejects_empty_measurement() -> None:
    with pytest.raises(ValueError, match="pairs"):
        interleaved_ratio(lambda: None, lambda: None, pairs=0)
