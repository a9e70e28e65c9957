"""A stepped session conducted by the ``Coordinator`` (``RunSettings.control_dir``).

The runner's side is played by writing ``command.json`` into the control folder at
known fake times, as ``capacity/session.py`` does; the workers (``fake_run.World``)
send two messages inside each step's window and answer the step's sync with their
delta so far. The run's own window is long (600 s): the session ends by the stop
command, as a capacity search's does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from loadtests.coordination.messages import MSG_FLUSH, MSG_STEP, MSG_SYNC, MSG_WINDOW
from loadtests.coordination.stepping import COMMAND, step_path
from loadtests.measure.window import Window
from loadtests.units import NS_PER_S
from tests.loadtests.coordination.fake_run import MS, SCENARIO, WORKER_IDS, Run, conducted

SESSION = replace(SCENARIO, window_s=600.0)


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    control = tmp_path / "control"
    control.mkdir()
    with conducted(tmp_path, SESSION, control_dir=control) as made:
        yield made


def command_at(run: Run, t_ns: int, **command: Any) -> None:
    """The runner writes ``command`` into the control folder at ``t_ns``."""
    control = run.settings.control_dir
    assert control is not None
    run.clock.call_at(t_ns, lambda: (control / COMMAND).write_text(json.dumps(command)))


def step_doc(run: Run, index: int) -> dict[str, Any]:
    assert run.settings.control_dir is not None
    return json.loads(step_path(run.settings.control_dir, index).read_text())


def test_a_step_is_started_synced_written_and_the_stop_ends_the_session(run: Run) -> None:
    world = run.world
    for worker in world.workers:  # connects (whole-run counters) reach the master first
        world.report_during_window(worker, 500)
    run.start()
    step_sent: list[int] = []
    previous = run.runner.hooks[MSG_WINDOW]

    def on_window(data: dict[str, Any]) -> None:
        previous(data)  # the run's window opens: two messages (not the step's)
        start_ns = Window.from_dict(data).start_ns
        step_sent.append(start_ns + 3 * NS_PER_S)
        command_at(run, step_sent[0], index=1, rate=2.5, window_s=2, config={"load": 10})

    run.runner.hooks[MSG_WINDOW] = on_window

    def on_sync(data: dict[str, Any]) -> None:
        world.on_sync(data)
        # After step 1 is written, the runner says stop 2 s later.
        command_at(run, run.clock.now_ns() + 2 * NS_PER_S, stop=True)

    run.runner.hooks[MSG_SYNC] = on_sync
    run.conduct()

    [step] = run.runner.of_type(MSG_STEP)
    assert step.t_ns == step_sent[0]  # read at the turn the command appeared
    assert step.data["index"] == 1 and step.data["rate"] == 2.5
    step_window = Window.from_dict(step.data["window"])
    # Settle = the warm-up (1 s), on a whole second; window_s whole seconds.
    assert step_window.start_ns == -(-(step_sent[0] + NS_PER_S) // NS_PER_S) * NS_PER_S
    assert step_window.duration_s == 2
    [sync] = run.runner.of_type(MSG_SYNC)
    assert sync.data == {"index": 1} and sync.t_ns == step_window.drain_end_ns

    # The step's document: only its window's sends, the step's rate and configuration.
    doc = step_doc(run, 1)
    counters = doc["counters"]
    assert (counters["sent"], counters["expected"], counters["delivered"]) == (2, 8, 8)
    assert doc["window"]["start_ns"] == step_window.start_ns
    assert doc["scenario"]["rate_per_sender_per_s"] == 2.5
    assert doc["scenario"]["window_s"] == 2
    assert doc["config"]["load"] == 10 and doc["config"]["name"] == "single"
    assert "incomplete" not in doc["flags"]
    # Whole-run counters count from the step's start: the connects came before it.
    assert doc["counters"]["connects"] == 0

    # The stop flushes the session; its window was cut at the stop minus the drain.
    [flush] = run.runner.of_type(MSG_FLUSH)
    whole = run.results()
    end_ns = flush.t_ns - NS_PER_S
    assert whole["window"]["end_ns"] == end_ns - end_ns % NS_PER_S
    assert whole["counters"]["sent"] == 4  # the run window's two and the step's two
    assert whole["counters"]["connects"] == 4
    assert "incomplete" not in whole["flags"]
    assert run.runner.quits == 1


def test_a_worker_that_does_not_answer_the_sync_makes_the_step_incomplete(run: Run) -> None:
    run.world.mute_sync.add(WORKER_IDS[1])
    run.world.report_during_window(run.world.workers[1], 500)  # its memberships are known
    run.start()
    previous = run.runner.hooks[MSG_WINDOW]

    def on_window(data: dict[str, Any]) -> None:
        previous(data)
        start_ns = Window.from_dict(data).start_ns
        command_at(run, start_ns + 3 * NS_PER_S, index=1, rate=1.0, window_s=2)

    run.runner.hooks[MSG_WINDOW] = on_window

    def on_sync(data: dict[str, Any]) -> None:
        run.world.on_sync(data)
        command_at(run, run.clock.now_ns() + 20 * NS_PER_S, stop=True)

    run.runner.hooks[MSG_SYNC] = on_sync
    run.conduct()
    [sync] = run.runner.of_type(MSG_SYNC)
    doc = step_doc(run, 1)
    assert doc["flags"]["incomplete"] == (
        f"1 worker(s) did not report step 1 within 15 s: {WORKER_IDS[1]}"
    )
    # Worker 1's receipts of the step never reached the master: lost, not forgotten.
    counters = doc["counters"]
    assert (counters["sent"], counters["expected"], counters["delivered"]) == (2, 8, 4)
    assert run.runner.of_type(MSG_FLUSH)[0].t_ns > sync.t_ns + 15 * NS_PER_S


def test_a_bad_command_ends_the_session(run: Run) -> None:
    run.start()

    def on_window(data: dict[str, Any]) -> None:
        run.world.on_window(data)
        command_at(run, Window.from_dict(data).start_ns + 500 * MS, index=2, rate=1.0, window_s=2)

    run.runner.hooks[MSG_WINDOW] = on_window
    run.conduct()
    assert run.runner.of_type(MSG_STEP) == []
    [flush] = run.runner.of_type(MSG_FLUSH)
    window = run.world.window
    assert window is not None and flush.t_ns == window.start_ns + 500 * MS
    assert run.coordinator.stepper is not None
    assert "step 2 after step 0" in run.coordinator.stepper.finish_reason
