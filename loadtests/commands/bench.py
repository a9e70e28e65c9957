"""``roombench bench``: the fan-out micro-benchmarks (pytest-benchmark) and their report.

Arguments this command does not know go to both pytest runs (``-k fanout``,
``--benchmark-verbose``). pytest's exit codes are mapped onto roombench's:
0 → 0, 1 (a benchmark failed) → 1, 2 (interrupted) → 130, 3 (internal error) → 1,
4 (pytest usage error) → 2, 5 (no benchmark selected) → 2 with a line naming the ``-k``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.instructions.callgrind import CallgrindError
from bench.launch import (
    JSON_NAME,
    NO_TESTS_COLLECTED,
    REPO,
    Counting,
    add_instructions,
    build_report,
    instruction_settings,
    pytest_argv,
    run_eventlet,
)
from bench.summary import summary_lines
from loadtests.commands.options import DeprecatedStore, Output
from loadtests.commands.subcommand import Subcommand
from loadtests.model.errors import InputError
from loadtests.model.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from loadtests.orchestrate.rundir import RUNS_ROOT, new_run_dir

# pytest's exit codes (pytest.ExitCode) -> roombench's (loadtests.model.exit_codes)
PYTEST_EXIT = {
    0: EXIT_OK,
    1: EXIT_FAILED,  # a benchmark failed
    2: EXIT_INTERRUPTED,
    3: EXIT_FAILED,  # pytest's internal error
    4: EXIT_USAGE,  # pytest's usage error
    NO_TESTS_COLLECTED: EXIT_USAGE,  # the -k selected no benchmark
}


@dataclass(frozen=True)
class BenchCommand:
    output: Output = Output()
    runs_root: Path = REPO / RUNS_ROOT  # the deprecated --runs-root: parent of a new folder
    report: bool = True
    eventlet: bool = True
    counting: Counting = Counting()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    Output.add_to(parser, "the run folder for bench.json and the report")
    parser.add_argument(
        "--runs-root", dest="runs_root", type=Path, action=DeprecatedStore, new="--out DIR"
    )
    parser.add_argument("--no-report", action="store_true", help="do not build the HTML report")
    parser.add_argument(
        "--no-eventlet",
        action="store_true",
        help="skip the eventlet run (bench/eventlet_fanout.py)",
    )
    counting = parser.add_argument_group("instruction counts (valgrind callgrind)")
    counting.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions per delivery of the fan-out benchmarks without network "
        "I/O, each in its own process under callgrind, into bench.json beside the times",
    )
    counting.add_argument(
        "--instruction-case",
        action="append",
        default=None,
        metavar="PATTERN",
        help="count only the cases whose name matches this pattern (* and ? wildcards, "
        "brackets literal; repeatable; default: all), e.g. 'test_room_message[*]'",
    )
    counting.add_argument(
        "--instruction-jobs",
        type=int,
        default=2,
        metavar="N",
        help="callgrind processes at a time (default 2; counts do not depend on it)",
    )
    counting.add_argument(
        "--known-answer-extra-work",
        action="store_true",
        help="count a test variant of the reference handler that does a fixed piece of "
        "work per recipient (about +2 %% on the handler path): the gate must catch it",
    )


def options(ns: argparse.Namespace) -> BenchCommand:
    if ns.instruction_jobs < 1:
        raise InputError("--instruction-jobs must be >= 1")
    return BenchCommand(
        output=Output.from_namespace(ns),
        runs_root=getattr(ns, "runs_root", None) or REPO / RUNS_ROOT,
        report=not ns.no_report,
        eventlet=not ns.no_eventlet,
        counting=Counting(
            instructions=ns.instructions,
            cases=tuple(ns.instruction_case or ()),
            jobs=ns.instruction_jobs,
            extra_work=ns.known_answer_extra_work,
        ),
    )


def pytest_extra(extra: list[str]) -> list[str]:
    """The arguments for pytest (a leading ``--`` dropped)."""
    return extra[1:] if extra[:1] == ["--"] else extra


def execute(command: BenchCommand, extra: list[str]) -> int:
    extra = pytest_extra(extra)
    try:
        counting = instruction_settings(command.counting)
    except (CallgrindError, ValueError) as exc:
        raise InputError(str(exc)) from exc
    if command.output.out is None:
        run_dir = new_run_dir(command.runs_root)
    else:
        run_dir = command.output.folder()
    json_path = run_dir / JSON_NAME
    print(f"benchmarks -> {json_path}", flush=True)
    codes = [subprocess.run(pytest_argv(json_path, extra), cwd=REPO).returncode]
    if command.eventlet:
        codes.append(run_eventlet(run_dir, json_path, extra))
    # A -k may select one run's benchmarks only: "no tests" counts when both say so.
    selected = [c for c in codes if c != NO_TESTS_COLLECTED]
    code = next((c for c in selected if c), EXIT_OK) if selected else NO_TESTS_COLLECTED
    if counting is not None:
        timed = EXIT_OK if code == NO_TESTS_COLLECTED else code  # the counts are the point
        code = add_instructions(json_path, counting) or timed
    if code == NO_TESTS_COLLECTED:
        print(
            f"roombench bench: no benchmark selected by {' '.join(extra) or 'the options'}; "
            "check the -k expression",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not json_path.exists():
        print(f"no benchmark results were written (pytest exit code {code})")
        return PYTEST_EXIT.get(code, EXIT_FAILED) or EXIT_FAILED
    print("\n".join(["", "summary:", *summary_lines(json.loads(json_path.read_text()))]))
    print(f"results: {json_path}")
    report_code = 0 if not command.report else build_report(run_dir)
    return PYTEST_EXIT.get(code, EXIT_FAILED) or (EXIT_FAILED if report_code else EXIT_OK)


SUBCOMMAND = Subcommand(
    name="bench",
    summary="fan-out micro-benchmarks (pytest-benchmark) and their report",
    description=__doc__ or "",
    add_arguments=add_arguments,
    options=options,
    execute=execute,
    passes_through=True,
)
