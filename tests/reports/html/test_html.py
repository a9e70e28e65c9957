"""The built page, read as text: sections, warnings first, offline, data embedded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from loadtests.cli import main
from tests.reports.factory import make_bench, write_demo_run, write_json


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_run(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def page(demo: Path) -> str:
    assert main(["report", str(demo)]) == 0
    return (demo / "index.html").read_text()


def test_build_writes_index_html_and_prints_its_path(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = demo / "custom" / "report.html"
    assert (
        main(
            [
                "report",
                str(demo / "single-1.0.json"),
                str(demo / "redis-2.0.json"),
                "-o",
                str(out),
                "--compare-with",
                "redis-2",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == str(out)
    assert "redis-2 <b>(baseline)</b>" in out.read_text()


def test_warnings_come_first(page: str) -> None:
    warnings = page.index('id="warnings"')
    assert page.index('id="verdict"') < warnings < page.index('id="summary"')
    assert page.index('id="summary"') < page.index('id="metadata"')
    assert "single-gevent</b> repeat 1: <b>generator_saturated</b>" in page


def test_the_page_is_offline(page: str) -> None:
    urls = set(re.findall(r"(?:src|href)\s*=\s*[\"']?([a-z]+:[^\"' >]*)", page))
    assert not urls
    assert set(re.findall(r"https?://[^\"' ]+", page)) == {"http://www.w3.org/2000/svg"}


def test_every_chart_has_a_series(page: str) -> None:
    charts = re.findall(r'<svg class="chart".*?</svg>', page, re.S)
    # 2 latency + 4 time series + 2 per configuration (3) + 3 bench charts.
    assert len(charts) == 15
    for chart in charts:
        assert re.search(r'<path class="series[^"]*" d="M[\d.]+,[\d.]+', chart), chart[:200]
    for label in ("50%", "90%", "99%", "99.9%", "99.99%"):
        assert f">{label}</text>" in page
    assert "warm-up</text>" in page and "drain: no sends</text>" in page


def test_summary_table_states_the_test(page: str) -> None:
    # The demo run has 2 repeats a configuration: below the gate's 5, so nothing is tested.
    note = "2 runs each: changes not tested; <code>--repeat 5</code> tests them"
    assert f'<p class="tests" id="test-note">{note}.</p>' in page
    assert "per-second samples of one run are autocorrelated and never decide" in page
    assert "single-1 <b>(baseline)</b>" in page
    # Nothing untested is coloured, and no change carries a p-value.
    assert not re.search(r'class="chg (worse|better|ns)"', page)
    assert not re.search(r'title="[^"]*p = ', page)


def test_the_summary_is_grouped_and_the_rest_is_behind_more_columns(page: str) -> None:
    compact = re.search(r'<table id="summary".*?</table>', page, re.S)
    full = re.search(r'<table id="summary-full".*?</table>', page, re.S)
    assert compact is not None and full is not None
    groups = re.findall(r'<th colspan="\d+" class="group">(\w+)</th>', compact.group(0))
    assert groups == ["throughput", "latency", "delivery", "cost"]
    keys = re.findall(r'data-key="(\w+)"', compact.group(0))
    assert keys == [
        "deliveries_per_s", "sent", "fanout_p50", "fanout_p99", "fanout_p99_9",
        "expected", "delivered", "lost",
        "server_cpu_pct", "server_cpu_us_per_delivery", "server_rss_mib", "generator_cpu_pct",
    ]  # fmt: skip
    assert "node_cpu_pct" in full.group(0) and "generator_cpu_us_per_delivery" in full.group(0)
    assert '<details id="more-columns">' in page
    assert "fan-out p50 <span class='muted'>ms</span>" in compact.group(0)


def test_contents_and_one_line_sections(page: str) -> None:
    contents = re.search(r'<nav id="contents">.*?</nav>', page, re.S)
    assert contents is not None
    for anchor in ("summary", "fanout", "over-time", "processes", "runs", "notes"):
        assert f'href="#{anchor}"' in contents.group(0)
        assert f'id="{anchor}"' in page
    assert '<p id="faults-title" class="one-line"><b>Faults:</b> none injected' in page
    assert "bench file(s)" in page  # the demo has one
    assert "Locust's own CSVs" in page


def test_raw_results_and_histograms_are_embedded(page: str, demo: Path) -> None:
    block = re.search(
        r"<script type='application/json' id='roombench-data'>(.*?)</script>", page, re.S
    )
    assert block is not None
    downloads = json.loads(block.group(1))["downloads"]
    names = [d["name"] for d in downloads]
    assert "single-1.0.json" in names and "bench.json" in names
    assert "single-1.fanout.merged.hdr" in names
    raw = json.loads(next(d["text"] for d in downloads if d["name"] == "redis-2.1.json"))
    assert raw == json.loads((demo / "redis-2.1.json").read_text())


def test_bench_only_report(tmp_path: Path) -> None:
    bench = write_json(make_bench(), tmp_path / "bench.json")
    assert main(["report", str(bench)]) == 0
    text = (tmp_path / "index.html").read_text()
    assert "Per-delivery cost against room size" in text
    assert "Handler vs raw" in text and "Disconnect cost" in text


def test_summary_command(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", str(demo)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("WARNING single-gevent repeat 1: generator_saturated")
    assert main(["summary", "--markdown", str(demo)]) == 0
    assert "| single-1 (baseline) |" in capsys.readouterr().out


def test_build_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert "no results or bench files" in capsys.readouterr().err
    write_demo_run(tmp_path / "d", repeats=1)
    assert main(["report", str(tmp_path / "d"), "--compare-with", "nope"]) == 2
    assert "no configuration 'nope'" in capsys.readouterr().err
