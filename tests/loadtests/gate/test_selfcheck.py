"""gate-selfcheck without load: the pool's order, resampled families, intervals, the table."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from loadtests.gate import selfcheck
from loadtests.model.load import ScenarioError
from loadtests.orchestrate.scenario_file import parse_scenario
from reports.rules import load_rules
from tests.loadtests.gate.repeats import repeat_of
from tests.reports.factory import write_json


def test_pool_matrix_adds_one_delayed_copy_of_the_base_per_delay() -> None:
    matrix = parse_scenario(
        {"load": {"users": 4, "rooms": 1}, "config": [{"name": "base"}, {"name": "candidate"}]},
        "gate.toml",
    )
    pool = selfcheck.pool_scenario(matrix)
    assert [(c.name, c.inject_delay_ms) for c in pool.configs] == [
        ("base", 0.0),
        ("delay-1ms", 1.0),
        ("delay-2ms", 2.0),
    ]


def test_pool_order_interleaves_blocks_with_distinct_repeat_indices() -> None:
    order = selfcheck.pool_order(4, seed=3)
    assert Counter(name for name, _ in order) == {"base": 12, "delay-1ms": 4, "delay-2ms": 4}
    assert len(set(order)) == len(order)
    for block in range(4):
        names = [name for name, _ in order[block * 5 : block * 5 + 5]]
        assert sorted(names) == ["base", "base", "base", "delay-1ms", "delay-2ms"]
    assert order == selfcheck.pool_order(4, seed=3) != selfcheck.pool_order(4, seed=4)


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fixture pool: 24 base runs and 12 runs of each delay (+40 % and +80 % latency)."""
    root = tmp_path_factory.mktemp("pool")
    for k in range(24):
        write_json(repeat_of("base", k, seed=1), root / f"base.{k}.json")
    for k in range(12):
        for name, median in (("delay-1ms", 2800), ("delay-2ms", 3600)):
            write_json(repeat_of(name, k, seed=2, median_us=median), root / f"{name}.{k}.json")
    return root


def test_judge_pool_counts_each_family_with_an_honest_interval(pool: Path) -> None:
    doc = selfcheck.judge_pool(pool, load_rules(), repeats=6, resamples=30, seed=1)
    families = {f["name"]: f for f in doc["families"]}
    for name in ("A/A, ABBA in time", "A/A, random split"):
        assert families[name]["regression"] == 0.0
        assert families[name]["disjoint"] == 2  # 24 base runs fill two gates of 6 + 6
        assert families[name]["interval"][0] == 0.0 and families[name]["interval"][1] > 0.5
    assert families["A/A, ABBA in time"]["gates"] == 24 - 12 + 1  # every window of 12
    assert families["A/A, random split"]["gates"] == 30
    for name in ("+1 ms, in time", "+1 ms, random", "+2 ms, in time", "+2 ms, random"):
        assert families[name]["regression"] == 1.0
        assert families[name]["disjoint"] == 2  # 12 delayed runs, 6 a gate
    assert families["+1 ms, in time"]["gates"] == 12 - 6 + 1
    assert doc["runs"] == {"base": 24, "delay-1ms": 12, "delay-2ms": 12}
    mde = doc["minimum_detectable_effect_pct"]
    # 3 % run-to-run jitter: the margin (25 %) is what limits p50, not the noise.
    assert mde["fanout_p50"] is not None and 25 < mde["fanout_p50"] <= 30
    table = selfcheck.render(doc)
    assert "| A/A, random split | 30 | 0.0% | 0% .. 66% | 2 |" in table
    assert "| +2 ms, in time | 7 | 100.0% |" in table


def test_ordered_draws_keep_time_order_and_never_reuse_a_run_in_a_gate() -> None:
    base = [repeat_of("base", k, seed=1) for k in range(14)]
    [(b, c), *rest] = selfcheck.ordered_draws(base, None, 6)
    assert len(rest) == 2
    assert [d["repeat"] for d in b] == [0, 3, 4, 7, 8, 11]  # ABBA: b c c b b c c b ...
    assert [d["repeat"] for d in c] == [1, 2, 5, 6, 9, 10]
    delayed = [repeat_of("delay-1ms", k, seed=2) for k in range(7)]
    for b, c in selfcheck.ordered_draws(base, delayed, 6):
        assert len({id(d) for d in b}) == 6 and len(c) == 6


def test_a_pool_too_small_for_one_gate_is_a_clear_error(tmp_path: Path) -> None:
    for k in range(5):
        write_json(repeat_of("base", k, seed=1), tmp_path / f"base.{k}.json")
    with pytest.raises(ScenarioError, match="5 base runs cannot fill one A/A gate of 6 a side"):
        selfcheck.judge_pool(tmp_path, load_rules(), repeats=6, resamples=5)
