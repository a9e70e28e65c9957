"""The capacity search against fake measurements with a known knee."""

from __future__ import annotations

import pytest

from loadtests.capacity.search import Outcome, Search, Verdict


def _run(search: Search, knee: float, generator_limit: float | None = None) -> list[float]:
    loads = []
    for _ in range(50):
        load = search.next_load()
        if load is None:
            break
        loads.append(load)
        if generator_limit is not None and load > generator_limit:
            search.record(load, Outcome.GENERATOR_LIMITED, "generator_saturated")
        elif load <= knee:
            search.record(load, Outcome.PASS)
        else:
            search.record(load, Outcome.FAIL, "fanout_p99 <= 10 ms")
    return loads


def test_geometric_steps_then_bisection_find_the_knee_within_resolution() -> None:
    search = Search(start=100)
    loads = _run(search, knee=1000)
    assert loads[:5] == [100, 200, 400, 800, 1600]
    answer = search.answer()
    assert answer.verdict is Verdict.CAPACITY
    assert answer.capacity is not None and answer.first_failing is not None
    assert answer.capacity <= 1000 < answer.first_failing
    assert answer.first_failing <= answer.capacity * 1.10
    assert answer.bound_by == "fanout_p99 <= 10 ms"


def test_a_failing_first_step_searches_downwards() -> None:
    search = Search(start=1000)
    loads = _run(search, knee=300)
    assert loads[:3] == [1000, 500, 250]
    answer = search.answer()
    assert answer.capacity is not None and answer.capacity <= 300 < (answer.first_failing or 0)


def test_nothing_passes_is_below_range() -> None:
    search = Search(start=10, floor=5)
    _run(search, knee=1)
    answer = search.answer()
    assert answer.verdict is Verdict.BELOW_RANGE and answer.capacity is None


def test_the_generator_limit_is_never_a_server_capacity() -> None:
    search = Search(start=100)
    loads = _run(search, knee=10_000, generator_limit=700)
    # Up to the first limited step, then bisection below it as below a failure.
    assert loads[:4] == [100, 200, 400, 800]
    answer = search.answer()
    assert answer.verdict is Verdict.GENERATOR_LIMITED
    assert answer.capacity is not None and answer.first_failing is not None
    assert answer.capacity <= 700 < answer.first_failing <= answer.capacity * 1.10
    assert answer.bound_by == "generator_saturated"


def test_a_server_failure_below_the_generator_limit_is_a_capacity() -> None:
    search = Search(start=100)
    _run(search, knee=500, generator_limit=700)
    answer = search.answer()
    assert answer.verdict is Verdict.CAPACITY
    assert answer.capacity is not None and answer.capacity <= 500 < (answer.first_failing or 0)
    assert answer.bound_by == "fanout_p99 <= 10 ms"


def test_a_ceiling_stops_the_climb() -> None:
    search = Search(start=100, ceiling=300)
    loads = _run(search, knee=10_000)
    assert loads == [100, 200, 300]
    assert search.answer().verdict is Verdict.ABOVE_RANGE


def test_integer_loads_stop_when_rounding_closes_the_gap() -> None:
    search = Search(start=2, integer=True, resolution=0.01)
    loads = _run(search, knee=5)
    assert all(load == int(load) for load in loads)
    assert len(loads) == len(set(loads))
    answer = search.answer()
    assert (answer.capacity, answer.first_failing) == (5, 6)


@pytest.mark.parametrize("max_steps", [1, 3, 6])
def test_the_step_budget_bounds_the_search(max_steps: int) -> None:
    search = Search(start=1, max_steps=max_steps)
    assert len(_run(search, knee=1e9)) == max_steps
