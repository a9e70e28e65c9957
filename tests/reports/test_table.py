"""Summary figures, pooling of repeats and significance marks, from fixture results."""

from __future__ import annotations

import pytest

from loadtests.gate.decision import evaluate
from reports.compare import SAMPLES_NONE, SAMPLES_REPEATS
from reports.configs import find_config, group_configs
from reports.metrics import METRICS_BY_KEY, MIB, format_value, shown_unit
from reports.rules import load_rules
from reports.summary_text import render_markdown, render_text, render_wide
from reports.table import NOT_DIFFERENT, build_table
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
    # Two repeats against one: nothing is tested, so the change is shown plainly.
    assert p50.comparison.samples == SAMPLES_NONE
    assert p50.change_text == "+25.1%"
    assert _cell(exact_table, "cand", "lost").change_text == "-100.0%"


def test_redis_columns_only_when_some_configuration_has_redis(exact_table) -> None:  # type: ignore[no-untyped-def]
    assert "redis_cpu_pct" not in [m.key for m in exact_table.metrics]
    docs = [make_results("a"), make_results("b", nodes=2, queue="redis", seed=2)]
    table = build_table(group_configs(docs))
    assert _cell(table, "b", "redis_cpu_pct").value is not None
    assert _cell(table, "a", "redis_cpu_pct").value is None


def _repeats(n: int, median_b: float, seed_b: int = 2) -> list[dict]:  # type: ignore[type-arg]
    docs = [make_results("a", r, median_us=2000) for r in range(n)]
    return docs + [make_results("b", r, median_us=median_b, seed=seed_b) for r in range(n)]


@pytest.mark.parametrize(
    ("repeats", "tested", "note"),
    [
        (1, False, "one run each: changes not tested; `--repeat 5` tests them"),
        (3, False, "3 runs each: changes not tested; `--repeat 5` tests them"),
        (6, True, ""),
    ],
)
def test_a_change_is_tested_only_over_enough_repeats(repeats: int, tested: bool, note: str) -> None:
    # A 50 % slower median: obvious in every per-second sample, yet with fewer repeats
    # a side than the gate's min_repeats (5) nothing is tested, and nothing is coloured.
    assert load_rules().min_repeats == 5
    table = build_table(group_configs(_repeats(repeats, 3000)))
    cell = _cell(table, "b", "fanout_p50")
    assert cell.comparison.tested is tested
    assert table.test_note() == note or (tested and "gate's rule" in table.test_note())
    if tested:
        assert cell.comparison.samples == SAMPLES_REPEATS
        assert (cell.comparison.n_base, cell.comparison.n_cand) == (6, 6)
        assert cell.comparison.significant is True and cell.comparison.worse is True
        assert cell.comparison.p_value == pytest.approx(2 / 924)
        assert NOT_DIFFERENT not in cell.change_text
    else:
        # Shown plainly: the pooled change, no p-value, no mark, no colour.
        assert cell.comparison.samples == SAMPLES_NONE
        assert cell.comparison.p_value is None and cell.comparison.significant is None
        assert cell.change_text == f"{cell.comparison.pooled_change_pct:+.1f}%"
        assert "not tested" in cell.comparison.reason


def test_the_page_calls_different_exactly_what_the_gate_calls_different() -> None:
    docs = _repeats(6, 3000)
    table = build_table(group_configs(docs))
    rules = load_rules()
    verdict = evaluate(
        [d for d in docs if d["config_name"] == "a"],
        [d for d in docs if d["config_name"] == "b"],
        rules,
    )
    gated = {c.metric: c for c in verdict.checks if c.outcome}
    assert gated, verdict.checks
    for key, check in gated.items():
        comparison = _cell(table, "b", key).comparison
        assert comparison.outcome == check.outcome, key
        assert comparison.change_pct == pytest.approx(check.change_pct), key


def test_the_same_distribution_over_six_repeats_is_not_different() -> None:
    cell = _cell(build_table(group_configs(_repeats(6, 2000, seed_b=9))), "b", "fanout_p50")
    assert cell.comparison.tested is True
    assert cell.comparison.significant is False
    assert cell.change_text.endswith(NOT_DIFFERENT) or cell.comparison.change_pct == 0


def test_mixed_repeat_counts_name_the_fewest() -> None:
    docs = [make_results("a", r) for r in range(6)] + [make_results("b", 0, seed=2)]
    table = build_table(group_configs(docs))
    assert table.test_note() == (
        "one run of some configuration: changes not tested; `--repeat 5` tests them"
    )


def test_whole_system_cost_adds_every_node_and_redis() -> None:
    doc = make_results("r", nodes=2, queue="redis", seed=4)
    servers = [r for r in doc["resources"] if r["role"] in ("node", "redis")]
    assert len(servers) == 3
    cpu_s = sum(r["cpu_s_window"] for r in servers)
    table = build_table(group_configs([doc]))
    row = table.rows[0]
    assert row.cell("server_cpu_pct").value == pytest.approx(cpu_s / 20 * 100)
    assert row.cell("server_cpu_us_per_delivery").value == pytest.approx(
        cpu_s * 1e6 / doc["counters"]["delivered"]
    )
    # RSS: the largest second-by-second sum over the window (t = 0 .. 19).
    in_window = [i for i, t in enumerate(servers[0]["t_s"]) if 0 <= t < 20]
    total = max(sum(r["rss_bytes"][i] for r in servers) for i in in_window)
    assert row.cell("server_rss_mib").value == pytest.approx(total / MIB)
    generators = [r for r in doc["resources"] if r["role"] == "generator"]
    assert row.cell("generator_cpu_pct").value == pytest.approx(
        sum(r["cpu_s_window"] for r in generators) / 20 * 100
    )
    # Per node: the mean node, for --wide only.
    nodes = [r["cpu_s_window"] for r in servers if r["role"] == "node"]
    assert row.cell("node_cpu_pct").value == pytest.approx(sum(nodes) / 2 / 20 * 100)
    defaults = {m.key for m in table.default_metrics()}
    assert {"server_cpu_pct", "server_rss_mib", "generator_cpu_pct"} <= defaults
    assert not {"node_cpu_pct", "redis_cpu_pct", "generator_cpu_us_per_delivery"} & defaults


def test_two_nodes_and_redis_cost_more_than_one_node() -> None:
    # The per-node figure falls (two nodes share the load) while the whole server costs more.
    single = [make_results("single", r) for r in range(6)]
    redis = [make_results("redis-2", r, nodes=2, queue="redis", seed=3) for r in range(6)]
    table = build_table(group_configs(single + redis))
    assert _cell(table, "redis-2", "node_cpu_pct").comparison.change_pct < 0
    server = _cell(table, "redis-2", "server_cpu_pct").comparison
    assert server.change_pct > 0 and server.worse is True


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.8123, "ms", "0.812"),
        (1.0, "ms", "1.00"),
        (2.054, "ms", "2.05"),
        (9.999, "ms", "10.0"),
        (17.43, "ms", "17.4"),
        (232.575, "ms", "233"),
        (4000.0, "1/s", "4,000"),
        (36.5, "% core", "36.5"),
        (12.0, "count", "12"),
        (None, "ms", "—"),
    ],
)
def test_figures_keep_about_three_significant_digits(value, unit: str, text: str) -> None:  # type: ignore[no-untyped-def]
    assert format_value(value, unit) == text


def test_latencies_are_shown_in_ms_and_costs_keep_their_unit() -> None:
    table = build_table(group_configs([make_results("a", fanout_values_us=LOW)]))
    p50 = table.rows[0].cell("fanout_p50")
    assert shown_unit(p50.metric) == ("ms", 1e-3)
    assert p50.value == 149 and p50.value_text == "0.149"
    assert shown_unit(METRICS_BY_KEY["server_cpu_us_per_delivery"])[0] == "µs"


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
    assert header.startswith("configuration") and "fan-out p99 (ms)" in header
    assert base_line.startswith("base (baseline)")
    assert "0.249 (+25.1%)" in cand_line
    markdown = render_markdown(exact_table)
    assert "| base (baseline) |" in markdown
    assert "|---|---:|" in markdown
    flagged = build_table(group_configs([make_results("a", flags={"lost": "3 lost"})]))
    assert "WARNING a repeat 0: lost: 3 lost" in render_text(flagged)
    assert "WARNING a repeat 0: lost: 3 lost" in render_wide(flagged)
    assert "> **Warning:** a repeat 0: lost: 3 lost" in render_markdown(flagged)
