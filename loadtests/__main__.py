"""``python -m loadtests``: run and compare server configurations, or A/B-gate two.

``run SCENARIO.toml`` runs every configuration of a scenario file and writes
results; ``gate [SCENARIO.toml]`` runs an A/B scenario (configurations ``base``
and ``candidate``, interleaved) and exits with the regression gate's verdict:
0 pass, 1 regression, 3 inconclusive, 2 usage error.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from types import FrameType

from loadtests.cluster.processes import ProcessError
from loadtests.orchestrate import ab
from loadtests.orchestrate.matrix import Matrix, load_matrix
from loadtests.orchestrate.rundir import RUNS_ROOT, new_run_dir, point_latest
from loadtests.orchestrate.runner import Manifest, RunOptions, run_matrix
from loadtests.orchestrate.scenario import ScenarioError

GATE_SCENARIO = Path(__file__).with_name("scenarios") / "gate.toml"


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
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario file's configurations and write results")
    run.add_argument("scenario", type=Path, help="scenario TOML (see loadtests/scenarios/)")
    run.add_argument(
        "--only", nargs="+", default=None, metavar="NAME", help="run only these configurations"
    )
    run.add_argument(
        "--no-summary",
        action="store_true",
        help="do not print the summary table nor build the HTML report",
    )
    _common(run)
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
    _common(gate)
    return parser


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into the same unwinding as Ctrl-C, so every process is stopped.
    raise KeyboardInterrupt


def _prepare(args: argparse.Namespace) -> Matrix:
    matrix = load_matrix(args.scenario)
    if getattr(args, "only", None):
        matrix = matrix.only(args.only)
    if args.repeat is not None:
        if not 1 <= args.repeat <= 100:
            raise ScenarioError("--repeat must be in 1..100")
        matrix = replace(matrix, repeat=args.repeat)
    if args.duration is not None and args.duration <= 0:
        raise ScenarioError("--duration must be positive")
    return matrix


def _out_dir(args: argparse.Namespace) -> Path:
    if args.out is None:
        return new_run_dir()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.out.resolve().parent == RUNS_ROOT.resolve():
        point_latest(args.out)
    return Path(args.out)


def _run(matrix: Matrix, args: argparse.Namespace, out_dir: Path) -> Manifest:
    """Run ``matrix`` into ``out_dir``; KeyboardInterrupt and ProcessError propagate."""
    options = RunOptions(out_dir, args.duration, args.redis_url, args.redis_server)
    manifest = Manifest(
        run_id=out_dir.name,
        scenario_file=str(args.scenario),
        command=sys.argv,
        matrix={
            "name": matrix.name,
            "repeat": matrix.repeat,
            "generator_processes": matrix.generator_processes,
            "load": matrix.load.to_dict(),
            "configs": [c.to_dict() for c in matrix.configs],
        },
        started_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    print(f"roombench: scenario {matrix.name}, {len(matrix.plan())} run(s), output {out_dir}")
    try:
        run_matrix(matrix, options, manifest)
        manifest.status = "failed" if any(o.error for o in manifest.outcomes) else "ok"
    except KeyboardInterrupt:
        manifest.status = "interrupted"
        raise
    except ProcessError:
        manifest.status = "failed"
        raise
    finally:
        manifest.finished_utc = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        manifest.write(out_dir)
    return manifest


def _report_failures(manifest: Manifest, out_dir: Path) -> None:
    for outcome in manifest.outcomes:
        if outcome.error:
            print(
                f"FAILED {outcome.config} (repeat {outcome.repeat}): logs in {out_dir}/logs",
                file=sys.stderr,
            )


def _summarize(out_dir: Path) -> None:
    """Print the summary table and build the HTML report (both the reports package's).

    They run as their own processes: reports reads only results files, and a
    failure there must not hide the results already written.
    """
    subprocess.run([sys.executable, "-m", "reports", "summary", str(out_dir)], check=False)
    subprocess.run([sys.executable, "-m", "reports", "build", str(out_dir)], check=False)


def cmd_run(args: argparse.Namespace) -> int:
    matrix = _prepare(args)
    out_dir = _out_dir(args)
    manifest = _run(matrix, args, out_dir)
    if any(o.results_path for o in manifest.outcomes) and not args.no_summary:
        _summarize(out_dir)
    print(f"results: {out_dir}")
    if manifest.status != "ok":
        _report_failures(manifest, out_dir)
        return 1
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    matrix = _prepare(args)
    ab.check_sides(matrix)
    with ExitStack() as stack:
        if args.base_ref:
            matrix = ab.with_base_app(matrix, stack.enter_context(ab.worktree(args.base_ref)))
        out_dir = _out_dir(args)
        manifest = _run(matrix, args, out_dir)
    if manifest.status != "ok":
        _report_failures(manifest, out_dir)
    elif not args.no_summary:
        _summarize(out_dir)
    return ab.judge(out_dir, args.rules)


COMMANDS = {"run": cmd_run, "gate": cmd_gate}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: every process started was stopped", file=sys.stderr)
        return 130
    except ProcessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
