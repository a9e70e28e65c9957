"""The progress line: phase, the master's figures, an ETA only when known; no codes in logs."""

from __future__ import annotations

import io
import json
from pathlib import Path

from loadtests.orchestrate.progress import Progress, eta_s, eta_text, plain
from loadtests.units import NS_PER_S

WINDOW = {"start_ns": 100 * NS_PER_S, "end_ns": 130 * NS_PER_S, "drain_s": 3.0, "warmup_s": 5.0}


def test_no_eta_before_everyone_joined() -> None:
    state = {"phase": "joining", "joined": 40, "users": 200}
    assert eta_s(state, 95 * NS_PER_S) is None
    assert eta_text(state, 95 * NS_PER_S) == "ETA once every user has joined"


def test_between_steps_of_a_session_the_line_waits_for_the_next_step() -> None:
    state = {"phase": "between steps", "joined": 5, "users": 5}
    assert eta_text(state, 0) == "waiting for the next step"


def test_eta_is_the_planned_window_end_plus_drain_and_flush() -> None:
    state = {"phase": "window", "window": WINDOW}
    assert eta_s(state, 110 * NS_PER_S) == 20 + 3 + 2
    assert eta_text(state, 110 * NS_PER_S) == "about 25 s left"
    # Past the end it never counts below zero or beyond: it says what is happening.
    assert eta_text(state, 200 * NS_PER_S) == "finishing"
    assert eta_text({"phase": "done", "window": WINDOW}, 200 * NS_PER_S) == "done"


class _Log(io.StringIO):
    def isatty(self) -> bool:
        return False


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_plain_lines_on_phase_changes(tmp_path: Path) -> None:
    said: list[str] = []
    stream = _Log()
    progress = Progress("[1/2] single", 53, said.append, log_every_s=3600, stream=stream)
    path = tmp_path / "p.json"
    for phase in ("joining", "joining", "warmup", "window", "window"):
        path.write_text(json.dumps({"phase": phase, "joined": 1, "users": 2}))
        progress.tick(path)
    progress.done()
    phases = [line.split(" s  ", 1)[1].split(",")[0] for line in said]
    assert phases == ["joining", "warmup", "window"]
    assert stream.getvalue() == ""
    assert all(line == plain(line) for line in said)
    assert all("\x1b" not in line and "\r" not in line for line in said)


def test_a_terminal_gets_one_redrawn_line_cut_to_120_columns(tmp_path: Path) -> None:
    stream = _Tty()
    progress = Progress("[1/2] " + "x" * 200, 53, stream=stream)
    path = tmp_path / "missing.json"  # not written yet: "starting"
    progress.tick(path)
    progress.done()
    drawn = stream.getvalue()
    assert drawn.startswith("\r\x1b[K") and drawn.endswith("\n")
    assert len(drawn.removeprefix("\r\x1b[K").rstrip("\n")) <= 119


def test_plain_removes_control_characters() -> None:
    assert plain("a\x1b[Kb\rc\td") == "a[Kbcd"


def test_a_full_log_line_fits_120_columns() -> None:
    state = {
        "phase": "window",
        "joined": 2000,
        "users": 2000,
        "deliveries_per_s": 123456,
        "p99_us": 123456,
        "lost": 99999,
        "window": WINDOW,
    }
    progress = Progress("[12/12] redis-2-gevent.11", 53, stream=_Log())
    line = progress.line(state, 110 * NS_PER_S)
    assert len(line) <= 120, line
    assert line.endswith("(about 25 s left)")


def test_a_long_label_gives_way_to_the_figures() -> None:
    progress = Progress("[1/1] " + "a-very-long-configuration-name-" * 5, 53, stream=_Log())
    line = progress.line({"phase": "window", "window": WINDOW}, 110 * NS_PER_S)
    assert len(line) == 120 and "…" in line and line.endswith("(about 25 s left)")
