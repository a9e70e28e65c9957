"""The A/B gate's pieces: the two sides, their order, their files, adaptivity, the base's worktree.

Changed by issue 12: a side without results is no longer always inconclusive
(a candidate that wrote nothing failed every run: exit 1).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from loadtests.gate import ab
from loadtests.model.exit_codes import EXIT_INCONCLUSIVE, EXIT_PASS, EXIT_REGRESSION
from loadtests.model.load import ScenarioError
from loadtests.orchestrate.runner import results_name
from loadtests.orchestrate.scenario_file import Scenario, parse_scenario
from tests.loadtests.gate.repeats import repeat_of
from tests.reports.factory import write_json

REPO = Path(__file__).resolve().parents[3]


def _matrix(*names: str) -> Scenario:
    return parse_scenario(
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


def test_a_side_without_results(tmp_path: Path) -> None:
    # Only a candidate: nothing to compare with, inconclusive.
    (tmp_path / "candidate.json").write_text("{}")
    assert ab.judge(tmp_path) == EXIT_INCONCLUSIVE
    # Only a baseline: the candidate failed every run, which fails the gate.
    (tmp_path / "candidate.json").unlink()
    (tmp_path / "base.json").write_text("{}")
    assert ab.judge(tmp_path) == EXIT_REGRESSION


def test_abba_order_cancels_drift_and_continues_across_batches() -> None:
    order = ab.interleave(["base", "candidate"], 0, 4)
    assert [name[0] for name, _ in order] == list("bccbbccb")
    assert [k for _, k in order] == [0, 0, 1, 1, 2, 2, 3, 3]
    later = ab.interleave(["base", "candidate"], 4, 2)
    assert later == [("base", 4), ("candidate", 4), ("candidate", 5), ("base", 5)]


def test_random_order_is_seeded_and_balanced() -> None:
    first = ab.interleave(["base", "candidate"], 0, 20, "random", seed=7)
    assert first == ab.interleave(["base", "candidate"], 0, 20, "random", seed=7)
    assert first != ab.interleave(["base", "candidate"], 0, 20, "random", seed=8)
    for k in range(20):
        assert sorted(n for n, i in first if i == k) == ["base", "candidate"]
    with pytest.raises(ScenarioError, match="allowed: abba, random"):
        ab.interleave(["base"], 0, 1, "zigzag")


def test_a_planned_matrix_runs_in_its_order_with_stable_file_names() -> None:
    matrix = _matrix("base", "candidate")
    order = ab.interleave(["base", "candidate"], 0, 2)
    planned = ab.planned(matrix, order, 10)
    assert [(c.name, k) for c, k in planned.plan()] == order
    config, k = planned.plan()[-1]
    assert results_name(config, k, planned.repeat) == "base.1"


def test_batches_and_looks_of_an_adaptive_gate() -> None:
    fixed = ab.GatePlan(repeats=6)
    assert [(done, len(order)) for done, order in ab.batches(fixed)] == [(6, 12)]
    assert ab.looks_for(6, 10, adaptive=False) == 1
    adaptive = ab.GatePlan(repeats=6, adaptive=True, max_repeats=9)
    assert [(done, len(order)) for done, order in ab.batches(adaptive)] == [
        (6, 12),
        (8, 4),
        (9, 2),
    ]
    assert ab.looks_for(6, 9, adaptive=True) == 3
    with pytest.raises(ScenarioError, match="--max-repeats 4 is out of range"):
        ab.GatePlan(repeats=6, adaptive=True, max_repeats=4).check()


def _write_batch(out: Path, order: list[tuple[str, int]], jitter: float) -> None:
    for name, k in order:
        seed = 1 if name == "base" else 2
        write_json(repeat_of(name, k, seed=seed, jitter=jitter), out / f"{name}.{k}.json")


def _adaptive_gate(out: Path, jitter: float, max_repeats: int) -> tuple[int, list[int], list[str]]:
    """The adaptive loop with fixture runs in place of load runs, judged by the real gate."""
    plan = ab.GatePlan(repeats=6, adaptive=True, max_repeats=max_repeats)
    looks_seen: list[int] = []
    said: list[str] = []

    def judge_now(looks: int) -> int:
        looks_seen.append(looks)
        return ab.judge(out, None, looks)

    code = ab.run_gate(
        plan,
        lambda order: _write_batch(out, order, jitter),
        judge_now,
        lambda: ab.more_repeats_can_help(out),
        said.append,
    )
    return code, looks_seen, said


def test_adaptive_gate_adds_repeats_while_unknown_then_answers_inconclusive(
    tmp_path: Path,
) -> None:
    # Runs so noisy (80 % run-to-run) that p50 stays "unknown" at every look.
    code, looks_seen, said = _adaptive_gate(tmp_path, jitter=0.8, max_repeats=10)
    assert code == EXIT_INCONCLUSIVE
    assert looks_seen == [3, 3, 3]  # 6, 8, 10 repeats a side; alpha split over 3 looks
    assert said == [
        "gate: inconclusive at 6 repeats a side: adding 2 more",
        "gate: inconclusive at 8 repeats a side: adding 2 more",
    ]
    assert len(ab.side_files(tmp_path, "candidate")) == 10
    assert "split over 3 looks" in (tmp_path / "gate.md").read_text()


def test_adaptive_gate_stops_at_the_first_decisive_look(tmp_path: Path) -> None:
    code, looks_seen, said = _adaptive_gate(tmp_path, jitter=0.02, max_repeats=10)
    assert code == EXIT_PASS
    assert looks_seen == [3] and said == []
    assert len(ab.side_files(tmp_path, "candidate")) == 6


def test_more_repeats_cannot_cure_a_blocker(tmp_path: Path) -> None:
    (tmp_path / "gate.json").write_text(
        '{"reasons": ["single-1: generator_saturated in the baseline (repeat 0): busy"], '
        '"checks": []}'
    )
    assert not ab.more_repeats_can_help(tmp_path)
    (tmp_path / "gate.json").write_text(
        '{"reasons": ["fanout_p50 (x): unknown"], '
        '"checks": [{"verdict": "inconclusive", "outcome": "unknown"}]}'
    )
    assert ab.more_repeats_can_help(tmp_path)


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
