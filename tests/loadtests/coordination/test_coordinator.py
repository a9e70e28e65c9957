"""The master's conduct of a test (``Coordinator``), with a fake runner and a fake clock.

No Locust processes and no servers: ``FakeMaster`` is a ``MasterRunner`` that records
what the coordinator sends and lets the test play the workers, whose measurements are
real ``Recorder`` deltas. The coordinator's own loop runs in its greenlet on a
``FakeClock``, so a test of a 4-second window takes milliseconds and every decision
happens at an exact, known time.

The world of every test: 4 users in one room, 2 on each of two workers (ranks 0 and
1), user 0 (on worker 0) the only sender. Messages go out 0.25 s and 1.25 s into the
window, so every message reaches 4 members: 8 expected deliveries in all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gevent
import pytest

from loadtests.coordination.messages import MSG_FLUSH, MSG_LAYOUT, MSG_WINDOW
from loadtests.measure.window import Window
from loadtests.units import NS_PER_S
from tests.loadtests.coordination.fake_run import (
    MS,
    SCENARIO,
    WORKER_IDS,
    Run,
    World,
    conducted,
)


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    with conducted(tmp_path) as made:
        yield made


def test_layout_then_window_after_every_join_then_flush_after_the_drain(run: Run) -> None:
    start_ns = run.clock.now_ns()
    run.start()
    [layout] = run.runner.of_type(MSG_LAYOUT)
    assert layout.t_ns == start_ns
    assert layout.data["slots"] == {WORKER_IDS[0]: [0, 2], WORKER_IDS[1]: [1, 2]}
    assert layout.data["nodes"] == ["http://127.0.0.1:5000"]
    assert layout.data["scenario"] == SCENARIO.to_dict()
    assert layout.data["clock"]["split_workers"] == 0

    run.conduct()

    # The joins arrive 0.3 s in; the window opens at the loop's next turn after that,
    # starts >= 1 s (the warm-up) later on a whole second, and lasts window_s.
    [window_msg] = run.runner.of_type(MSG_WINDOW)
    assert window_msg.t_ns == start_ns + 300 * MS
    window = Window.from_dict(window_msg.data)
    assert window.start_ns % NS_PER_S == 0
    assert window.start_ns == (start_ns + 300 * MS + NS_PER_S) // NS_PER_S * NS_PER_S + NS_PER_S
    assert window.duration_s == 2 and window.drain_s == 1
    # The flush goes out at the first turn at or after the drain's end, to everyone.
    [flush] = run.runner.of_type(MSG_FLUSH)
    assert flush.t_ns == window.drain_end_ns and flush.client_id is None
    assert run.runner.quits == 1
    assert run.environment.process_exit_code == 0

    doc = run.results()
    counters = doc["counters"]
    assert (counters["sent"], counters["expected"], counters["delivered"]) == (2, 8, 8)
    assert counters["lost"] == 0
    assert "incomplete" not in doc["flags"]
    assert doc["window"]["start_ns"] == window.start_ns
    assert doc["latency"]["fanout"]["count"] == 6 and doc["latency"]["self"]["count"] == 2
    progress = run.progress()
    assert progress["phase"] == "done"
    assert (progress["joined"], progress["users"]) == (4, 4)


def test_a_worker_that_goes_missing_leaves_its_users_expected_and_the_result_incomplete(
    run: Run,
) -> None:
    run.start()
    world, clock = run.world, run.clock
    doomed = world.workers[1]

    def on_window(data: dict[str, Any]) -> None:
        World.on_window(world, data)
        clock.call_at(Window.from_dict(data).start_ns + NS_PER_S, lambda: world.kill(doomed))

    run.runner.hooks[MSG_WINDOW] = on_window
    world.report_during_window(doomed, 500)
    run.conduct()

    [flush] = run.runner.of_type(MSG_FLUSH)
    window = world.window
    assert window is not None and flush.t_ns == window.drain_end_ns
    doc = run.results()
    counters = doc["counters"]
    # The second message reached only worker 0's two users; worker 1's two still
    # expected it (its last report left their memberships open): lost, not forgotten.
    assert (counters["sent"], counters["expected"], counters["delivered"]) == (2, 8, 6)
    lost = (counters["lost"], counters["lost_connected"], counters["lost_disconnected"])
    assert lost == (2, 2, 0)
    assert doc["flags"]["incomplete"] == (
        "worker-1 stopped reporting at t = +1.0 s (missed heartbeats or quit): "
        "its users' deliveries after that are lost"
    )
    # The flush waited only for the worker still there: done at the next turn after
    # its answer, not at the flush timeout.
    assert run.coordinator.planner is not None
    assert run.coordinator.planner.flushing == {WORKER_IDS[0]}


def test_a_worker_that_never_answers_the_flush_times_out_into_an_incomplete_result(
    run: Run,
) -> None:
    run.world.mute.add(WORKER_IDS[1])
    run.world.report_during_window(run.world.workers[1], 500)
    run.start()
    run.conduct()
    [flush] = run.runner.of_type(MSG_FLUSH)
    assert run.coordinator.planner is not None
    assert run.coordinator.planner.answered == {WORKER_IDS[0]}
    doc = run.results()
    assert doc["flags"]["incomplete"] == (
        f"1 worker(s) did not answer the flush within 2 s: {WORKER_IDS[1]}"
    )
    # Worker 1's receipts after its last report never arrived; its users stay expected.
    assert doc["counters"]["expected"] == 8 and doc["counters"]["delivered"] == 6
    # Written at the first turn past the 2-s flush timeout.
    assert run.clock.now_ns() - flush.t_ns == 2 * NS_PER_S + 100 * MS


def test_users_that_never_all_join_end_the_test_at_the_join_timeout_without_a_window(
    run: Run,
) -> None:
    run.world.joining = 1  # each worker reports one of its two users joined
    start_ns = run.clock.now_ns()
    run.start()
    run.conduct()
    assert run.runner.of_type(MSG_WINDOW) == []
    [flush] = run.runner.of_type(MSG_FLUSH)
    # The join clock starts at spawning complete; the timeout is 5 s, checked each 0.1 s.
    assert flush.t_ns == start_ns + 5 * NS_PER_S + 100 * MS
    doc = run.results()
    assert doc["flags"]["incomplete"] == "only 2 of 4 users joined within 5 s"
    # The window that would have been: from the start's whole second, window_s long.
    assert doc["window"]["start_ns"] == start_ns - start_ns % NS_PER_S
    assert doc["window"]["duration_s"] == 2
    assert doc["counters"]["sent"] == 0


def test_a_test_stopped_inside_the_window_flushes_at_once_and_says_so(run: Run) -> None:
    run.start()
    world, clock, environment = run.world, run.clock, run.environment

    def on_window(data: dict[str, Any]) -> None:
        World.on_window(world, data)
        stop_ns = Window.from_dict(data).start_ns + 700 * MS
        stopping = environment.events.test_stopping
        clock.call_at(stop_ns, lambda: stopping.fire(environment=environment))

    run.runner.hooks[MSG_WINDOW] = on_window
    run.conduct()
    [flush] = run.runner.of_type(MSG_FLUSH)
    window = world.window
    assert window is not None and flush.t_ns == window.start_ns + 700 * MS
    doc = run.results()
    assert doc["flags"]["incomplete"] == "the test was stopped before the window closed"
    assert doc["counters"]["sent"] == 1  # the second send was never due


def test_locust_quitting_before_the_flush_is_answered_still_writes_an_incomplete_result(
    run: Run,
) -> None:
    run.world.mute.update(WORKER_IDS)
    run.start()
    world = run.world

    def on_flush(data: Any) -> None:
        World.on_flush(world, data)
        # Locust's quit arrives from outside the master's loop, at its next yield.
        gevent.spawn(run.environment.events.quitting.fire, environment=run.environment)

    run.runner.hooks[MSG_FLUSH] = on_flush
    run.conduct()
    doc = run.results()
    assert doc["flags"]["incomplete"] == "Locust quit before every worker reported"
    assert run.environment.process_exit_code == 0
    assert run.runner.quits == 0  # Locust was already quitting


def test_results_that_cannot_be_written_end_the_run_with_exit_code_2(run: Run) -> None:
    run.settings.results_path.mkdir()  # a folder where the file should go
    run.start()
    run.conduct()
    assert run.coordinator.written is False
    assert run.environment.process_exit_code == 2
    assert run.runner.quits == 1  # the run still ends
    assert run.progress()["phase"] == "done"
