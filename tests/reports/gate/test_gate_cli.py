"""``python -m reports gate`` as a subprocess on fixture files: exit codes and outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reports.factory import make_bench, make_results, write_json

ROOT = Path(__file__).resolve().parents[3]


def _gate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reports", "gate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    write_json(make_results("single-1", seed=1), root / "base" / "single-1.0.json")
    write_json({"run_id": "x", "configs": ["single-1"]}, root / "base" / "run.json")
    write_json(make_bench(seed=1), root / "base" / "bench.json")
    write_json(make_results("single-1", seed=2), root / "same" / "single-1.0.json")
    write_json(make_bench(seed=2), root / "same" / "bench.json")
    write_json(make_results("single-1", seed=2, sigma=0.75), root / "slow" / "single-1.0.json")
    write_json(
        make_results("single-1", seed=2, flags={"generator_saturated": "worker-0 busy"}),
        root / "saturated" / "single-1.0.json",
    )
    return root


def test_pass_writes_json_next_to_the_candidate_and_the_step_summary(
    runs: Path, tmp_path: Path
) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    result = _gate(
        "--baseline",
        str(runs / "base"),
        "--candidate",
        str(runs / "same"),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stdout
    verdict = json.loads((runs / "same" / "gate.json").read_text())
    assert verdict["outcome"] == "pass"
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "| metric | subject |" in text


def test_regression_exits_1_and_names_the_metric(runs: Path, tmp_path: Path) -> None:
    result = _gate(
        "--baseline",
        str(runs / "base" / "single-1.0.json"),
        "--candidate",
        str(runs / "slow"),
        "--json-out",
        str(tmp_path / "v.json"),
        "--markdown-out",
        str(tmp_path / "v.md"),
        env={"GITHUB_STEP_SUMMARY": ""},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "fanout_p99" in result.stdout and "REGRESSION" in result.stdout
    assert json.loads((tmp_path / "v.json").read_text())["exit_code"] == 1
    assert "fanout_p99" in (tmp_path / "v.md").read_text()


def test_saturated_generator_exits_3(runs: Path, tmp_path: Path) -> None:
    result = _gate(
        "--baseline",
        str(runs / "base"),
        "--candidate",
        str(runs / "saturated"),
        "--json-out",
        str(tmp_path / "v.json"),
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "generator_saturated" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "required"),
        (["--baseline", "nowhere", "--candidate", "nowhere"], "no such file or directory"),
        (["--baseline", "{base}/run.json", "--candidate", "{base}"], "neither a roombench"),
        (["--baseline", "{base}", "--candidate", "{base}", "--config", "{bad}"], "unknown key"),
    ],
)
def test_usage_errors_exit_2(runs: Path, tmp_path: Path, args: list[str], message: str) -> None:
    bad = tmp_path / "gate.toml"
    bad.write_text("[metrics.fanout_p99]\nmin_change = 5\n")
    result = _gate(*[a.format(base=runs / "base", bad=bad) for a in args])
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
