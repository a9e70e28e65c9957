"""``python -m bench``: run the micro-benchmarks into a new run directory, then report.

Steps: create ``reports/runs/<UTC timestamp>/`` and point ``reports/runs/latest``
at it (``loadtests.orchestrate.rundir``); run pytest on ``bench/`` in a child process with
``--benchmark-json <run dir>/bench.json``; run the eventlet benchmarks in a
second child (``python -m bench.eventlet_main``: eventlet must monkey-patch
before anything is imported) and merge its results into the same
``bench.json``; print the headline numbers (``bench.summary``); and, when the
``reports`` package has a command line (``reports/__main__.py``), run
``python -m reports build <run dir>`` and print where the HTML went.

With ``--instructions`` it then counts the instructions of the fan-out
benchmarks that do no network I/O, each in its own process under valgrind's
callgrind (``bench.instructions``), and writes them into the same ``bench.json``
under ``instructions``, beside the times (docs/bench.md, "Instruction counts").
Without valgrind on PATH it says which Debian package to install and exits 2
before anything is created.

Arguments this command does not know are passed to both pytest runs, e.g.
``python -m bench -k fanout`` or ``python -m bench --benchmark-verbose``.
pytest runs as a child so that the benchmarks get a fresh interpreter and a
benchmark that crashes the interpreter still leaves this command able to say so.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.instructions.callgrind import CallgrindError, find_valgrind
from bench.instructions.cases import CASES
from bench.instructions.run import CountSettings, count_all, progress_line
from bench.merge import merge_benchmarks
from bench.summary import summary_lines
from loadtests.model.bench import BenchJson
from loadtests.orchestrate.rundir import RUNS_ROOT, new_run_dir

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
JSON_NAME = "bench.json"
EVENTLET_JSON_NAME = "bench-eventlet.json"
NO_TESTS_COLLECTED = 5  # pytest's exit code when -k selects nothing in a run
EXIT_USAGE = 2  # bad arguments, or a tool the asked-for measurement needs is missing
# Options of both pytest runs; the measurement plans live in the benchmark modules.
COMMON_OPTIONS = (
    # pyproject turns warnings into errors; a -k that leaves one of the two runs
    # without benchmarks must not fail it.
    "-W",
    "ignore:Not saving anything:pytest_benchmark.logger.PytestBenchmarkWarning",
    "--benchmark-group-by=group",
    "--benchmark-sort=name",
    "--benchmark-columns=min,median,mean,stddev,iqr,rounds,iterations",
)


def pytest_argv(json_path: Path, extra: Sequence[str] = ()) -> list[str]:
    """The main child pytest command, writing its results to ``json_path``."""
    return [
        sys.executable,
        "-m",
        "pytest",
        str(BENCH_DIR),
        f"--benchmark-json={json_path}",
        *COMMON_OPTIONS,
        *extra,
    ]


def eventlet_argv(json_path: Path, extra: Sequence[str] = ()) -> list[str]:
    """The eventlet child pytest command (``bench.eventlet_main``)."""
    return [
        sys.executable,
        "-m",
        "bench.eventlet_main",
        f"--benchmark-json={json_path}",
        *COMMON_OPTIONS,
        *extra,
    ]


def report_argv(run_dir: Path) -> list[str]:
    return [sys.executable, "-m", "reports", "build", str(run_dir)]


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run roombench's micro-benchmarks (pytest-benchmark) and build the report. "
        "Unknown arguments are passed to pytest.",
    )
    parser.add_argument(
        "--runs-root",
        type=Path,
        default=REPO / RUNS_ROOT,
        help="where run directories are created (default: reports/runs)",
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
    args, extra = parser.parse_known_args(argv)
    if args.instruction_jobs < 1:
        parser.error("--instruction-jobs must be >= 1")
    if extra[:1] == ["--"]:
        extra = extra[1:]
    return args, extra


def run_eventlet(run_dir: Path, json_path: Path, extra: Sequence[str]) -> int:
    """Run the eventlet benchmarks and merge them into ``json_path``; return pytest's code."""
    eventlet_json = run_dir / EVENTLET_JSON_NAME
    code = subprocess.run(eventlet_argv(eventlet_json, extra), cwd=REPO).returncode
    if code == NO_TESTS_COLLECTED:
        code = 0
    if eventlet_json.exists() and json_path.exists():
        merged = merge_benchmarks(
            json.loads(json_path.read_text()), json.loads(eventlet_json.read_text())
        )
        json_path.write_text(json.dumps(merged, indent=4))
        eventlet_json.unlink()
    elif eventlet_json.exists():
        eventlet_json.replace(json_path)
    return code


def build_report(run_dir: Path) -> int:
    if not (REPO / "reports" / "__main__.py").exists():
        print("reports/__main__.py not found: skipping the HTML report")
        return 0
    result = subprocess.run(report_argv(run_dir), cwd=REPO)
    if result.returncode != 0:
        command = " ".join(report_argv(run_dir))
        print(f"report build failed (exit code {result.returncode}): {command}")
        return result.returncode
    for html in sorted(run_dir.glob("*.html")):
        print(f"HTML report: {html}")
    return 0


def case_pattern(pattern: str) -> re.Pattern[str]:
    """A shell-like pattern (``*``, ``?``) as a regex; brackets are literal, as in case names."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts))


def instruction_settings(args: argparse.Namespace) -> CountSettings | None:
    """What ``--instructions`` counts, checked before anything is written; None without it.

    Raises CallgrindError when valgrind is missing, ValueError for a pattern
    that matches no case.
    """
    if not args.instructions:
        return None
    valgrind = find_valgrind()
    patterns = args.instruction_case or ["*"]
    regexes = [case_pattern(p) for p in patterns]
    names = tuple(n for n in CASES if any(r.fullmatch(n) for r in regexes))
    if not names:
        raise ValueError(
            f"--instruction-case {' '.join(patterns)} matches no case; cases: {', '.join(CASES)}"
        )
    return CountSettings(
        valgrind=valgrind,
        case_names=names,
        jobs=args.instruction_jobs,
        extra_work=args.known_answer_extra_work,
    )


def add_instructions(json_path: Path, settings: CountSettings) -> int:
    """Count, then write the counts into ``json_path`` (created if the timings wrote none).

    Returns 1 when a case failed (it is named, the others are written), else 0.
    """
    print(f"instruction counts: {len(settings.case_names)} case(s) under callgrind", flush=True)
    doc = count_all(settings, progress=lambda entry: print(progress_line(entry), flush=True))
    bench: BenchJson = (
        json.loads(json_path.read_text())
        if json_path.exists()
        else {"machine_info": {}, "commit_info": {}, "benchmarks": []}
    )
    bench["instructions"] = doc
    json_path.write_text(json.dumps(bench, indent=4))
    failed = [entry["name"] for entry in doc["benchmarks"] if entry["error"]]
    print(f"instruction counts: {doc['wall_s']:.0f} s, written to {json_path}")
    if failed:
        print(f"instruction counts FAILED for: {', '.join(failed)} (the others are written)")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args, extra = parse_args(argv)
    try:
        counting = instruction_settings(args)
    except (CallgrindError, ValueError) as exc:
        print(f"roombench bench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    run_dir = new_run_dir(args.runs_root)
    json_path = run_dir / JSON_NAME
    print(f"benchmarks -> {json_path}", flush=True)
    code = subprocess.run(pytest_argv(json_path, extra), cwd=REPO).returncode
    if not args.no_eventlet:
        if code == NO_TESTS_COLLECTED:
            code = 0  # -k selected only eventlet benchmarks
        eventlet_code = run_eventlet(run_dir, json_path, extra)
        code = code or eventlet_code
    if counting is not None:
        code = add_instructions(json_path, counting) or code
    if not json_path.exists():
        print(f"no benchmark results were written (pytest exit code {code})")
        return code or 1
    print("\n".join(["", "summary:", *summary_lines(json.loads(json_path.read_text()))]))
    print(f"results: {json_path}")
    report_code = 0 if args.no_report else build_report(run_dir)
    return code or report_code


if __name__ == "__main__":
    sys.exit(main())
