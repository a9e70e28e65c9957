import pytest

from bench.plan import RoundPlan, plan_for


def test_small_rooms_repeat_the_emit_within_a_round() -> None:
    assert plan_for(1) == RoundPlan(rounds=500, iterations=200)
    assert plan_for(10).iterations == 20


def test_large_rooms_emit_once_a_round_and_stop_at_the_delivery_budget() -> None:
    assert plan_for(10_000) == RoundPlan(rounds=300, iterations=1)
    assert plan_for(10_000_000) == RoundPlan(rounds=20, iterations=1)  # min_rounds


def test_plan_as_pedantic_kwargs() -> None:
    assert RoundPlan(5, 3, 1).as_kwargs() == {"rounds": 5, "iterations": 3, "warmup_rounds": 1}


def test_rejects_empty_call() -> None:
    with pytest.raises(ValueError, match="deliveries_per_call"):
        plan_for(0)
