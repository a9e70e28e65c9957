"""The terminal summary: compact and <= 120 columns by default, wide/Markdown/JSON on request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.cli import main as reports_main
from reports.configs import group_configs
from reports.summary_text import (
    MAX_WIDTH,
    compact_number,
    compact_rows,
    render_json,
    render_text,
    render_wide,
)
from reports.table import build_table
from tests.reports.factory import make_results

LONG_FLAG = "generator_saturated"
LONG_WHY = "worker-1 above 90 % CPU for 14 % of the window; " * 12  # 600 characters


def _docs() -> list[dict]:  # type: ignore[type-arg]
    return [
        make_results("single", 0, median_us=1800),
        make_results("single", 1, median_us=1850, seed=2),
        make_results("redis-2-with-a-rather-long-configuration-name", 0, median_us=2600, seed=3),
        make_results(
            "redis-2-with-a-rather-long-configuration-name",
            1,
            median_us=2650,
            seed=4,
            flags={LONG_FLAG: LONG_WHY, "duplicated": "3 duplicated", "leaked": "1 leaked"},
        ),
    ]


def _write(docs: list[dict], folder: Path) -> Path:  # type: ignore[type-arg]
    folder.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        (folder / f"{doc['config_name']}.{doc['repeat']}.json").write_text(json.dumps(doc))
    return folder


def test_default_summary_fits_120_columns_with_long_flags_and_names(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = _write(_docs(), tmp_path / "run")
    assert reports_main(["summary", str(folder)]) == 0
    out = capsys.readouterr().out
    widths = [len(line) for line in out.splitlines()]
    assert max(widths) <= MAX_WIDTH, out
    header = next(line for line in out.splitlines() if line.startswith("configuration"))
    for title in (
        "deliveries/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "lost",
        "srv CPU%",
        "srv µs/dlv",
        "gen CPU%",
        "flags",
    ):
        assert title in header
    # The full flag text is there, wrapped, not cut.
    assert "".join(out.split()).count("worker-1above90%CPU") == 12
    # The verdict line comes before the table, and names the flags and the counts.
    joined = " ".join(out.split())
    assert "verdict: flags: duplicated, generator_saturated, leaked; 3,200 messages sent" in joined
    assert joined.index("verdict: ") < joined.index("configuration deliveries/s")
    assert "gate: not run on this folder" in joined
    # The explanation is one line; no report built yet, so no report path.
    assert out.splitlines()[-1] == (
        "Changes vs single: 2 runs each: changes not tested; `--repeat 5` tests them; "
        "all columns: summary --wide"
    )
    # Untested changes carry no mark.
    assert "~" not in out


def test_report_path_is_named_once_the_report_exists(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = _write(_docs()[:2], tmp_path / "run")
    (folder / "index.html").write_text("<html></html>")
    assert reports_main(["summary", str(folder)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"report: {folder / 'index.html'}"


def test_compact_cells_are_milliseconds_with_a_change_and_its_mark() -> None:
    docs = [
        make_results("base", 0, fanout_values_us=list(range(1000, 1100))),
        make_results("cand", 0, fanout_values_us=list(range(2000, 2100)), seed=5),
    ]
    rows = compact_rows(build_table(group_configs(docs)))
    header, base, cand = rows
    p50 = header.index("p50 ms")
    assert base[p50] == "1.05"  # 1,049 µs, the 50th of 1000..1099
    assert cand[p50] == "2.05 +95%"  # one repeat a side: not tested, so shown plainly
    assert header[-1] == "flags" and base[-1] == "-"


def test_compact_number_keeps_about_three_significant_digits() -> None:
    assert [compact_number(v) for v in (4000.0, 26.74, 1.3456, 0.8123, None)] == [
        "4,000",
        "26.7",
        "1.35",
        "0.812",
        "—",
    ]


def test_incomplete_runs_show_partial_counters_and_negative_counts_are_invalid() -> None:
    docs = [
        make_results("base", 0),
        make_results("cut", 0, seed=2, counters={"lost": 4}, flags={"incomplete": "stopped"}),
    ]
    docs[1]["counters"]["duplicated"] = -3  # an old file from before rule 5's check
    table = build_table(group_configs(docs))
    cut = table.rows[1]
    cells = {c.metric.key: c for c in cut.cells}
    assert cells["lost"].value_text == "4 (partial)"
    assert cells["duplicated"].value_text == "invalid" and cells["duplicated"].value is None
    assert cells["fanout_p50"].partial is False  # latencies are what was measured
    header, _base, cut_row = compact_rows(table)
    assert cut_row[header.index("lost")].startswith("4?")
    assert cut_row[header.index("deliveries/s")].startswith("400?")  # made from counts too
    assert "? = partial (incomplete run)" in render_text(table)
    assert "-3" not in render_wide(table)


def test_json_summary_is_data(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = _write(_docs()[:3], tmp_path / "run")
    assert reports_main(["summary", "--json", str(folder)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["baseline"] == "single"
    first = doc["rows"][0]
    assert first["baseline"] is True and first["repeats"] == 2
    assert first["metrics"]["fanout_p50"]["unit"] == "µs"
    assert doc["rows"][1]["metrics"]["fanout_p50"]["change_pct"] > 0


@pytest.mark.parametrize("form", ["--wide", "--markdown"])
def test_wide_and_markdown_keep_every_metric(tmp_path: Path, capsys, form: str) -> None:  # type: ignore[no-untyped-def]
    folder = _write(_docs()[:2], tmp_path / "run")
    assert reports_main(["summary", form, str(folder)]) == 0
    out = capsys.readouterr().out
    assert "fan-out p90 (ms)" in out and "peak RSS/node (MiB)" in out
    assert "server CPU (% core)" in out and "generator CPU/delivery (µs)" in out


def test_the_gate_verdict_in_the_folder_is_named(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = _write(_docs()[:2], tmp_path / "run")
    gate = {"kind": "roombench.gate", "outcome": "inconclusive", "exit_code": 3}
    (folder / "gate.json").write_text(json.dumps(gate))
    assert reports_main(["summary", str(folder)]) == 0
    assert "gate: inconclusive (exit 3)" in " ".join(capsys.readouterr().out.split())


def test_json_and_wide_are_exclusive(tmp_path: Path) -> None:
    assert reports_main(["summary", "--json", "--wide", str(tmp_path)]) == 2


def test_rendered_json_round_trips() -> None:
    table = build_table(group_configs(_docs()))
    assert json.loads(render_json(table))["rows"][1]["flags"][0]["repeat"] == 1
