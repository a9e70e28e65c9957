"""The ``python -m loadtests`` / ``roombench run|gate|gate-selfcheck`` command line: its options.

Kept apart from the commands (``loadtests/__main__.py``) so each file holds
one thing: what can be said on the command line, with every default stated.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from loadtests.orchestrate import ab, external_workers

DESCRIPTION = """Run and compare server configurations, or A/B-gate two.

``run SCENARIO.toml`` runs every configuration of a scenario file and writes
results; ``gate [SCENARIO.toml]`` runs an A/B scenario (configurations ``base``
and ``candidate``, several repeats interleaved ABBA) and exits with the
regression gate's verdict: 0 pass, 1 regression, 3 inconclusive, 2 usage error;
``gate-selfcheck`` measures that gate's false-positive rate and power.
"""
GATE_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "gate.toml"


def add_cpu_sets(parser: argparse.ArgumentParser) -> None:
    """``--cpu-sets``, the one spelling for run, gate and capacity (issue 22)."""
    parser.add_argument(
        "--cpu-sets",
        default=None,
        metavar="SPLIT",
        help="where servers and generator run: auto (default: disjoint CPU sets), off, or "
        "servers=CPUS,generator=CPUS (e.g. servers=0,generator=1)",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: reports/runs/<UTC timestamp>/, "
        "linked as reports/runs/latest)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="S",
        help="measurement window in seconds, overriding the scenario's window_s",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        metavar="K",
        help="runs of each configuration, interleaved A B A B (default: the scenario's repeat)",
    )
    add_cpu_sets(parser)
    parser.add_argument(
        "--redis-server",
        default=None,
        metavar="PATH",
        help="redis-server binary (default: found on PATH)",
    )
    parser.add_argument(
        "--redis-url",
        default=None,
        metavar="URL",
        help="use this running Redis (redis://127.0.0.1:PORT/0) instead of starting one",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario file's configurations and write results")
    run.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=None,
        help="scenario TOML (see loadtests/scenarios/); leave it out with --target",
    )
    run.add_argument(
        "--target",
        nargs="+",
        default=None,
        metavar="URL",
        help="one-off run against a server already running, on any host (one URL a node), "
        "at the default load; nothing is started",
    )
    run.add_argument(
        "--target-pid",
        nargs="+",
        type=int,
        default=None,
        metavar="PID",
        help="the --target servers' pids, to sample their CPU/RSS (default: not measured)",
    )
    run.add_argument(
        "--profile",
        default=None,
        metavar="NAME|FILE",
        help="protocol profile for every configuration: a name in loadtests/profiles/ "
        "(reference, python-socketio-chat, node-socketio-chat) or a TOML file",
    )
    run.add_argument(
        "--only", nargs="+", default=None, metavar="NAME", help="run only these configurations"
    )
    run.add_argument(
        "--no-summary",
        action="store_true",
        help="do not print the summary table nor build the HTML report",
    )
    _common(run)
    external_workers.add_options(run)
    gate = sub.add_parser("gate", help="A/B: run base and candidate interleaved, then gate")
    gate.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=GATE_SCENARIO,
        help="A/B scenario with configurations 'base' and 'candidate' "
        "(default: loadtests/scenarios/gate.toml)",
    )
    gate.add_argument(
        "--base-ref",
        default=None,
        metavar="REF",
        help="run the base from a git worktree of this commit (e.g. origin/main)",
    )
    gate.add_argument(
        "--rules", type=Path, default=None, help="gate rules TOML (default: reports/gate.toml)"
    )
    gate.add_argument(
        "--no-summary",
        action="store_true",
        help="do not print the summary table nor build the HTML report",
    )
    gate.add_argument(
        "--order",
        choices=ab.ORDERS,
        default="abba",
        help="run order of the repeats: abba blocks (default) or a seeded random order",
    )
    gate.add_argument("--seed", type=int, default=0, help="seed of --order random (0)")
    gate.add_argument(
        "--adaptive",
        action="store_true",
        help="when inconclusive for want of evidence, add interleaved repeats "
        f"({ab.ADAPTIVE_STEP} a side at a time) up to --max-repeats",
    )
    gate.add_argument(
        "--max-repeats",
        type=int,
        default=None,
        metavar="K",
        help="repeats a side an adaptive gate may reach (default: --repeat + 4)",
    )
    _common(gate)
    external_workers.add_options(gate)
    check = sub.add_parser(
        "gate-selfcheck",
        help="measure the default gate's false-positive rate and power (A/A, +1 ms, +2 ms)",
    )
    check.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=GATE_SCENARIO,
        help="the A/B gate scenario whose base configuration the pool runs",
    )
    check.add_argument(
        "--blocks",
        type=int,
        default=12,
        help="pool blocks of 3 base runs, one +1 ms and one +2 ms run each (default 12: "
        "60 runs, about 25 min)",
    )
    check.add_argument(
        "--from",
        dest="pool",
        type=Path,
        default=None,
        metavar="DIR",
        help="judge a pool already run into DIR instead of running one",
    )
    check.add_argument("--resamples", type=int, default=200, help="gates a family (200)")
    check.add_argument("--seed", type=int, default=0, help="seed of the pool order and draws")
    check.add_argument(
        "--rules", type=Path, default=None, help="gate rules TOML (default: reports/gate.toml)"
    )
    check.add_argument(
        "--app-ref",
        default=None,
        metavar="REF",
        help="run every configuration's target_app from a git worktree of REF",
    )
    _common(check)
    return parser
