"""What ``roombench bench`` runs: the benchmark children, their merge, counts and report.

Steps: create ``reports/runs/<UTC timestamp>/`` and point ``reports/runs/latest``
at it (``loadtests.orchestrate.rundir``); run pytest on ``bench/`` in a child process with
``--benchmark-json <run dir>/bench.json``; run the eventlet benchmarks in a
second child (``python -m bench.eventlet_main``: eventlet must monkey-patch
before anything is imported) and merge its results into the same
``bench.json``; print the headline numbers (``bench.summary``); and build the
HTML page in this process (``reports.build``) and print where it went. The command line
itself (options, exit codes) is ``loadtests/commands/bench.py``.

With ``--instructions`` it then counts the instructions of the fan-out
benchmarks that do no network I/O, each in its own process under valgrind's
callgrind (``bench.instructions``), and writes them into the same ``bench.json``
under ``instructions``, beside the times (docs/bench.md, "Instruction counts").
Without valgrind on PATH it says which Debian package to install and exits 2
before anything is created.

Arguments this command does not know are passed to both pytest runs, e.g.
``roombench bench -k fanout`` or ``roombench bench --benchmark-verbose``.
pytest runs as a child so that the benchmarks get a fresh interpreter and a
benchmark that crashes the interpreter still leaves this command able to say so.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.instructions.callgrind import find_valgrind
from bench.instructions.cases import CASES
from bench.instructions.run import CountSettings, count_all, progress_line
from bench.merge import merge_benchmarks
from loadtests.model.bench import BenchJson
from reports import build as reports_build

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
JSON_NAME = "bench.json"
EVENTLET_JSON_NAME = "bench-eventlet.json"
NO_TESTS_COLLECTED = 5  # pytest's exit code when -k selects nothing in a run
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


def run_eventlet(run_dir: Path, json_path: Path, extra: Sequence[str]) -> int:
    """Run the eventlet benchmarks and merge them into ``json_path``; return pytest's code."""
    eventlet_json = run_dir / EVENTLET_JSON_NAME
    code = subprocess.run(eventlet_argv(eventlet_json, extra), cwd=REPO).returncode
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
    """The HTML page of ``run_dir``, built in this process; 1 (printed) if it failed.

    The benchmarks' results are written already: a failure names itself and the
    command that builds the page again, ``roombench report RUN_DIR``.
    """
    try:
        html = reports_build.build_report([run_dir])
    except Exception as exc:  # noqa: BLE001 - any failure of the page, reported as such
        print(f"report build failed ({type(exc).__name__}: {exc}): roombench report {run_dir}")
        return 1
    print(f"HTML report: {html}")
    return 0


def case_pattern(pattern: str) -> re.Pattern[str]:
    """A shell-like pattern (``*``, ``?``) as a regex; brackets are literal, as in case names."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts))


@dataclass(frozen=True)
class Counting:
    """``--instructions`` and its options: which cases, how many callgrind processes."""

    instructions: bool = False
    cases: tuple[str, ...] = ()  # shell-like patterns; () counts every case
    jobs: int = 2
    extra_work: bool = False  # the known-answer variant the gate must catch


def instruction_settings(args: Counting) -> CountSettings | None:
    """What ``--instructions`` counts, checked before anything is written; None without it.

    Raises CallgrindError when valgrind is missing, ValueError for a pattern
    that matches no case.
    """
    if not args.instructions:
        return None
    valgrind = find_valgrind()
    patterns = list(args.cases) or ["*"]
    regexes = [case_pattern(p) for p in patterns]
    names = tuple(n for n in CASES if any(r.fullmatch(n) for r in regexes))
    if not names:
        raise ValueError(
            f"--instruction-case {' '.join(patterns)} matches no case; cases: {', '.join(CASES)}"
        )
    return CountSettings(
        valgrind=valgrind,
        case_names=names,
        jobs=args.jobs,
        extra_work=args.extra_work,
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
