"""Reading callgrind's output files, and the command line that writes them.

The fixtures are real callgrind output, made on 2026-12-07 with valgrind 3.19.0
and this repository's Python 3.11.7 from ``fixtures/callgrind_probe.py``::

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=sys_call_tracing \
        --dump-instr=no --dump-line=no --callgrind-out-file=callgrind.marked.out \
        python3.11 /tmp/fx23.py mark     # (callgrind.unmarked.out: without "mark")

(``/tmp/fx23.py`` then; ``callgrind_probe.py`` is that program, typed.)

valgrind reported "Collected : 30899" and "Collected : 0" for them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.instructions.callgrind import (
    OPTIONS,
    TOGGLE_FUNCTION,
    CallgrindError,
    callgrind_argv,
    find_valgrind,
    parse_totals,
    read_totals,
)

FIXTURES = Path(__file__).parent / "fixtures"


def test_marked_region_total_is_read_from_a_real_output_file() -> None:
    totals = read_totals(FIXTURES / "callgrind.marked.out")
    assert totals.instructions == 30899
    assert totals.events == {"Ir": 30899}
    assert totals.command.endswith("fx23.py mark")
    assert totals.creator == "callgrind-3.19.0"


def test_a_run_that_never_entered_the_marker_is_an_error_not_a_zero() -> None:
    path = FIXTURES / "callgrind.unmarked.out"
    assert parse_totals(path.read_text()).instructions == 0
    with pytest.raises(CallgrindError, match=TOGGLE_FUNCTION):
        read_totals(path)


def test_totals_line_wins_over_summary_and_missing_events_are_zero() -> None:
    text = "version: 1\nevents: Ir Dr Dw\nsummary: 10 4\nfn=(1) f\n3 10 4\ntotals: 12 5\n"
    assert parse_totals(text).events == {"Ir": 12, "Dr": 5, "Dw": 0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no 'events:'"),
        ("version: 1\nevents: Ir\nfn=(1) f\n3 10\n", "cut short"),
        ("events: Ir\ntotals: 1 2\n", "do not match"),
        ("events: Ir\ntotals: many\n", "do not match"),
        ("events: Dr\ntotals: 5\n", "not Ir"),
    ],
)
def test_broken_output_is_refused(text: str, message: str) -> None:
    with pytest.raises(CallgrindError, match=message):
        parse_totals(text)


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CallgrindError, match="cannot read"):
        read_totals(tmp_path / "missing.out")


def test_command_marks_the_region_with_the_toggle(tmp_path: Path) -> None:
    argv = callgrind_argv("/usr/bin/valgrind", tmp_path / "o.out", ["python", "-m", "x"])
    assert argv[0] == "/usr/bin/valgrind"
    assert "--collect-atstart=no" in argv and f"--toggle-collect={TOGGLE_FUNCTION}" in argv
    assert argv[1 : 1 + len(OPTIONS)] == list(OPTIONS)
    assert f"--callgrind-out-file={tmp_path / 'o.out'}" in argv
    assert argv[-3:] == ["python", "-m", "x"]


def test_missing_valgrind_names_the_debian_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CallgrindError, match=r"apt-get install valgrind"):
        find_valgrind()
