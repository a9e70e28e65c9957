"""``roombench capacity SCENARIO.toml``: how much load each configuration carries at an SLO.

Exit codes: 0 every configuration searched, 1 a configuration failed or the
search is incomplete, 2 usage error (bad scenario, SLO or axis), 130 Ctrl-C
(the finished steps are kept, the document is marked incomplete).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loadtests.capacity.axes import AXES
from loadtests.capacity.compare import moves_lines
from loadtests.capacity.document import summary_lines
from loadtests.capacity.driver import CapacityOptions, run_capacity
from loadtests.capacity.plan import check_plan, fixed_processes
from loadtests.capacity.precision import precision_lines
from loadtests.capacity.slo import parse_slo
from loadtests.interrupts import stop_on_interrupts
from loadtests.orchestrate import external_workers
from loadtests.orchestrate.cli_args import add_cpu_sets
from loadtests.orchestrate.rundir import new_run_dir, point_latest
from loadtests.orchestrate.scenario_file import load_scenario
from loadtests.strict import InputError
from reports.capacity_page import build_capacity_report

CAPACITY_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "capacity.toml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roombench capacity",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenario", type=Path, nargs="?", default=CAPACITY_SCENARIO)
    parser.add_argument(
        "--slo",
        default=None,
        help="objectives every step must meet, e.g. 'fanout_p99<=10ms,lost=0' "
        "(default: the axis's; connections: 'connect_p99<=1s,errors=0')",
    )
    parser.add_argument("--axis", choices=sorted(AXES), default="rate", help="what to raise")
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    parser.add_argument("--only", default=None, help="comma-separated configurations to search")
    parser.add_argument("--max-steps", type=int, default=10, help="steps per configuration")
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="searches of each configuration, interleaved A B A B (default: the scenario's "
        "repeat); the table shows each one's range",
    )
    parser.add_argument(
        "--start", type=float, default=None, help="first load (default: the scenario's)"
    )
    add_cpu_sets(parser)
    parser.add_argument("--redis-server", default=None, metavar="PATH")
    parser.add_argument("--redis-url", default=None)
    external_workers.add_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    stop_on_interrupts()
    try:
        matrix = load_scenario(args.scenario)
        if args.only:
            matrix = matrix.only(args.only.split(","))
        matrix = matrix.with_repeat(args.repeat).with_cpu_sets(args.cpu_sets)
        axis = AXES[args.axis]
        slo_text = args.slo or axis.default_slo
        terms = parse_slo(slo_text)
        if not 1 <= args.max_steps <= 50:
            raise InputError(f"--max-steps: {args.max_steps} is out of range; allowed: 1..50")
        if args.start is not None and not args.start > 0:
            raise InputError(f"--start: {args.start:g} is out of range; allowed: above 0")
        for config in matrix.configs:  # every plan, before anything starts
            base = matrix.load_for(config)
            start = args.start if args.start is not None else axis.start(base)
            check_plan(axis, base, config, start, fixed_processes(matrix))
        external = external_workers.from_args(
            args.external_workers, args.master_bind, args.workers_timeout, InputError
        )
    except InputError as exc:
        print(f"roombench capacity: {exc}", file=sys.stderr)
        return 2
    if external is not None:  # a master a step: the workers follow them (worker_loop)
        external = external.following(external_workers.DEFAULT_MASTER_TIMEOUT_S)
        print(
            f"roombench capacity: every step waits for {external.count} worker(s) at "
            f"{external.address}; start each with `{external.worker_command}`"
        )
    out = args.out or new_run_dir()
    options = CapacityOptions(
        out_dir=out,
        axis=axis,
        terms=tuple(terms),
        slo_text=slo_text,
        max_steps=args.max_steps,
        start=args.start,
        redis_url=args.redis_url,
        redis_binary=args.redis_server,
        external=external,
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
        return 130
    if args.out is None:
        point_latest(out)
    print("\n".join(summary_lines(doc) + precision_lines(doc) + moves_lines(doc)))
    report = _build_report(out)
    print(f"capacity document: {out / 'capacity.json'}\nreport: {report}")
    return 1 if doc["incomplete"] else 0


def _build_report(out: Path) -> Path:
    return build_capacity_report(out / "capacity.json")


if __name__ == "__main__":
    sys.exit(main())
