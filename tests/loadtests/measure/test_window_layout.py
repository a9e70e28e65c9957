"""The window planner and the user layout, pure."""

from __future__ import annotations

from collections import Counter

from loadtests.measure.window import NS_PER_S, Step, WindowPlanner, plan_window
from loadtests.model import layout

S = NS_PER_S


def test_window_is_whole_seconds_after_the_warmup() -> None:
    w = plan_window(10 * S + 300_000_000, warmup_s=2.0, window_s=2.5, drain_s=1.0)
    assert (w.start_ns, w.end_ns) == (13 * S, 16 * S)  # 12.3 -> 13; 2.5 s -> 3 s
    assert [w.phase(s) for s in (12, 13, 15, 16)] == ["warmup", "window", "window", "drain"]
    assert plan_window(10 * S, 0.0, 1, 0).start_ns == 11 * S  # at least 0.5 s of warm-up


def test_planner_opens_when_everyone_joined_then_flushes() -> None:
    p = WindowPlanner(users=10, warmup_s=1, window_s=2, drain_s=1)
    p.start_join_clock(0)
    p.on_joined("a", 6)
    assert p.poll(1 * S, {"a", "b"}) is Step.WAIT
    p.on_joined("b", 4)
    assert p.poll(2 * S, {"a", "b"}) is Step.OPEN
    assert p.window is not None and p.window.start_ns == 3 * S and p.window.end_ns == 5 * S
    assert p.poll(5 * S, {"a", "b"}) is Step.WAIT  # draining
    assert p.poll(6 * S, {"a", "b"}) is Step.FLUSH
    p.on_final("a")
    assert p.poll(7 * S, {"a", "b"}) is Step.WAIT
    p.on_final("b")
    assert p.poll(7 * S, {"a", "b"}) is Step.DONE and not p.incomplete


def test_planner_gives_up_on_join_and_on_a_silent_worker() -> None:
    p = WindowPlanner(
        users=10, warmup_s=1, window_s=2, drain_s=1, join_timeout_s=5, flush_timeout_s=3
    )
    p.start_join_clock(0)
    p.on_joined("a", 9)
    assert p.poll(6 * S, {"a"}) is Step.FLUSH
    assert p.poll(10 * S, {"a"}) is Step.DONE
    assert "only 9 of 10 users joined" in p.incomplete[0]
    assert "did not answer the flush" in p.incomplete[1]


def test_global_indexes_are_unique_and_contiguous_across_workers() -> None:
    for users in (1, 7, 200, 201):
        for workers in (1, 2, 3, 4):
            # the dispatcher's cycle: user k goes to worker k % W, in order
            per_worker = Counter(k % workers for k in range(users))
            indexes = [
                layout.WorkerSlot(rank, workers).global_index(i)
                for rank in range(workers)
                for i in range(per_worker[rank])
            ]
            assert sorted(indexes) == list(range(users))


def test_dispatch_order_mirrors_locust() -> None:
    ids = ["hostb_2", "hosta_9", "hosta_1", "hostb_1"]
    assert layout.dispatch_order(ids) == ["hosta_1", "hostb_1", "hosta_9", "hostb_2"]


def test_rooms_are_balanced_and_span_nodes() -> None:
    users, rooms, nodes = 200, 10, 2
    members = Counter(r for g in range(users) for r in layout.rooms_of(g, rooms, 1))
    assert set(members.values()) == {20}
    room0_nodes = {layout.node_of(g, rooms, nodes) for g in range(users) if g % rooms == 0}
    assert room0_nodes == {0, 1}
    assert Counter(layout.node_of(g, rooms, nodes) for g in range(users)) == {0: 100, 1: 100}
    assert layout.rooms_of(9, 10, 3) == ["room-9", "room-0", "room-1"]
