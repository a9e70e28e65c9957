"""``roombench gate --baseline`` as a subprocess on fixture files: exit codes and outputs.

Changed by issue 12: each side holds 6 repeats (one run a side is now
inconclusive), and a candidate directory's run.json marks failed runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.loadtests.gate.repeats import repeat_of
from tests.reports.factory import make_bench, write_json

ROOT = Path(__file__).resolve().parents[3]


def _gate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loadtests.cli", "gate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    for r in range(6):
        write_json(repeat_of("single-1", r, seed=1), root / "base" / f"single-1.{r}.json")
        write_json(repeat_of("single-1", r, seed=2), root / "same" / f"single-1.{r}.json")
        write_json(repeat_of("single-1", r, seed=2), root / "failed" / f"single-1.{r}.json")
        slow = repeat_of("single-1", r, seed=2, sigma=0.75)
        write_json(slow, root / "slow" / f"single-1.{r}.json")
        flags = {"generator_saturated": "worker-0 busy"}
        saturated = repeat_of("single-1", r, seed=2, flags=flags)
        write_json(saturated, root / "saturated" / f"single-1.{r}.json")
    write_json({"run_id": "x", "configs": ["single-1"]}, root / "base" / "run.json")
    write_json(make_bench(seed=1), root / "base" / "bench.json")
    write_json(make_bench(seed=2), root / "same" / "bench.json")
    outcomes = [{"config": "single-1", "repeat": r, "error": None} for r in range(6)]
    outcomes.append({"config": "single-1", "repeat": 6, "error": "node-0 exited (code 1)"})
    write_json({"run_id": "y", "outcomes": outcomes}, root / "failed" / "run.json")
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
    # Each line carries its estimate, interval and deciding rule.
    assert "| estimate | interval | p (Holm level) |" in text
    assert "same: 91% CI inside ±25%" in text  # 6 vs 6: the exact coverage of a 90 % interval
    p50 = next(c for c in verdict["checks"] if c["metric"] == "fanout_p50")
    assert p50["outcome"] == "same" and p50["samples"] == "6 vs 6 repeats"


def test_a_failed_candidate_run_in_its_manifest_exits_1(runs: Path, tmp_path: Path) -> None:
    result = _gate(
        "--baseline",
        str(runs / "base"),
        "--candidate",
        str(runs / "failed"),
        "--json-out",
        str(tmp_path / "v.json"),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "repeat 6 failed: node-0 exited (code 1)" in result.stdout
    # The same files without their manifest pass: the manifest is what told.
    files = sorted(str(p) for p in (runs / "failed").glob("single-1.*.json"))
    clean = _gate(
        "--baseline",
        str(runs / "base"),
        "--candidate",
        *files,
        "--json-out",
        str(tmp_path / "w.json"),
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    manifest = _gate(
        "--baseline",
        str(runs / "base"),
        "--candidate",
        *files,
        "--manifest",
        str(runs / "failed" / "run.json"),
        "--json-out",
        str(tmp_path / "x.json"),
    )
    assert manifest.returncode == 1


def test_looks_split_alpha_and_must_be_positive(runs: Path, tmp_path: Path) -> None:
    result = _gate(
        "--baseline",
        str(runs / "base"),
        "--candidate",
        str(runs / "slow"),
        "--looks",
        "3",
        "--json-out",
        str(tmp_path / "v.json"),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = json.loads((tmp_path / "v.json").read_text())
    assert verdict["looks"] == 3
    assert "split over 3 looks" in result.stdout
    bad = _gate("--baseline", str(runs / "base"), "--candidate", str(runs / "slow"), "--looks", "0")
    assert bad.returncode == 2 and "--looks: 0 is out of range; allowed: 1 or more" in bad.stderr


def test_regression_exits_1_and_names_the_metric(runs: Path, tmp_path: Path) -> None:
    result = _gate(
        "--baseline",
        *sorted(str(p) for p in (runs / "base").glob("single-1.*.json")),
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
        (["--baseline", "{base}"], "required"),
        (["--baseline", "nowhere", "--candidate", "nowhere"], "no such file or directory"),
        (["--baseline", "{base}/run.json", "--candidate", "{base}"], "neither a roombench"),
        (
            ["--baseline", "{base}", "--candidate", "{base}", "--rules", "{bad}"],
            "metrics.fanout_p99.min_change: unknown key 'min_change'; allowed: ",
        ),
    ],
)
def test_usage_errors_exit_2(runs: Path, tmp_path: Path, args: list[str], message: str) -> None:
    bad = tmp_path / "gate.toml"
    bad.write_text("[metrics.fanout_p99]\nmin_change = 5\n")
    result = _gate(*[a.format(base=runs / "base", bad=bad) for a in args])
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
