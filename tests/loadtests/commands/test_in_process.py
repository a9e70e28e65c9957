"""Reports in-process for ``run`` and the A/B gate: the same verdict and page as the commands.

Fixture runs stand in for load runs (``tests.loadtests.gate.repeats``), as in test_ab.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from loadtests.commands import gate
from loadtests.commands.running import summarize
from loadtests.gate import ab
from loadtests.model.exit_codes import EXIT_PASS, EXIT_REGRESSION
from tests.loadtests.gate.repeats import repeat_of
from tests.reports.factory import write_json


def _sides(out: Path, candidate_seed: int, jitter: float = 0.0) -> Path:
    for k in range(6):
        write_json(repeat_of("base", k, seed=1, jitter=jitter), out / f"base.{k}.json")
        write_json(repeat_of("candidate", k, seed=candidate_seed), out / f"candidate.{k}.json")
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_the_in_process_judge_is_the_stored_gate_command(tmp_path: Path, seed: int) -> None:
    """The same exit code and gate.json as ``roombench gate --baseline`` run as a process."""
    here = _sides(tmp_path / "here", seed)
    there = tmp_path / "there"
    shutil.copytree(here, there)
    code = gate.judge(here, None, 1)
    assert code == ab.judge(there, None, 1)
    assert code in (EXIT_PASS, EXIT_REGRESSION)
    verdict = json.loads((here / "gate.json").read_text())
    assert verdict == json.loads((there / "gate.json").read_text())
    assert (here / "gate.md").read_text() == (there / "gate.md").read_text()


def test_a_side_without_results_is_ab_judges_case(tmp_path: Path) -> None:
    write_json(repeat_of("base", 0, seed=1), tmp_path / "base.0.json")
    assert gate.judge(tmp_path, None, 1) == EXIT_REGRESSION  # the candidate wrote nothing


def test_bad_rules_are_the_gates_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[metrics.fanout_p99]\nmin_change = 5\n")
    assert gate.judge(_sides(tmp_path / "runs", 1), rules, 1) == 2
    assert "roombench gate: error: metrics.fanout_p99.min_change" in capsys.readouterr().err


def test_summarize_builds_the_page_and_prints_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _sides(tmp_path / "runs", 2)
    summarize(out)
    assert (out / "index.html").read_text().startswith("<!DOCTYPE html>")
    printed = capsys.readouterr().out
    assert "candidate" in printed and str(out / "index.html") in printed


def test_a_failing_page_is_printed_and_raises_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summarize(tmp_path)  # no results at all: neither the page nor the table can be made
    err = capsys.readouterr().err
    assert "report: not built (InputError: no results or bench files" in err
    assert "summary: not printed (InputError: no results files" in err
    assert not (tmp_path / "index.html").exists()
