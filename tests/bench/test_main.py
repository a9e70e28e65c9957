from pathlib import Path

import pytest

from bench.launch import BENCH_DIR, instruction_settings, pytest_argv
from loadtests import cli
from loadtests.commands import bench as bench_command
from loadtests.commands.bench import BenchCommand


def parse_args(argv: list[str]) -> tuple[BenchCommand, list[str]]:
    """``roombench bench ARGV`` through the tree: its options, and what goes to pytest."""
    ns, extra = cli.build_parser().parse_known_args(["bench", *argv])
    return bench_command.options(ns), bench_command.pytest_extra(extra)


def main(argv: list[str]) -> int:
    return cli.main(["bench", *argv])


def test_unknown_arguments_go_to_pytest() -> None:
    args, extra = parse_args(["--no-report", "-k", "fanout"])
    assert args.report is False
    assert extra == ["-k", "fanout"]
    assert parse_args(["--", "-x"])[1] == ["-x"]


def test_pytest_command_targets_bench_and_writes_json(tmp_path: Path) -> None:
    argv = pytest_argv(tmp_path / "bench.json", ["-k", "payload"])
    assert argv[1:4] == ["-m", "pytest", str(BENCH_DIR)]
    assert f"--benchmark-json={tmp_path / 'bench.json'}" in argv
    assert argv[-2:] == ["-k", "payload"]


def test_eventlet_command_runs_the_patched_entry_point(tmp_path: Path) -> None:
    from bench.launch import eventlet_argv

    argv = eventlet_argv(tmp_path / "e.json", ["-k", "x"])
    assert argv[1:3] == ["-m", "bench.eventlet_main"]
    assert f"--benchmark-json={tmp_path / 'e.json'}" in argv


def test_instructions_without_valgrind_exit_2_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    runs = tmp_path / "runs"
    assert main(["--instructions", "--out", str(runs)]) == 2
    err = capsys.readouterr().err
    assert "valgrind not found" in err and "apt-get install valgrind" in err
    assert not runs.exists()


def test_instruction_case_pattern_matching_nothing_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    assert main(["--instructions", "--instruction-case", "nope*", "--out", str(runs)]) == 2
    assert "matches no case" in capsys.readouterr().err
    assert not runs.exists()


def test_instruction_options_select_cases_and_the_known_answer() -> None:
    args, extra = parse_args(
        ["--instructions", "--instruction-case", "test_room_message[*]", "-k", "x"]
    )
    assert extra == ["-k", "x"]
    settings = instruction_settings(args.counting)
    assert settings is not None and settings.extra_work is False
    assert settings.case_names == tuple(
        f"test_room_message[{v}]" for v in ("raw", "handler", "dispatch", "handler-direct")
    )
    args, _ = parse_args(["--instructions", "--known-answer-extra-work"])
    known = instruction_settings(args.counting)
    assert known is not None and known.extra_work is True and len(known.case_names) > 10
    assert instruction_settings(parse_args([])[0].counting) is None


def test_the_page_is_built_in_process_and_a_failure_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.launch import build_report
    from tests.reports.factory import make_bench, write_json

    run_dir = tmp_path / "run"
    write_json(make_bench(), run_dir / "bench.json")
    assert build_report(run_dir) == 0
    assert capsys.readouterr().out == f"HTML report: {run_dir / 'index.html'}\n"
    assert (run_dir / "index.html").read_text().startswith("<!DOCTYPE html>")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build_report(empty) == 1  # no bench or results file: the page is not built
    assert capsys.readouterr().out.startswith("report build failed (InputError: ")
