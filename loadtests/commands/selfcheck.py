"""``roombench gate-selfcheck``: measure the gate's false-positive rate and power here.

It runs a pool of the gate scenario's base configuration (A/A, +1 ms, +2 ms
delayed copies) and judges random A/B families drawn from it, or judges a pool
already run (``--from DIR``). Exit codes: 0 done, 1 a run failed, 2 usage
error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from loadtests.commands.gate import GATE_SCENARIO
from loadtests.commands.options import CpuSets, Load, Output, Redis, Repeats, Rules
from loadtests.commands.running import RunSpec, prepare
from loadtests.commands.subcommand import Subcommand
from loadtests.gate import ab, selfcheck
from loadtests.model.exit_codes import EXIT_OK
from loadtests.model.load import ScenarioError
from loadtests.orchestrate.runner import RunOptions
from reports.rules import RulesError, load_rules


@dataclass(frozen=True)
class SelfcheckCommand:
    spec: RunSpec
    rules: Rules = Rules()
    blocks: int = 12
    pool: Path | None = None  # --from: judge this pool instead of running one
    resamples: int = 200
    seed: int = 0
    app_ref: str | None = None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=GATE_SCENARIO,
        help="the A/B gate scenario whose base configuration the pool runs "
        "(default: loadtests/scenarios/gate.toml)",
    )
    parser.add_argument(
        "--blocks",
        type=int,
        default=12,
        metavar="N",
        help="pool blocks of 3 base runs, one +1 ms and one +2 ms run each (default 12: "
        "60 runs, about 25 min)",
    )
    parser.add_argument(
        "--from",
        dest="pool",
        type=Path,
        default=None,
        metavar="DIR",
        help="judge a pool already run into DIR instead of running one",
    )
    parser.add_argument(
        "--resamples", type=int, default=200, metavar="N", help="gates a family (200)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seed of the pool order and draws (0)"
    )
    Rules.add_to(parser)
    parser.add_argument(
        "--app-ref",
        default=None,
        metavar="REF",
        help="run every configuration's target_app from a git worktree of REF",
    )
    Output.add_to(parser)
    Load.add_to(parser)
    Repeats.add_to(parser)
    CpuSets.add_to(parser)
    Redis.add_to(parser)


def options(ns: argparse.Namespace) -> SelfcheckCommand:
    return SelfcheckCommand(
        spec=RunSpec.from_namespace(ns),
        rules=Rules.from_namespace(ns),
        blocks=ns.blocks,
        pool=ns.pool,
        resamples=ns.resamples,
        seed=ns.seed,
        app_ref=ns.app_ref,
    )


def execute(command: SelfcheckCommand, _extra: list[str]) -> int:
    try:
        rules = load_rules(command.rules.rules)
    except RulesError as exc:
        raise ScenarioError(str(exc)) from exc
    matrix = prepare(command.spec)
    ab.check_sides(matrix)
    if command.pool is not None:
        out_dir = command.pool
    else:
        if not 1 <= command.blocks <= 100:
            raise ScenarioError(f"--blocks {command.blocks} is out of range; allowed: 1..100")
        with ExitStack() as stack:
            if command.app_ref:
                app_dir = stack.enter_context(ab.worktree(command.app_ref))
                matrix = replace(
                    matrix, configs=tuple(ab.with_app_dir(c, app_dir) for c in matrix.configs)
                )
            out_dir = command.spec.output.folder()
            redis = command.spec.redis
            options = RunOptions(out_dir, command.spec.load.duration_s, redis.url, redis.server)
            scenario = str(command.spec.scenario)
            selfcheck.run_pool(matrix, command.blocks, options, scenario, command.seed)
    doc = selfcheck.judge_pool(out_dir, rules, matrix.repeat, command.resamples, command.seed)
    selfcheck.write(doc, out_dir)
    sys.stdout.write(selfcheck.render(doc))
    print(f"selfcheck written to {out_dir}/selfcheck.md")
    return EXIT_OK


SUBCOMMAND = Subcommand(
    name="gate-selfcheck",
    summary="measure the gate's false-positive rate and power on this machine",
    description=__doc__ or "",
    add_arguments=add_arguments,
    options=options,
    execute=execute,
)
