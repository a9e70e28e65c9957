"""A stepped session's end: the run's long window is cut so its last sends had a drain."""

from __future__ import annotations

from loadtests.measure.window import Step, WindowPlanner
from loadtests.units import NS_PER_S

T0 = 1_700_000_000 * NS_PER_S


def test_finish_flushes_with_the_window_cut_a_drain_before_now() -> None:
    planner = WindowPlanner(users=2, warmup_s=1.0, window_s=3600.0, drain_s=2.0)
    planner.start_join_clock(T0)
    planner.on_joined("w", 2)
    assert planner.poll(T0, {"w"}) is Step.OPEN
    assert planner.window is not None and planner.window.duration_s == 3600
    start = planner.window.start_ns
    now = start + 20 * NS_PER_S + 700_000_000
    assert planner.finish(now, {"w"}) is Step.FLUSH
    # 20.7 s in, minus the 2 s drain, down to a whole second: 18 s.
    assert planner.window.start_ns == start and planner.window.duration_s == 18
    assert planner.incomplete == []  # a planned end, not a stopped test
    assert planner.finish(now + NS_PER_S, {"w"}) is Step.WAIT  # once only
    planner.on_final("w")
    assert planner.poll(now + NS_PER_S, {"w"}) is Step.DONE
