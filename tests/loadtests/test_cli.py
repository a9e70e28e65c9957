"""The ``roombench`` command: every subcommand listed, each reaching its module's main."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from loadtests import cli

REPO = Path(__file__).resolve().parents[2]


def _roombench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loadtests.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_every_subcommand_within_120_columns() -> None:
    done = _roombench("--help")
    assert done.returncode == 0
    for name in ("run", "gate", "gate-selfcheck", "capacity", "report", "summary", "bench"):
        assert f"  {name} " in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 120


def test_unknown_subcommand_is_a_usage_error() -> None:
    done = _roombench("frobnicate")
    assert done.returncode == 2
    assert "unknown subcommand 'frobnicate'" in done.stderr


@pytest.mark.parametrize("name", sorted(cli.SUBCOMMANDS))
def test_each_subcommand_has_its_own_help(name: str) -> None:
    done = _roombench(name, "--help")
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout.lower()  # Locust's own help says "Usage:"


def test_locust_help_lists_the_roombench_options_with_defaults() -> None:
    done = _roombench("locust", "--help")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    for option in ("--roombench-scenario", "--roombench-nodes", "--roombench-results"):
        assert option in text
    assert "default: 'roombench-results.json'" in text


def test_summary_and_report_read_a_stored_run(tmp_path: Path) -> None:
    demo = tmp_path / "run"
    subprocess.run([sys.executable, "-m", "tests.reports.factory", str(demo)], cwd=REPO, check=True)
    summary = _roombench("summary", str(demo))
    assert summary.returncode == 0, summary.stderr
    report = _roombench("report", str(demo), "--output", str(tmp_path / "page.html"))
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "page.html").read_text().startswith("<!DOCTYPE html>")
