"""``roombench run [SCENARIO.toml]``: run a scenario file's configurations and write results.

Exit codes: 0 every run finished, 1 a run failed, 2 usage error, 130 interrupted
(the finished runs are summarized, the unfinished ones named).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from loadtests.commands.options import (
    CpuSets,
    External,
    Load,
    Output,
    Redis,
    Repeats,
    Selection,
    Summary,
    Target,
    scenario_after_only,
)
from loadtests.commands.running import (
    RunSpec,
    prepare,
    report_failures,
    run_into,
    summarize,
    unfinished,
)
from loadtests.commands.subcommand import Subcommand
from loadtests.model.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK


@dataclass(frozen=True)
class RunCommand:
    spec: RunSpec
    summary: Summary = Summary()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=None,
        help="scenario TOML (see loadtests/scenarios/); leave it out with --target",
    )
    Target.add_to(parser)
    Selection.add_to(parser)
    Summary.add_to(parser)
    Output.add_to(parser)
    Load.add_to(parser)
    Repeats.add_to(parser)
    CpuSets.add_to(parser)
    Redis.add_to(parser)
    External.add_to(parser)


def options(ns: argparse.Namespace) -> RunCommand:
    scenario_after_only(ns)
    return RunCommand(RunSpec.from_namespace(ns), Summary.from_namespace(ns))


def execute(command: RunCommand, _extra: list[str]) -> int:
    matrix = prepare(command.spec)
    out_dir = command.spec.output.folder()
    try:
        manifest = run_into(matrix, command.spec, out_dir)
    except KeyboardInterrupt:
        # Every process is stopped by now; report what finished and say what did not.
        print("\ninterrupted: every process started was stopped", file=sys.stderr)
        missing = unfinished(matrix, out_dir)
        if len(missing) < len(matrix.plan()) and command.summary.summary:
            summarize(out_dir)
        print(f"results: {out_dir}")
        print(f"not finished: {', '.join(missing)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if any(o.results_path for o in manifest.outcomes) and command.summary.summary:
        summarize(out_dir)
    print(f"results: {out_dir}")
    if manifest.status != "ok":
        report_failures(manifest, out_dir)
        return EXIT_FAILED
    return EXIT_OK


SUBCOMMAND = Subcommand(
    name="run",
    summary="run a scenario file's configurations; summary, results and HTML report",
    description=__doc__ or "",
    add_arguments=add_arguments,
    options=options,
    execute=execute,
)
