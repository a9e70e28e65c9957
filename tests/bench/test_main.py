from pathlib import Path

from bench.__main__ import BENCH_DIR, parse_args, pytest_argv


def test_unknown_arguments_go_to_pytest() -> None:
    args, extra = parse_args(["--no-report", "-k", "fanout"])
    assert args.no_report is True
    assert extra == ["-k", "fanout"]
    assert parse_args(["--", "-x"])[1] == ["-x"]


def test_pytest_command_targets_bench_and_writes_json(tmp_path: Path) -> None:
    argv = pytest_argv(tmp_path / "bench.json", ["-k", "payload"])
    assert argv[1:4] == ["-m", "pytest", str(BENCH_DIR)]
    assert f"--benchmark-json={tmp_path / 'bench.json'}" in argv
    assert argv[-2:] == ["-k", "payload"]


def test_eventlet_command_runs_the_patched_entry_point(tmp_path: Path) -> None:
    from bench.__main__ import eventlet_argv

    argv = eventlet_argv(tmp_path / "e.json", ["-k", "x"])
    assert argv[1:3] == ["-m", "bench.eventlet_main"]
    assert f"--benchmark-json={tmp_path / 'e.json'}" in argv
