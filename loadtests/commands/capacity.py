"""``roombench capacity [SCENARIO.toml]``: how much load each configuration carries at an SLO.

Exit codes: 0 every configuration searched, 1 a configuration failed or the
search is incomplete, 2 usage error (bad scenario, SLO or axis), 130 Ctrl-C
(the finished steps are kept, the document is marked incomplete).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from loadtests.capacity.axes import AXES
from loadtests.capacity.document import summary_lines
from loadtests.capacity.driver import CapacityOptions, run_capacity
from loadtests.capacity.plan import check_plan, fixed_processes
from loadtests.capacity.precision import precision_lines
from loadtests.capacity.slo import parse_slo
from loadtests.cluster import neighbour
from loadtests.commands.options import (
    CpuSets,
    External,
    Output,
    Redis,
    Repeats,
    Selection,
    scenario_after_only,
)
from loadtests.commands.subcommand import Subcommand
from loadtests.commands.worker import DEFAULT_MASTER_TIMEOUT_S
from loadtests.model.errors import InputError
from loadtests.model.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from loadtests.orchestrate.rundir import point_latest
from loadtests.orchestrate.scenario_file import load_scenario
from reports.capacity_compare import moves_lines
from reports.capacity_page import build_capacity_report

CAPACITY_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "capacity.toml"


@dataclass(frozen=True)
class CapacityCommand:
    scenario: Path
    axis: str = "rate"
    slo: str | None = None  # None: the axis's default SLO
    output: Output = Output()
    selection: Selection = Selection()
    max_steps: int = 10
    repeats: Repeats = Repeats()
    start: float | None = None
    cpu: CpuSets = CpuSets()
    redis: Redis = Redis()
    external: External = External()
    cpu_neighbour: bool = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=None,
        help="scenario TOML (default: loadtests/scenarios/capacity.toml)",
    )
    parser.add_argument(
        "--slo",
        default=None,
        help="objectives every step must meet, e.g. 'fanout_p99<=10ms,lost=0' "
        "(default: the axis's; connections: 'connect_p99<=1s,errors=0')",
    )
    parser.add_argument(
        "--axis", choices=sorted(AXES), default="rate", help="what to raise (default: rate)"
    )
    Output.add_to(parser)
    Selection.add_to(parser)
    parser.add_argument(
        "--max-steps", type=int, default=10, metavar="N", help="steps per configuration (10)"
    )
    Repeats.add_to(parser)
    parser.add_argument(
        "--start",
        type=float,
        default=None,
        metavar="LOAD",
        help="first load (default: the scenario's)",
    )
    CpuSets.add_to(parser)
    parser.add_argument(
        "--cpu-neighbour",
        action="store_true",
        help="an experiment: run a CPU-bound busy loop on the servers' CPUs through each "
        "search, so the node gets about half its core (does the speed index predict the "
        "capacity? compare normalised capacities); every window is flagged cpu_neighbour",
    )
    Redis.add_to(parser)
    External.add_to(parser)


def options(ns: argparse.Namespace) -> CapacityCommand:
    scenario_after_only(ns, CAPACITY_SCENARIO)
    return CapacityCommand(
        scenario=ns.scenario,
        axis=ns.axis,
        slo=ns.slo,
        output=Output.from_namespace(ns),
        selection=Selection.from_namespace(ns),
        max_steps=ns.max_steps,
        repeats=Repeats.from_namespace(ns),
        start=ns.start,
        cpu=CpuSets.from_namespace(ns),
        redis=Redis.from_namespace(ns),
        external=External.from_namespace(ns),
        cpu_neighbour=ns.cpu_neighbour,
    )


def execute(command: CapacityCommand, _extra: list[str]) -> int:
    matrix = load_scenario(command.scenario)
    if command.selection.only:
        matrix = matrix.only(list(command.selection.only))
    matrix = matrix.with_repeat(command.repeats.repeat).with_cpu_sets(command.cpu.cpu_sets)
    axis = AXES[command.axis]
    slo_text = command.slo or axis.default_slo
    terms = parse_slo(slo_text)
    if not 1 <= command.max_steps <= 50:
        raise InputError(f"--max-steps: {command.max_steps} is out of range; allowed: 1..50")
    if command.start is not None and not command.start > 0:
        raise InputError(f"--start: {command.start:g} is out of range; allowed: above 0")
    for config in matrix.configs:  # every plan, before anything starts
        base = matrix.load_for(config)
        start = command.start if command.start is not None else axis.start(base)
        check_plan(axis, base, config, start, fixed_processes(matrix))
        if command.cpu_neighbour:
            neighbour.check_plan(matrix.cpu_plan_for(config))
    external = command.external.checked(InputError)
    if external is not None:  # a master a step: the workers follow them (worker_loop)
        external = external.following(DEFAULT_MASTER_TIMEOUT_S)
        print(
            f"roombench capacity: every step waits for {external.count} worker(s) at "
            f"{external.address}; start each with `{external.worker_command}`"
        )
    out = command.output.folder()
    options = CapacityOptions(
        out_dir=out,
        axis=axis,
        terms=tuple(terms),
        slo_text=slo_text,
        max_steps=command.max_steps,
        start=command.start,
        redis_url=command.redis.url,
        redis_binary=command.redis.server,
        external=external,
        neighbour=command.cpu_neighbour,
    )
    try:
        doc = run_capacity(matrix, options)
    except KeyboardInterrupt:
        kept = out / "capacity.json"
        if kept.exists():
            print(
                f"\ninterrupted: finished steps kept in {kept} (incomplete); report: "
                f"{_build_report(out)}"
            )
        else:
            print("\ninterrupted before any step finished")
        return EXIT_INTERRUPTED
    if command.output.out is None:
        point_latest(out)
    print("\n".join(summary_lines(doc) + precision_lines(doc) + moves_lines(doc)))
    report = _build_report(out)
    print(f"capacity document: {out / 'capacity.json'}\nreport: {report}")
    return EXIT_FAILED if doc["incomplete"] else EXIT_OK


def _build_report(out: Path) -> Path:
    return build_capacity_report(out / "capacity.json")


SUBCOMMAND = Subcommand(
    name="capacity",
    summary="capacity at an SLO: step the load until it breaks (--axis rate|users|...)",
    description=__doc__ or "",
    add_arguments=add_arguments,
    options=options,
    execute=execute,
)
