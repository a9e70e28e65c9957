"""``python -m loadtests run SCENARIO.toml``: run and compare server configurations."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from loadtests.matrix import load_matrix
from loadtests.processes import ProcessError
from loadtests.rundir import RUNS_ROOT, new_run_dir, point_latest
from loadtests.runner import Manifest, RunOptions, run_matrix
from loadtests.scenario import ScenarioError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m loadtests", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario file's configurations and write results")
    run.add_argument("scenario", type=Path, help="scenario TOML (see loadtests/scenarios/)")
    run.add_argument("--out", type=Path, default=None,
                     help="output folder (default: reports/runs/<UTC timestamp>/, linked as reports/runs/latest)")
    run.add_argument("--duration", type=float, default=None, metavar="S",
                     help="measurement window in seconds, overriding the scenario's window_s")
    run.add_argument("--repeat", type=int, default=None, metavar="K",
                     help="runs of each configuration, interleaved A B A B (default: the scenario's repeat)")
    run.add_argument("--only", nargs="+", default=None, metavar="NAME",
                     help="run only these configurations")
    run.add_argument("--redis-server", default=None, metavar="PATH",
                     help="redis-server binary (default: found on PATH)")
    run.add_argument("--redis-url", default=None, metavar="URL",
                     help="use this running Redis (redis://127.0.0.1:PORT/0) instead of starting one")
    run.add_argument("--no-summary", action="store_true", help="do not print the summary table")
    return parser


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into the same unwinding as Ctrl-C, so every process is stopped.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        matrix = load_matrix(args.scenario)
        if args.only:
            matrix = matrix.only(args.only)
        if args.repeat is not None:
            if args.repeat < 1:
                raise ScenarioError("--repeat must be at least 1")
            matrix = type(matrix)(matrix.name, matrix.load, matrix.configs, args.repeat,
                                  matrix.generator_processes, matrix.source)
        if args.duration is not None and args.duration <= 0:
            raise ScenarioError("--duration must be positive")
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out is None:
        out_dir = new_run_dir()
    else:
        out_dir = args.out
        out_dir.mkdir(parents=True, exist_ok=True)
        if out_dir.resolve().parent == RUNS_ROOT.resolve():
            point_latest(out_dir)
    options = RunOptions(out_dir, args.duration, args.redis_url, args.redis_server)
    manifest = Manifest(
        run_id=out_dir.name, scenario_file=str(args.scenario), command=sys.argv,
        matrix={"name": matrix.name, "repeat": matrix.repeat,
                "generator_processes": matrix.generator_processes,
                "load": matrix.load.to_dict(), "configs": [c.to_dict() for c in matrix.configs]},
        started_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    print(f"roombench: scenario {matrix.name}, {len(matrix.plan())} run(s), output {out_dir}")
    try:
        run_matrix(matrix, options, manifest)
        failed = [o for o in manifest.outcomes if o.error]
        manifest.status = "failed" if failed else "ok"
    except KeyboardInterrupt:
        manifest.status = "interrupted"
        print("\ninterrupted: every process started was stopped", file=sys.stderr)
        return 130
    except ProcessError as exc:
        manifest.status = "failed"
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        manifest.finished_utc = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        manifest.write(out_dir)
    written = [o.results_path for o in manifest.outcomes if o.results_path]
    if written and not args.no_summary:
        # The table is the reports package's (one place renders it); it reads only the files.
        subprocess.run([sys.executable, "-m", "reports", "summary", str(out_dir)], check=False)
    print(f"results: {out_dir}")
    if manifest.status != "ok":
        for outcome in manifest.outcomes:
            if outcome.error:
                print(f"FAILED {outcome.config}.{outcome.repeat}: see {out_dir}/logs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
