"""The benchmark modules run: once each with ``--benchmark-disable``, in a child pytest.

A child process because the benchmarks are a separate pytest session (rootdir
``bench/``, their own conftest and fixtures) and must not share this session's
plugins or state. Nothing here asserts on speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 240


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        argv, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    output = f"{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    assert result.returncode == 0, f"{' '.join(argv)} failed:\n{output}"
    return result


def pytest_bench(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", str(REPO / "bench"), "-p", "no:cacheprovider", *args]


def test_every_benchmark_without_servers_runs_once() -> None:
    result = run(pytest_bench("--benchmark-disable", "-q", "-k", "not redis"))
    assert " passed" in result.stdout and "skipped" not in result.stdout


@pytest.mark.slow
def test_redis_queue_benchmark_runs_once() -> None:
    result = run(pytest_bench("--benchmark-disable", "-q", "-k", "redis"))
    assert "2 passed" in result.stdout


@pytest.mark.slow
def test_python_m_bench_writes_the_json_and_the_ratio(tmp_path: Path) -> None:
    run(
        [
            sys.executable,
            "-m",
            "bench",
            "--runs-root",
            str(tmp_path),
            "--no-report",
            "-k",
            "payload or handler",
        ]
    )
    doc = json.loads((tmp_path / "latest" / "bench.json").read_text())
    groups = {b["group"] for b in doc["benchmarks"]}
    assert {"payload-encode", "handler-vs-raw"} <= groups
    handler = next(b for b in doc["benchmarks"] if b["extra_info"].get("variant") == "handler")
    assert handler["extra_info"]["ratio_to_raw"] > 0


def test_eventlet_benchmarks_run_once_in_their_own_process() -> None:
    result = run(
        [
            sys.executable,
            "-m",
            "bench.eventlet_main",
            "-p",
            "no:cacheprovider",
            "--benchmark-disable",
            "-q",
        ]
    )
    assert "5 passed" in result.stdout
