"""The instruction-count line of the gate on doctored bench documents.

The counts are shaped like those ``roombench bench --instructions`` wrote on
2026-12-07 (instructions per delivery of the handler-vs-raw group); each
candidate is the baseline with its counts changed by hand.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loadtests.gate.decision import evaluate
from loadtests.gate.instructions import METRIC, instruction_checks
from loadtests.model.exit_codes import EXIT_INCONCLUSIVE, EXIT_PASS, EXIT_REGRESSION
from reports.rules import RulesError, load_rules, parse_rules
from reports.verdict import IMPROVEMENT, INCONCLUSIVE, PASS, REGRESSION
from tests.reports.factory import make_bench, write_json

ROOT = Path(__file__).resolve().parents[3]
RULES = load_rules()
COUNTS = {"raw": 4187.82, "handler": 7414.39, "dispatch": 5063.5, "handler-direct": 4626.93}
VERSIONS = {"python": "3.11.7", "valgrind": "3.19.0", "python-socketio": "5.11.4"}


def counted(scale: dict[str, float] | None = None, **changes: Any) -> dict[str, Any]:
    """A bench.json with an ``instructions`` document; ``scale`` multiplies variants' counts."""
    benchmarks = []
    for variant, per_delivery in COUNTS.items():
        value = per_delivery * (scale or {}).get(variant, 1.0)
        benchmarks.append(
            {
                "name": f"test_room_message[{variant}]",
                "fullname": f"bench/test_handler.py::test_room_message[{variant}]",
                "group": "handler-vs-raw",
                "calls": 20,
                "deliveries_per_call": 100,
                "instructions": round(value * 2000),
                "instructions_per_call": value * 100,
                "instructions_per_delivery": value,
                "error": None,
            }
        )
    doc = {"machine_info": {}, "commit_info": {}, "benchmarks": []}
    doc["instructions"] = {
        "kind": "roombench.bench-instructions",
        "schema_version": 1,
        "versions": dict(VERSIONS),
        "benchmarks": benchmarks,
        **changes,
    }
    return doc


def lines(verdict: Any) -> dict[str, Any]:
    return {c.subject: c for c in verdict.checks if c.metric == METRIC}


def test_the_shipped_rules_judge_instruction_counts_with_a_margin_under_2_percent() -> None:
    rule = RULES.metrics[METRIC]
    assert rule.enabled and 0 < rule.min_change_pct < 2.0
    assert rule.when_untestable == "inconclusive"


def test_same_counts_pass() -> None:
    verdict = evaluate([counted()], [copy.deepcopy(counted())], RULES)
    assert verdict.exit_code == EXIT_PASS
    assert {c.verdict for c in lines(verdict).values()} == {PASS}
    assert len(lines(verdict)) == 4


def test_counts_within_the_spread_of_identical_runs_pass() -> None:
    verdict = evaluate([counted()], [counted({"handler": 1.003, "raw": 0.997})], RULES)
    assert verdict.exit_code == EXIT_PASS


def test_three_percent_more_instructions_is_a_regression_naming_the_benchmark() -> None:
    verdict = evaluate([counted()], [counted({"handler": 1.03})], RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    line = lines(verdict)["test_room_message[handler]"]
    assert line.verdict == REGRESSION and line.outcome == "different"
    assert line.change_pct == pytest.approx(3.0)
    assert "+3.00%" in line.reason
    assert lines(verdict)["test_room_message[raw]"].verdict == PASS


def test_fewer_instructions_is_an_improvement_not_a_failure() -> None:
    verdict = evaluate([counted()], [counted({"dispatch": 0.95})], RULES)
    assert verdict.exit_code == EXIT_PASS
    assert lines(verdict)["test_room_message[dispatch]"].verdict == IMPROVEMENT


def test_a_missing_count_is_untestable_never_passed() -> None:
    cand = counted()
    cand["instructions"]["benchmarks"].pop(1)  # handler not counted
    verdict = evaluate([counted()], [cand], RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    line = lines(verdict)["test_room_message[handler]"]
    assert line.verdict == INCONCLUSIVE and "not counted in the candidate" in line.reason


def test_a_count_that_failed_under_valgrind_is_untestable_with_its_error() -> None:
    base = counted()
    entry = base["instructions"]["benchmarks"][0]
    entry.update(instructions=None, instructions_per_delivery=None, error="exit code 1: boom")
    verdict = evaluate([base], [counted()], RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    assert "boom" in lines(verdict)["test_room_message[raw]"].reason


def test_counts_on_one_side_only_are_untestable() -> None:
    verdict = evaluate([make_bench(seed=1)], [counted()], RULES)
    assert verdict.exit_code == EXIT_INCONCLUSIVE
    reasons = {c.reason for c in lines(verdict).values()}
    assert reasons == {
        "no instruction counts in the baseline: count them with roombench bench --instructions"
    }


def test_without_counts_on_either_side_the_line_is_absent() -> None:
    checks, notes = instruction_checks([make_bench(seed=1)], [make_bench(seed=2)], RULES)
    assert checks == [] and notes == []


def test_a_regression_among_timing_lines_still_fails_and_versions_are_noted() -> None:
    base = {**make_bench(seed=1), "instructions": counted()["instructions"]}
    cand = {**make_bench(seed=2), "instructions": counted({"raw": 1.02})["instructions"]}
    cand["instructions"]["versions"]["valgrind"] = "3.20.0"
    verdict = evaluate([base], [cand], RULES)
    assert verdict.exit_code == EXIT_REGRESSION
    assert lines(verdict)["test_room_message[raw]"].verdict == REGRESSION
    assert any("valgrind 3.19.0 -> 3.20.0" in n for n in verdict.notes)


def test_repeated_documents_a_side_use_the_median_count() -> None:
    cands = [counted({"handler": 1.001}), counted({"handler": 1.05}), counted()]
    verdict = evaluate([counted()], cands, RULES)
    line = lines(verdict)["test_room_message[handler]"]
    assert line.verdict == PASS and line.samples == "1 vs 3 counts"


def test_skip_is_refused_for_the_instruction_metric() -> None:
    with pytest.raises(RulesError, match="when_untestable"):
        parse_rules({"metrics": {METRIC: {"when_untestable": "skip"}}})


def _gate(tmp_path: Path, cand: dict[str, Any], *extra: str) -> subprocess.CompletedProcess[str]:
    write_json(counted(), tmp_path / "base" / "bench.json")
    write_json(cand, tmp_path / "cand" / "bench.json")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "reports",
            "gate",
            "--baseline",
            str(tmp_path / "base"),
            "--candidate",
            str(tmp_path / "cand"),
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("scale", "code"),
    [(None, EXIT_PASS), ({"handler": 1.03}, EXIT_REGRESSION)],
)
def test_the_command_exits_by_the_instruction_line(
    tmp_path: Path, scale: dict[str, float] | None, code: int
) -> None:
    result = _gate(tmp_path, counted(scale), "--metric", METRIC)
    assert result.returncode == code, result.stdout + result.stderr
    verdict = json.loads((tmp_path / "cand" / "gate.json").read_text())
    assert {c["metric"] for c in verdict["checks"]} == {METRIC}


def test_the_command_exits_3_on_a_missing_count(tmp_path: Path) -> None:
    cand = counted()
    cand["instructions"]["benchmarks"] = []
    result = _gate(tmp_path, cand)
    assert result.returncode == EXIT_INCONCLUSIVE, result.stdout + result.stderr
    assert "not counted in the candidate" in result.stdout


def test_an_unknown_metric_option_is_a_usage_error(tmp_path: Path) -> None:
    result = _gate(tmp_path, counted(), "--metric", "bench_instructions")
    assert result.returncode == 2 and "not a rule" in result.stderr


def test_the_table_shows_an_instruction_line_without_an_interval() -> None:
    from loadtests.gate.report import render_markdown, render_text

    verdict = evaluate([counted()], [counted({"handler": 1.03})], RULES)
    text = render_text(verdict)
    assert "count, no CI" in text and "+3.03%" not in text
    assert "judged against the margin alone" in text
    assert "bench_instructions_per_delivery" in render_markdown(verdict)
