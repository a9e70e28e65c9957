"""Summary figures, pooling of repeats and significance marks, from fixture results."""

from __future__ import annotations

import pytest

from reports.compare import SAMPLES_NONE, SAMPLES_REPEATS, SAMPLES_SECONDS
from reports.configs import find_config, group_configs
from reports.summary_text import render_markdown, render_text, render_wide
from reports.table import NOT_SIGNIFICANT, build_table
from tests.reports.factory import make_results

LOW = list(range(100, 200))  # exact in an HDR histogram with 3 significant digits (< 2048)
HIGH = list(range(200, 300))


def _cell(table, label: str, key: str):  # type: ignore[no-untyped-def]
    row = next(r for r in table.rows if r.config.label == label)
    return next(c for c in row.cells if c.metric.key == key)


@pytest.fixture(scope="module")
def exact_table():  # type: ignore[no-untyped-def]
    docs = [
        make_results("base", 0, fanout_values_us=LOW, counters={"lost": 2}),
        make_results("base", 1, fanout_values_us=HIGH, counters={"lost": 3, "errors": 1}),
        make_results("cand", 0, fanout_values_us=HIGH, seed=5),
    ]
    return build_table(group_configs(docs))


def test_repeats_are_pooled_by_merging_histograms(exact_table) -> None:  # type: ignore[no-untyped-def]
    # Merged 100..299 (200 values): p50 is the 100th value, p99 the 198th, max 299.
    assert _cell(exact_table, "base", "fanout_p50").value == 199
    assert _cell(exact_table, "base", "fanout_p99").value == 297
    assert _cell(exact_table, "base", "fanout_max").value == 299
    assert _cell(exact_table, "base", "lost").value == 5
    assert _cell(exact_table, "base", "errors").value == 1
    # 100 fan-out + 40 users * 20 s self deliveries, per 20 s window, both repeats.
    assert _cell(exact_table, "base", "deliveries_per_s").value == pytest.approx(900 / 20)


def test_changes_are_against_the_baseline(exact_table) -> None:  # type: ignore[no-untyped-def]
    assert exact_table.baseline == "base"
    assert _cell(exact_table, "base", "fanout_p50").comparison is None
    p50 = _cell(exact_table, "cand", "fanout_p50")
    assert p50.value == 249
    assert p50.comparison.change_pct == pytest.approx((249 - 199) / 199 * 100)
    # One repeat a side and one second with deliveries: nothing to test, so marked.
    assert p50.comparison.samples == SAMPLES_NONE
    assert p50.change_text == f"+25.1% {NOT_SIGNIFICANT}"
    assert _cell(exact_table, "cand", "lost").change_text == f"-100.0% {NOT_SIGNIFICANT}"


def test_redis_columns_only_when_some_configuration_has_redis(exact_table) -> None:  # type: ignore[no-untyped-def]
    assert "redis_cpu_pct" not in [m.key for m in exact_table.metrics]
    docs = [make_results("a"), make_results("b", nodes=2, queue="redis", seed=2)]
    table = build_table(group_configs(docs))
    assert _cell(table, "b", "redis_cpu_pct").value is not None
    assert _cell(table, "a", "redis_cpu_pct").value is None


def test_a_real_difference_is_significant_over_window_seconds() -> None:
    docs = [make_results("fast", median_us=2000), make_results("slow", median_us=3000, seed=2)]
    table = build_table(group_configs(docs))
    cell = _cell(table, "slow", "fanout_p50")
    assert cell.comparison.samples == SAMPLES_SECONDS
    assert cell.comparison.significant is True
    assert cell.comparison.worse is True
    assert NOT_SIGNIFICANT not in cell.change_text
    assert cell.change_text.startswith("+")


def test_the_same_distribution_is_marked_not_significant() -> None:
    docs = [make_results("a", median_us=2000), make_results("b", median_us=2000, seed=9)]
    cell = _cell(build_table(group_configs(docs)), "b", "fanout_p50")
    assert cell.comparison.significant is False
    assert cell.comparison.p_value > 0.05
    assert cell.change_text.endswith(NOT_SIGNIFICANT)


def test_four_repeats_a_side_are_tested_over_repeats() -> None:
    docs = [make_results("a", r, median_us=2000) for r in range(4)]
    docs += [make_results("b", r, median_us=2600, seed=2) for r in range(4)]
    cell = _cell(build_table(group_configs(docs)), "b", "fanout_p99")
    assert cell.comparison.samples == SAMPLES_REPEATS
    assert (cell.comparison.n_base, cell.comparison.n_cand) == (4, 4)
    assert cell.comparison.p_value == pytest.approx(2 / 70)
    assert cell.comparison.significant is True


def test_three_repeats_fall_back_to_window_seconds() -> None:
    docs = [make_results("a", r) for r in range(3)] + [
        make_results("b", r, seed=2) for r in range(3)
    ]
    cell = _cell(build_table(group_configs(docs)), "b", "fanout_p50")
    assert cell.comparison.samples == SAMPLES_SECONDS
    assert "cannot reach" in cell.comparison.reason
    assert cell.comparison.n_base == 60


def test_baseline_by_name_and_unknown_baseline() -> None:
    configs = group_configs([make_results("a"), make_results("b", seed=2)])
    assert build_table(configs, baseline="b").baseline == "b"
    with pytest.raises(KeyError, match="known are a, b"):
        build_table(configs, baseline="nope")


def test_same_config_from_two_runs_stays_apart() -> None:
    docs = [make_results("a", run_id="r1"), make_results("a", run_id="r2", seed=2)]
    configs = group_configs(docs)
    assert [c.label for c in configs] == ["a (r1)", "a (r2)"]
    assert find_config(configs, "a (r2)").first["run_id"] == "r2"
    with pytest.raises(KeyError, match="several runs"):
        find_config(configs, "a")
    assert len(group_configs(docs, by_run=False)) == 1


def test_text_and_markdown_summaries(exact_table) -> None:  # type: ignore[no-untyped-def]
    text = render_wide(exact_table)
    header, base_line, cand_line = text.splitlines()[:3]
    assert header.startswith("configuration") and "fan-out p99 (µs)" in header
    assert base_line.startswith("base (baseline)")
    assert len(header) == len(cand_line.rstrip()) or "249 (+25.1% ~)" in cand_line
    markdown = render_markdown(exact_table)
    assert "| base (baseline) |" in markdown
    assert "|---|---:|" in markdown
    flagged = build_table(group_configs([make_results("a", flags={"lost": "3 lost"})]))
    assert "WARNING a repeat 0: lost: 3 lost" in render_text(flagged)
    assert "WARNING a repeat 0: lost: 3 lost" in render_wide(flagged)
    assert "> **Warning:** a repeat 0: lost: 3 lost" in render_markdown(flagged)
