"""The master's side of a stepped session, driven by a fake clock and real command files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.coordination.stepping import COMMAND, StepAction, Stepper
from loadtests.units import NS_PER_S

T0 = 1_700_000_000 * NS_PER_S + 300_000_000  # not on a whole second
WORKERS = {"w1", "w2"}


def _command(control: Path, **command: object) -> None:
    (control / COMMAND).write_text(json.dumps(command))


def _stepper(tmp_path: Path) -> Stepper:
    return Stepper(tmp_path, settle_s=2.0, drain_s=1.0, sync_timeout_s=5.0, idle_timeout_s=30.0)


def test_a_step_is_planned_synced_and_written_then_the_next_waits_for_its_command(
    tmp_path: Path,
) -> None:
    stepper = _stepper(tmp_path)
    assert stepper.poll(T0, WORKERS) is StepAction.WAIT  # no command yet
    _command(tmp_path, index=1, rate=2.5, window_s=4, config={"load": 1000})
    assert stepper.poll(T0, WORKERS) is StepAction.START
    step = stepper.current
    assert step is not None and step.rate == 2.5 and step.config == {"load": 1000}
    # Settle 2 s, then 4 whole seconds, then the drain.
    assert step.window.start_ns == T0 - 300_000_000 + 3 * NS_PER_S
    assert step.window.duration_s == 4
    assert stepper.poll(step.window.drain_end_ns - 1, WORKERS) is StepAction.WAIT
    assert stepper.poll(step.window.drain_end_ns, WORKERS) is StepAction.SYNC
    assert stepper.poll(step.window.drain_end_ns + 1, WORKERS) is StepAction.WAIT
    assert stepper.on_synced("w1", 1) and not stepper.on_synced("w2", 7)  # not step 7's
    assert stepper.poll(step.window.drain_end_ns + 2, WORKERS) is StepAction.WAIT
    assert stepper.on_synced("w2", 1)
    assert stepper.poll(step.window.drain_end_ns + 3, WORKERS) is StepAction.WRITE
    assert step.incomplete == []
    stepper.written(step.window.drain_end_ns + 4)
    # The same command again is the step already written: wait for the next.
    assert stepper.poll(step.window.drain_end_ns + 5, WORKERS) is StepAction.WAIT
    _command(tmp_path, index=2, rate=5.0, window_s=4)
    assert stepper.poll(step.window.drain_end_ns + 6, WORKERS) is StepAction.START
    assert stepper.current is not None and stepper.current.index == 2
    assert stepper.current.config == {}


def test_a_worker_that_does_not_answer_the_sync_makes_the_step_incomplete(tmp_path: Path) -> None:
    stepper = _stepper(tmp_path)
    _command(tmp_path, index=1, rate=1.0, window_s=2)
    assert stepper.poll(T0, WORKERS) is StepAction.START
    end = stepper.current.window.drain_end_ns  # type: ignore[union-attr]
    assert stepper.poll(end, WORKERS) is StepAction.SYNC
    stepper.on_synced("w1", 1)
    assert stepper.poll(end + 5 * NS_PER_S, WORKERS) is StepAction.WAIT
    assert stepper.poll(end + 5 * NS_PER_S + 1, WORKERS) is StepAction.WRITE
    assert stepper.current is not None
    assert stepper.current.incomplete == ["1 worker(s) did not report step 1 within 5 s: w2"]


def test_stop_and_silence_both_end_the_session(tmp_path: Path) -> None:
    stepper = _stepper(tmp_path)
    _command(tmp_path, stop=True)
    assert stepper.poll(T0, WORKERS) is StepAction.FINISH
    assert stepper.finish_reason == ""
    quiet = Stepper(tmp_path / "none", settle_s=1.0, drain_s=1.0, idle_timeout_s=30.0)
    assert quiet.poll(T0, WORKERS) is StepAction.WAIT
    assert quiet.poll(T0 + 30 * NS_PER_S, WORKERS) is StepAction.WAIT
    assert quiet.poll(T0 + 30 * NS_PER_S + 1, WORKERS) is StepAction.FINISH
    assert quiet.finish_reason == "no step command for 30 s"


@pytest.mark.parametrize(
    ("command", "named"),
    [
        ({"index": 0, "rate": 1.0, "window_s": 4}, "index 0"),
        ({"index": 2, "rate": 1.0, "window_s": 4}, "step 2 after step 0"),
        ({"index": 1, "rate": 0, "window_s": 4}, "rate 0"),
        ({"index": 1, "rate": "fast", "window_s": 4}, "rate 'fast'"),
        ({"index": 1, "rate": 1.0, "window_s": 0}, "window_s 0"),
        ({"index": 1, "rate": 1.0, "window_s": 4, "config": []}, "config"),
    ],
)
def test_a_bad_command_ends_the_session_naming_what_is_wrong(
    tmp_path: Path, command: dict[str, object], named: str
) -> None:
    stepper = _stepper(tmp_path)
    _command(tmp_path, **command)
    assert stepper.poll(T0, WORKERS) is StepAction.FINISH
    assert named in stepper.finish_reason


def test_a_command_that_is_not_json_ends_the_session(tmp_path: Path) -> None:
    stepper = _stepper(tmp_path)
    (tmp_path / COMMAND).write_text("{")
    assert stepper.poll(T0, WORKERS) is StepAction.FINISH
    assert "is not JSON" in stepper.finish_reason
