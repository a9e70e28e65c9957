"""The confirmed knee, with a fake measurement that flips at a known load."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from loadtests.capacity.bracket import Confirmation
from loadtests.capacity.search import Answer, Outcome, Search, Verdict

KNEE = 3000.0

Measure = Callable[[float], Outcome]


def flips_at_knee(load: float) -> Outcome:
    return Outcome.PASS if load < KNEE else Outcome.FAIL


def run(measure: Measure, budget: int = 4) -> tuple[Search, Confirmation, Answer, list[float]]:
    """The driver's order: search until it stops, then confirm; every window's load."""
    search = Search(start=1000)
    loads = []
    while (load := search.next_load()) is not None:
        loads.append(load)
        outcome = measure(load)
        search.record(load, outcome, "" if outcome is Outcome.PASS else "p99")
    confirm = Confirmation(search.steps, budget)
    while (load := confirm.next_load()) is not None:
        loads.append(load)
        outcome = measure(load)
        confirm.record(load, outcome, "" if outcome is Outcome.PASS else "p99")
    return search, confirm, confirm.answer(search.answer()), loads


def test_a_clean_knee_is_confirmed_with_two_extra_windows() -> None:
    search, confirm, answer, loads = run(flips_at_knee)
    lo, hi = confirm.bounds()
    assert lo is not None and hi is not None
    assert lo < KNEE <= hi
    assert (lo, hi) == (search.answer().capacity, search.answer().first_failing)
    assert confirm.confirmed and confirm.used == 2
    # interleaved: the pass side, then the fail side
    assert loads[-2:] == [lo, hi]
    assert answer == Answer(Verdict.CAPACITY, lo, hi, "p99")
    assert confirm.to_schema()["pass_held"] == "pass"
    assert confirm.to_schema()["fail_held"] == "fail"


def test_a_lying_first_window_moves_the_bracket_up() -> None:
    # The first window at 2828 (below the knee) fails on a few slow seconds; the
    # search then brackets too low. Confirmation finds 2828 passes 2 of 3 and
    # moves the pass side up to it.
    seen: Counter[float] = Counter()

    def lies_once(load: float) -> Outcome:
        seen[round(load)] += 1
        if round(load) == 2828 and seen[2828] == 1:
            return Outcome.FAIL
        return flips_at_knee(load)

    search, confirm, answer, _ = run(lies_once)
    assert search.answer().capacity is not None and search.answer().capacity < 2828
    assert answer.verdict is Verdict.CAPACITY
    assert answer.capacity is not None and round(answer.capacity) == 2828
    assert answer.first_failing == 4000.0
    assert confirm.confirmed and confirm.used == 4
    assert [s.outcome for s in confirm.windows(answer.capacity)] == [
        Outcome.FAIL,
        Outcome.PASS,
        Outcome.PASS,
    ]


def test_a_knee_that_never_holds_is_unconfirmed_never_a_capacity() -> None:
    seen: Counter[float] = Counter()

    def coin(load: float) -> Outcome:
        # Near the knee each load's windows alternate: the truth, then its opposite.
        seen[load] += 1
        truth = flips_at_knee(load)
        if 2500 <= load <= 3500 and seen[load] % 2 == 0:
            return Outcome.FAIL if truth is Outcome.PASS else Outcome.PASS
        return truth

    _, confirm, answer, _ = run(coin, budget=2)
    assert confirm.used == 2 and not confirm.confirmed
    assert answer.verdict is Verdict.UNCONFIRMED
    assert answer.capacity is None
    assert confirm.next_load() is None  # the budget is spent


def test_generator_limited_fail_side_stays_generator_limited() -> None:
    def limited(load: float) -> Outcome:
        return Outcome.PASS if load < KNEE else Outcome.GENERATOR_LIMITED

    _, confirm, answer, _ = run(limited)
    assert confirm.confirmed
    assert answer.verdict is Verdict.GENERATOR_LIMITED  # never a server capacity


def test_nothing_to_confirm_without_a_boundary() -> None:
    search, confirm, answer, loads = run(lambda load: Outcome.PASS)
    assert confirm.next_load() is None and confirm.used == 0
    assert answer == search.answer() and answer.verdict is Verdict.ABOVE_RANGE
    assert len(loads) == len(search.steps)


def test_a_fail_side_that_passes_again_with_nothing_above_is_unconfirmed() -> None:
    # The search's fail side (4000) was a slow window; measured again it passes, and no
    # load above it was measured: the knee is above the range, not at the old bracket.
    seen: Counter[float] = Counter()

    def slow_once_at_4000(load: float) -> Outcome:
        seen[load] += 1
        if load == 4000.0 and seen[load] == 1:
            return Outcome.GENERATOR_LIMITED
        return Outcome.PASS if load <= 4000 else Outcome.FAIL

    search = Search(start=1000, max_steps=3)  # 1000, 2000, 4000: stops at the boundary
    while (load := search.next_load()) is not None:
        search.record(load, slow_once_at_4000(load))
    assert search.answer().verdict is Verdict.GENERATOR_LIMITED
    confirm = Confirmation(search.steps, budget=4)
    while (load := confirm.next_load()) is not None:
        confirm.record(load, slow_once_at_4000(load))
    assert confirm.bounds() == (4000.0, None)
    answer = confirm.answer(search.answer())
    assert answer.verdict is Verdict.UNCONFIRMED and answer.capacity is None
    assert "no load above 4,000 was measured" in answer.bound_by
