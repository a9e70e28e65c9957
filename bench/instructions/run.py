"""Count every case, each in its own process under callgrind, into one ``instructions`` document.

One process a case keeps the counts independent (one case's garbage or warm
caches cannot move another's) and lets a case that crashes or fails its
check under valgrind be reported by name while the others still count.
``PYTHONHASHSEED`` is fixed (``HASH_SEED``) so that string hashes, hence dict
layouts and probe sequences, are the same from run to run; what is left to
vary is the random sids and ids the servers draw (os.urandom), which moves a
few counts by up to 0.4 % (docs/bench.md has the measured spread).

The document goes under the ``instructions`` key of ``bench.json``, beside
pytest-benchmark's timings of the same benchmarks (same ``fullname``); its keys
are those of ``loadtests.model.bench``'s ``InstructionsDoc`` and ``Counted``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.instructions.callgrind import (
    EVENT,
    OPTIONS,
    CallgrindError,
    callgrind_argv,
    read_totals,
    valgrind_version,
)
from bench.instructions.cases import CASES, Case
from loadtests.model.bench import BenchJson, Counted, InstructionsDoc

KIND = "roombench.bench-instructions"
SCHEMA_VERSION = 1
HASH_SEED = "0"
CASE_TIMEOUT_S = 300
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class CountSettings:
    """How to count: ``valgrind`` path, cases (default all), parallel ``jobs``, the known answer.

    ``extra_work`` (default False, the reference) counts the handler variant
    with fixed work added per recipient (``bench.stub_engineio.ExtraWorkSends``).
    """

    valgrind: str
    case_names: tuple[str, ...] = tuple(CASES)
    jobs: int = 1
    extra_work: bool = False
    python: str = sys.executable


def calls_for(deliveries_per_call: int) -> int:
    """Counted calls of a case: about 1000 deliveries, 20 to 200 calls."""
    return min(200, max(20, 1000 // deliveries_per_call))


def child_command(case: Case, settings: CountSettings) -> list[str]:
    argv = [
        settings.python,
        "-m",
        "bench.instructions.child",
        case.name,
        "--calls",
        str(calls_for(case.deliveries_per_call)),
    ]
    return argv + (["--extra-work"] if settings.extra_work else [])


def _tail(text: str, lines: int = 6) -> str:
    kept = [line for line in text.splitlines() if line.strip() and not line.startswith("==")]
    return " | ".join(kept[-lines:])


def count_case(case: Case, settings: CountSettings, work_dir: Path) -> Counted:
    """Run ``case`` under callgrind: its count, or its error (a failing case never raises)."""
    calls = calls_for(case.deliveries_per_call)
    entry = Counted(
        name=case.name,
        fullname=case.fullname,
        group=case.group,
        calls=calls,
        deliveries_per_call=case.deliveries_per_call,
        instructions=None,
        instructions_per_call=None,
        instructions_per_delivery=None,
        error=None,
    )
    out_file = work_dir / f"callgrind.{re.sub(r'[^A-Za-z0-9]+', '_', case.name)}.out"
    env = {**os.environ, "PYTHONHASHSEED": HASH_SEED}
    argv = callgrind_argv(settings.valgrind, out_file, child_command(case, settings))
    try:
        done = subprocess.run(
            argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=CASE_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        entry["error"] = f"timed out after {CASE_TIMEOUT_S} s under valgrind"
        return entry
    if done.returncode != 0:
        entry["error"] = f"exit code {done.returncode} under valgrind: {_tail(done.stderr)}"
        return entry
    try:
        instructions = read_totals(out_file).instructions
    except CallgrindError as exc:
        entry["error"] = str(exc)
        return entry
    entry["instructions"] = instructions
    entry["instructions_per_call"] = round(instructions / calls, 1)
    entry["instructions_per_delivery"] = round(instructions / calls / case.deliveries_per_call, 2)
    return entry


def versions(valgrind: str) -> dict[str, str | None]:
    """Python (with its build), valgrind and the packages on the counted path."""
    from importlib.metadata import PackageNotFoundError, version

    from loadtests.measure.document import versions as package_versions

    found = package_versions()
    found.pop("redis_server", None)  # no redis-server on the counted path
    found["python_build"] = sys.version
    found["valgrind"] = valgrind_version(valgrind)
    try:
        found["pytest-benchmark"] = version("pytest-benchmark")
    except PackageNotFoundError:
        found["pytest-benchmark"] = None
    return found


def count_all(
    settings: CountSettings,
    progress: Callable[[Counted], None] = lambda _: None,
    cases: Sequence[Case] | None = None,
) -> InstructionsDoc:
    """Count ``cases`` (default: those ``settings`` names), ``jobs`` at a time.

    A case that fails under valgrind carries ``error`` and no count; the others count.
    """
    unknown = [name for name in settings.case_names if name not in CASES]
    if unknown:
        raise ValueError(f"unknown instruction cases: {', '.join(unknown)}")
    started = time.monotonic()
    if cases is None:
        cases = [CASES[name] for name in settings.case_names]
    with tempfile.TemporaryDirectory(prefix="roombench-callgrind-") as tmp:

        def one(case: Case) -> Counted:
            entry = count_case(case, settings, Path(tmp))
            progress(entry)
            return entry

        with ThreadPoolExecutor(max_workers=max(1, settings.jobs)) as pool:
            counted = list(pool.map(one, cases))
    return InstructionsDoc(
        kind=KIND,
        schema_version=SCHEMA_VERSION,
        tool="callgrind",
        event=EVENT,
        valgrind_options=list(OPTIONS),
        pythonhashseed=HASH_SEED,
        extra_work_per_recipient=settings.extra_work,
        versions=versions(settings.valgrind),
        wall_s=round(time.monotonic() - started, 1),
        benchmarks=counted,
    )


def progress_line(entry: Counted) -> str:
    if entry["error"]:
        return f"instructions {entry['name']:<42} FAILED: {entry['error']}"
    return (
        f"instructions {entry['name']:<42} {entry['instructions_per_delivery']:>12,.1f} "
        f"per delivery ({entry['calls']} calls x {entry['deliveries_per_call']})"
    )


def document_of(bench_json: BenchJson) -> InstructionsDoc | None:
    """The ``instructions`` document of a bench.json, if it has one."""
    doc = bench_json.get("instructions")
    return doc if isinstance(doc, dict) else None
