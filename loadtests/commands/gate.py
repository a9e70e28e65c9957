"""``roombench gate``: the regression gate, from A/B runs or from stored results.

Without ``--baseline`` it runs an A/B scenario (configurations ``base`` and
``candidate``, repeats interleaved ABBA) and judges the runs; with
``--baseline BASE... --candidate CAND...`` it judges stored results. The mode
is chosen from the parsed options; an option of the other mode is a usage
error that names it.

Exit codes: 0 pass, 1 regression (or a failed run), 2 usage error,
3 inconclusive, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from loadtests.commands.options import (
    CpuSets,
    External,
    Load,
    Output,
    Redis,
    Repeats,
    Rules,
    Stored,
    Summary,
)
from loadtests.commands.running import RunSpec, prepare, report_failures, run_into, summarize
from loadtests.commands.subcommand import Subcommand
from loadtests.gate import ab
from loadtests.gate import cli as stored_gate
from loadtests.gate.cli import GateInputs
from loadtests.model.errors import InputError
from loadtests.model.exit_codes import EXIT_USAGE
from loadtests.orchestrate.runner import Manifest

GATE_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "gate.toml"
# The options of one mode only, by dest and spelling: named when given in the other mode.
AB_ONLY = {
    "scenario": "a scenario file",
    "base_ref": "--base-ref",
    "order": "--order",
    "seed": "--seed",
    "adaptive": "--adaptive",
    "max_repeats": "--max-repeats",
    "no_summary": "--no-summary",
    "out": "--out",
    "duration": "--duration",
    "repeat": "--repeat",
    "cpu_sets": "--cpu-sets",
    "redis_server": "--redis-server",
    "redis_url": "--redis-url",
    "external_workers": "--external-workers",
    "master_bind": "--master-bind",
    "workers_timeout": "--workers-timeout",
}
STORED_ONLY = {
    "candidate": "--candidate",
    "manifest": "--manifest",
    "looks": "--looks",
    "metric": "--metric",
    "json_out": "--json-out",
    "markdown_out": "--markdown-out",
    "wide": "--wide",
}


@dataclass(frozen=True)
class GateRun:
    """The A/B mode's options."""

    spec: RunSpec
    rules: Rules = Rules()
    summary: Summary = Summary()
    base_ref: str | None = None
    plan: ab.GatePlan = ab.GatePlan()
    max_repeats: int | None = None  # None: the scenario's repeat + 4
    step_summary: str | None = None  # $GITHUB_STEP_SUMMARY: the verdict's Markdown appended


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=None,
        help="A/B scenario with configurations 'base' and 'candidate' "
        "(default: loadtests/scenarios/gate.toml)",
    )
    Stored.add_to(parser)
    Rules.add_to(parser, old_config=True)
    parser.add_argument(
        "--manifest",
        type=Path,
        action="append",
        default=None,
        metavar="RUN_JSON",
        help="with --baseline: the candidate's run.json (its failed runs fail the gate); read "
        "by default from a candidate folder",
    )
    parser.add_argument(
        "--looks",
        type=int,
        default=None,
        metavar="N",
        help="with --baseline: planned looks of an adaptive gate; alpha is split evenly over "
        "them (default 1)",
    )
    parser.add_argument(
        "--metric",
        action="append",
        default=None,
        metavar="NAME",
        help="with --baseline: judge only this rule of the rules file (repeatable), e.g. "
        "bench_instructions_per_delivery for the instruction gate alone",
    )
    parser.add_argument(
        "--json-out",
        type=Path,
        metavar="FILE",
        help="with --baseline: verdict JSON (default: CAND_DIR/gate.json)",
    )
    parser.add_argument(
        "--markdown-out",
        type=Path,
        metavar="FILE",
        help="with --baseline: also write the Markdown table here",
    )
    parser.add_argument(
        "--wide",
        action="store_true",
        help="with --baseline: every column in the terminal (default: 120 columns)",
    )
    parser.add_argument(
        "--base-ref",
        default=None,
        metavar="REF",
        help="run the base from a git worktree of this commit (e.g. origin/main)",
    )
    Summary.add_to(parser)
    parser.add_argument(
        "--order",
        choices=ab.ORDERS,
        default=None,
        help="run order of the repeats: abba blocks (default) or a seeded random order",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of --order random (0)")
    parser.add_argument(
        "--adaptive",
        action="store_true",
        help="when inconclusive for want of evidence, add interleaved repeats "
        f"({ab.ADAPTIVE_STEP} a side at a time) up to --max-repeats",
    )
    parser.add_argument(
        "--max-repeats",
        type=int,
        default=None,
        metavar="K",
        help="repeats a side an adaptive gate may reach (default: --repeat + 4)",
    )
    Output.add_to(parser)
    Load.add_to(parser)
    Repeats.add_to(parser)
    CpuSets.add_to(parser)
    Redis.add_to(parser)
    External.add_to(parser)


def _given(ns: argparse.Namespace, names: dict[str, str]) -> list[str]:
    return [spelling for dest, spelling in names.items() if getattr(ns, dest) not in (None, False)]


def options(ns: argparse.Namespace) -> GateRun | GateInputs:
    """The mode the parsed options ask for; an option of the other mode is an InputError."""
    if ns.baseline is not None:
        wrong = _given(ns, AB_ONLY)
        if wrong:
            raise InputError(
                f"{', '.join(wrong)}: not with --baseline (judging stored results runs nothing); "
                "leave --baseline out to run an A/B scenario"
            )
        if ns.candidate is None:
            raise InputError(
                "--candidate CAND... is required with --baseline (the results to judge)"
            )
        stored = Stored.from_namespace(ns)
        return GateInputs(
            baseline=stored.baseline,
            candidate=stored.candidate,
            rules=ns.rules,
            manifests=tuple(ns.manifest or ()),
            looks=1 if ns.looks is None else ns.looks,
            metrics=tuple(ns.metric or ()),
            json_out=ns.json_out,
            markdown_out=ns.markdown_out,
            wide=ns.wide,
            step_summary=os.environ.get("GITHUB_STEP_SUMMARY"),  # read here, at the edge
        )
    wrong = _given(ns, STORED_ONLY)
    if wrong:
        raise InputError(f"{', '.join(wrong)}: only with --baseline BASE... (stored results)")
    if ns.scenario is None:
        ns.scenario = GATE_SCENARIO
    return GateRun(
        spec=RunSpec.from_namespace(ns),
        rules=Rules.from_namespace(ns),
        summary=Summary.from_namespace(ns),
        base_ref=ns.base_ref,
        plan=ab.GatePlan(
            order=ns.order or "abba", seed=0 if ns.seed is None else ns.seed, adaptive=ns.adaptive
        ),
        max_repeats=ns.max_repeats,
        step_summary=os.environ.get("GITHUB_STEP_SUMMARY"),  # read here, at the edge
    )


def judge(out_dir: Path, rules: Path | None, looks: int, step_summary: str | None = None) -> int:
    """The stored gate on ``out_dir``'s two sides, in this process; its exit code.

    A side without results is ``ab.judge``'s case (1: the candidate failed every
    run; 3: nothing to compare with). Otherwise the verdict is written beside the
    runs (``gate.json``, which the adaptive loop reads, and ``gate.md``); an input
    error there (bad rules) is printed and is the gate's usage error, 2.
    """
    base, candidate = ab.side_files(out_dir, ab.BASE), ab.side_files(out_dir, ab.CANDIDATE)
    if not base or not candidate:
        return ab.judge(out_dir, rules, looks)  # no process: it returns before spawning one
    manifest = out_dir / "run.json"
    inputs = GateInputs(
        baseline=tuple(base),
        candidate=tuple(candidate),
        rules=rules,
        manifests=(manifest,) if manifest.is_file() else (),
        looks=looks,
        json_out=out_dir / "gate.json",
        markdown_out=out_dir / "gate.md",
        step_summary=step_summary,
    )
    try:
        return stored_gate.run(inputs)
    except InputError as exc:
        print(f"roombench gate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def run_ab(command: GateRun) -> int:
    matrix = prepare(command.spec)
    ab.check_sides(matrix)
    plan = ab.GatePlan(
        repeats=matrix.repeat,
        order=command.plan.order,
        seed=command.plan.seed,
        adaptive=command.plan.adaptive,
        max_repeats=command.max_repeats or matrix.repeat + 4,
    )
    plan.check()
    manifest: Manifest | None = None
    with ExitStack() as stack:
        if command.base_ref:
            matrix = ab.with_base_app(matrix, stack.enter_context(ab.worktree(command.base_ref)))
        out_dir = command.spec.output.folder()
        names = plan.max_repeats if plan.adaptive else plan.repeats

        def run_batch(order: list[tuple[str, int]]) -> None:
            nonlocal manifest  # later batches add to the first batch's manifest
            manifest = run_into(ab.planned(matrix, order, names), command.spec, out_dir, manifest)

        code = ab.run_gate(
            plan,
            run_batch,
            lambda looks: judge(out_dir, command.rules.rules, looks, command.step_summary),
            lambda: ab.more_repeats_can_help(out_dir),
        )
    assert manifest is not None  # run_gate runs at least one batch
    if manifest.status != "ok":
        report_failures(manifest, out_dir)
    if command.summary.summary and any(o.results_path for o in manifest.outcomes):
        summarize(out_dir)
    return code


def execute(command: GateRun | GateInputs, _extra: list[str]) -> int:
    if isinstance(command, GateInputs):
        return stored_gate.run(command)
    return run_ab(command)


SUBCOMMAND = Subcommand(
    name="gate",
    summary="regression gate: A/B runs interleaved, or stored results (--baseline DIR)",
    description=__doc__ or "",
    add_arguments=add_arguments,
    options=options,
    execute=execute,
)
