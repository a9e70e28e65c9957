"""The A/B gate's pieces: the two sides, their files, the base's worktree."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from loadtests.orchestrate import ab
from loadtests.orchestrate.matrix import Matrix, parse_matrix
from loadtests.orchestrate.scenario import ScenarioError

REPO = Path(__file__).resolve().parents[3]


def _matrix(*names: str) -> Matrix:
    return parse_matrix(
        {"load": {"users": 4, "rooms": 1, "senders": 4}, "config": [{"name": n} for n in names]},
        "ab.toml",
    )


def test_sides_must_be_base_and_candidate() -> None:
    ab.check_sides(_matrix("candidate", "base"))
    with pytest.raises(ScenarioError, match="named 'base' and 'candidate', found"):
        ab.check_sides(_matrix("base", "other"))


def test_side_files_take_repeats_and_nothing_else(tmp_path: Path) -> None:
    for name in (
        "base.json",
        "base.0.json",
        "base.1.json",
        "baseline.json",
        "candidate.json",
        "run.json",
        "base_stats.csv",
    ):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in ab.side_files(tmp_path, "base")] == [
        "base.0.json",
        "base.1.json",
        "base.json",
    ]
    assert [p.name for p in ab.side_files(tmp_path, "candidate")] == ["candidate.json"]


def test_a_side_without_results_is_inconclusive(tmp_path: Path) -> None:
    (tmp_path / "candidate.json").write_text("{}")
    assert ab.judge(tmp_path) == 3


def test_base_app_must_hold_target_app(tmp_path: Path) -> None:
    matrix = _matrix("base", "candidate")
    with pytest.raises(ScenarioError, match="has no target_app package"):
        ab.with_base_app(matrix, tmp_path)
    placed = ab.with_base_app(matrix, REPO)
    assert {c.name: c.app_dir for c in placed.configs} == {"base": REPO, "candidate": None}


def test_worktree_of_head_is_made_and_removed() -> None:
    with ab.worktree("HEAD", REPO) as path:
        assert (path / "target_app" / "__main__.py").is_file()
        listed = subprocess.run(
            ["git", "-C", str(REPO), "worktree", "list"], capture_output=True, text=True, check=True
        ).stdout
        assert str(path) in listed
    assert not path.exists()
    listed = subprocess.run(
        ["git", "-C", str(REPO), "worktree", "list"], capture_output=True, text=True, check=True
    ).stdout
    assert str(path) not in listed


def test_an_unknown_ref_is_a_clear_error() -> None:
    with pytest.raises(ScenarioError, match="--base-ref no-such-ref: git worktree add failed"):
        with ab.worktree("no-such-ref", REPO):
            pass
