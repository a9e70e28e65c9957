"""Instruction counts under real valgrind: repeatable, failures named, the known answer caught.

Slow (each case is a process under callgrind, 10-20 s): run under the machine lock.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.instructions.callgrind import find_valgrind
from bench.instructions.cases import CASES, Case
from bench.instructions.run import CountSettings, count_all

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(280)]
SMALL = "test_emit_stubbed[n=10]"


def test_a_case_failing_under_valgrind_is_named_and_the_others_count() -> None:
    broken = Case("test_not_a_case[x]", "bench/test_x.py::test_not_a_case[x]", "broken", 1, None)  # type: ignore[arg-type]
    lines: list[str] = []
    doc = count_all(
        CountSettings(valgrind=find_valgrind(), jobs=2),
        progress=lambda entry: lines.append(entry["name"]),
        cases=[broken, CASES[SMALL]],
    )
    by_name = {entry["name"]: entry for entry in doc["benchmarks"]}
    assert by_name["test_not_a_case[x]"]["error"] is not None
    assert "exit code 2" in str(by_name["test_not_a_case[x]"]["error"])
    assert by_name["test_not_a_case[x]"]["instructions_per_delivery"] is None
    assert by_name[SMALL]["error"] is None and by_name[SMALL]["instructions"]
    assert sorted(lines) == sorted(by_name)
    assert doc["versions"]["valgrind"] and doc["versions"]["python"]


def _bench(runs_root: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench",
            "--instructions",
            "--instruction-case",
            "test_room_message[handler]",
            "--no-eventlet",
            "--no-report",
            "--runs-root",
            str(runs_root),
            *extra,
            "-k",
            "test_encode_room_message and 64B",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _gate(base: Path, cand: Path, out: Path) -> int:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "reports",
            "gate",
            "--baseline",
            str(base / "latest" / "bench.json"),
            "--candidate",
            str(cand / "latest" / "bench.json"),
            "--metric",
            "bench_instructions_per_delivery",
            "--json-out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    ).returncode


def test_known_answers_through_the_command_a_a_passes_and_extra_work_fails(
    tmp_path: Path,
) -> None:
    runs = {"a": _bench(tmp_path / "a"), "a2": _bench(tmp_path / "a2")}
    runs["b"] = _bench(tmp_path / "b", "--known-answer-extra-work")
    try:
        for name, proc in runs.items():
            out, _ = proc.communicate(timeout=240)
            assert proc.returncode == 0, f"{name}:\n{out[-3000:]}"
    finally:
        for proc in runs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    # The same code counted twice agrees within half a percent, case by case.
    counts = {
        side: {
            b["name"]: b["instructions_per_delivery"]
            for b in json.loads((tmp_path / side / "latest" / "bench.json").read_text())[
                "instructions"
            ]["benchmarks"]
        }
        for side in ("a", "a2")
    }
    assert counts["a"].keys() == counts["a2"].keys() and counts["a"]
    for name, first in counts["a"].items():
        second = counts["a2"][name]
        assert first is not None and second is not None and first > 100, (name, first, second)
        assert abs(second - first) / first < 0.005, (name, first, second)
    assert _gate(tmp_path / "a", tmp_path / "a2", tmp_path / "aa.json") == 0
    assert _gate(tmp_path / "a", tmp_path / "b", tmp_path / "ab.json") == 1
