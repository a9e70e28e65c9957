"""``roombench``'s one parser tree: every --help, each deprecated spelling, the exit codes.

In-process through ``loadtests.cli.main`` (no load, no servers), except where the
process itself is the point: ``roombench locust`` re-executes itself as Locust, and
the ``python -m`` aliases are programs of their own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from loadtests import cli
from loadtests.commands import bench, capacity, gate, report, run
from loadtests.commands.options import Output
from loadtests.model.exit_codes import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REGRESSION,
    EXIT_USAGE,
)
from tests.reports.factory import write_demo_run

REPO = Path(__file__).resolve().parents[3]
IN_PROCESS = sorted(set(cli.SUBCOMMANDS) - {"locust"})  # locust execs Locust: a subprocess


def _options(*argv: str) -> object:
    """The options dataclass ``roombench ARGV`` builds (what its subcommand is given)."""
    ns, _extra = cli.build_parser().parse_known_args(list(argv))
    return cli.SUBCOMMANDS[argv[0]].options(ns)


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_the_tree_has_every_subcommand() -> None:
    assert list(cli.SUBCOMMANDS) == [
        "run",
        "gate",
        "gate-selfcheck",
        "capacity",
        "report",
        "summary",
        "locust",
        "worker",
        "bench",
    ]


@pytest.mark.parametrize("name", IN_PROCESS)
def test_every_subcommand_help_starts_with_its_roombench_usage(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([name, "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(f"usage: roombench {name} ")
    assert max(len(line) for line in out.splitlines()) <= 120


def test_locust_help_starts_with_its_roombench_usage() -> None:
    done = _python("-m", "loadtests.cli", "locust", "--help")
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.startswith("usage: roombench locust ")
    assert "--roombench-scenario" in done.stdout


def test_no_subcommand_and_an_unknown_option_are_usage_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main([]) == EXIT_USAGE
    assert "a subcommand is required" in capsys.readouterr().err
    assert cli.main(["run", "--frobnicate"]) == EXIT_USAGE
    assert capsys.readouterr().err == "roombench run: error: unrecognized arguments: --frobnicate\n"
    assert cli.main(["capacity", "--axis", "nope"]) == EXIT_USAGE
    assert "roombench capacity: error: argument --axis: invalid choice" in capsys.readouterr().err


def test_an_input_error_below_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """capacity's errors (no bare `return 2`, no own prefix) and reports' share one path."""
    code = cli.main(["capacity", "--max-steps", "0", "--out", str(tmp_path / "c")])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == "roombench capacity: error: --max-steps: 0 is out of range; allowed: 1..50\n"
    assert not (tmp_path / "c").exists()
    assert cli.main(["summary", str(tmp_path)]) == EXIT_USAGE
    assert capsys.readouterr().err == f"roombench summary: error: no results files in {tmp_path}\n"


def test_only_comma_separated_and_repeatable(capsys: pytest.CaptureFixture[str]) -> None:
    one = _options("run", "scenario.toml", "--only", "a,b")
    two = _options("run", "scenario.toml", "--only", "a", "--only", "b")
    assert isinstance(one, run.RunCommand) and one.spec.selection.only == ("a", "b")
    assert one == two
    assert capsys.readouterr().err == ""


def test_only_space_separated_is_deprecated_and_parses_the_same(
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = _options("run", "--only", "a", "b", "--out", "x")
    assert capsys.readouterr().err == (
        "--only a b: write --only a,b (the space-separated form goes in the next release)\n"
    )
    assert old == _options("run", "--only", "a,b", "--out", "x")


def test_only_no_longer_swallows_the_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    swallowed = _options("run", "--only", "single", "loadtests/scenarios/default.toml")
    assert isinstance(swallowed, run.RunCommand)
    assert swallowed.spec.scenario == Path("loadtests/scenarios/default.toml")
    assert swallowed.spec.selection.only == ("single",)
    assert capsys.readouterr().err == ""
    # capacity's own old form, --only A,B before the scenario: no line, the same options
    old = _options("capacity", "--only", "a,b", "x.toml")
    assert old == _options("capacity", "x.toml", "--only", "a,b")
    assert isinstance(old, capacity.CapacityCommand) and old.scenario == Path("x.toml")
    assert capsys.readouterr().err == ""


def test_gate_config_is_deprecated_and_parses_as_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stored = ("gate", "--baseline", "b", "--candidate", "c")
    old = _options(*stored, "--config", "r.toml")
    assert capsys.readouterr().err == (
        "--config: write --rules (the old spelling goes in the next release)\n"
    )
    assert old == _options(*stored, "--rules", "r.toml")
    assert isinstance(old, gate.GateInputs) and old.rules == Path("r.toml")


def test_gate_mode_comes_from_the_parsed_options(capsys: pytest.CaptureFixture[str]) -> None:
    with_equals = _options("gate", "--baseline=b", "--candidate", "c")
    assert isinstance(with_equals, gate.GateInputs) and with_equals.baseline == (Path("b"),)
    ab = _options("gate", "--rules", "r.toml", "--adaptive")
    assert isinstance(ab, gate.GateRun) and ab.spec.scenario == gate.GATE_SCENARIO
    assert cli.main(["gate", "--baseline", "b", "--candidate", "c", "--adaptive", "x.toml"]) == 2
    assert capsys.readouterr().err.startswith(
        "roombench gate: error: a scenario file, --adaptive: not with --baseline"
    )
    assert cli.main(["gate", "--candidate", "c"]) == EXIT_USAGE
    assert "--candidate: only with --baseline" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["report", "summary"])
def test_report_baseline_config_is_deprecated_for_compare_with(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _options(name, "run-dir", "--baseline", "redis-2")
    assert capsys.readouterr().err == (
        "--baseline redis-2: write --compare-with redis-2 (the old spelling goes in the next "
        "release)\n"
    )
    new = _options(name, "run-dir", "--compare-with", "redis-2")
    assert old == new
    assert isinstance(new, report.ReportCommand | report.SummaryCommand)
    assert new.compare_with == "redis-2"
    # A folder there is stored results: refused, pointing at the gate.
    assert cli.main([name, "run-dir", "--baseline", str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"{tmp_path} is a folder" in err and "roombench gate --baseline DIR" in err


def test_bench_runs_root_is_deprecated_for_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _options("bench", "--runs-root", str(tmp_path))
    assert capsys.readouterr().err == (
        "--runs-root: write --out DIR (the old spelling goes in the next release)\n"
    )
    assert old == bench.BenchCommand(runs_root=tmp_path)  # a new folder under it, as before
    assert _options("bench", "--out", str(tmp_path / "b")) == bench.BenchCommand(
        output=Output(tmp_path / "b")
    )


@pytest.mark.parametrize(
    ("alias", "tree"),
    [
        (["loadtests", "run"], ["run"]),
        (["loadtests", "capacity"], ["capacity"]),
        (["loadtests.capacity"], ["capacity"]),
        (["reports", "build"], ["report"]),
        (["reports", "summary"], ["summary"]),
        (["reports", "gate"], ["gate"]),
        (["bench"], ["bench"]),
    ],
)
def test_python_m_aliases_are_roombench_with_a_line(alias: list[str], tree: list[str]) -> None:
    old = _python("-m", *alias, "--help")
    new = _python("-m", "loadtests.cli", *tree, "--help")
    assert old.returncode == new.returncode == EXIT_OK, old.stderr
    assert old.stdout == new.stdout
    assert old.stderr == (
        f"python -m {alias[0]} is roombench now; this spelling goes in the next release\n"
    )


def test_python_m_reports_gate_never_starts_runs() -> None:
    """``python -m reports gate`` judged stored results only: without --baseline, exit 2."""
    done = _python("-m", "reports", "gate")
    assert done.returncode == EXIT_USAGE
    assert "--baseline BASE... is required" in done.stderr


def test_python_m_reports_summary_reads_a_stored_run(tmp_path: Path) -> None:
    demo = write_demo_run(tmp_path / "run", repeats=1)
    old = _python("-m", "reports", "summary", str(demo))
    new = _python("-m", "loadtests.cli", "summary", str(demo))
    assert old.returncode == new.returncode == EXIT_OK, old.stderr
    assert old.stdout == new.stdout


def test_one_set_of_exit_codes() -> None:
    assert (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INCONCLUSIVE, EXIT_INTERRUPTED) == (
        0,
        1,
        2,
        3,
        130,
    )
    assert EXIT_REGRESSION == EXIT_FAILED  # the gate's re-export names the same codes


def test_bench_maps_pytest_exit_codes() -> None:
    assert bench.PYTEST_EXIT == {0: 0, 1: 1, 2: 130, 3: 1, 4: 2, 5: 2}


def test_bench_selecting_no_benchmark_is_a_usage_error_naming_the_k(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pytest's 5 (no tests collected) from both runs -> 2, with a line naming the -k."""
    out = tmp_path / "b"
    code = cli.main(["bench", "--out", str(out), "--no-report", "-k", "no_such_benchmark_x"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "roombench bench: no benchmark selected by -k no_such_benchmark_x" in err
