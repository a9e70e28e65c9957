"""The built page, read as text: sections, warnings first, offline, data embedded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reports.__main__ import main
from tests.reports.factory import make_bench, write_demo_run, write_json


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_run(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def page(demo: Path) -> str:
    assert main(["build", str(demo)]) == 0
    return (demo / "index.html").read_text()


def test_build_writes_index_html_and_prints_its_path(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = demo / "custom" / "report.html"
    assert (
        main(
            [
                "build",
                str(demo / "single-1.0.json"),
                str(demo / "redis-2.0.json"),
                "-o",
                str(out),
                "--baseline",
                "redis-2",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == str(out)
    assert "redis-2 <b>(baseline)</b>" in out.read_text()


def test_warnings_come_first(page: str) -> None:
    warnings = page.index('id="warnings"')
    assert warnings < page.index('id="metadata"') < page.index('id="summary"')
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
    assert "warm-up</text>" in page and "drain</text>" in page


def test_summary_table_states_the_test(page: str) -> None:
    assert "mann-whitney U test" in page and "window seconds" in page
    assert "single-1 <b>(baseline)</b>" in page


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
    assert main(["build", str(bench)]) == 0
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
    assert main(["build", str(tmp_path)]) == 2
    assert "no results or bench files" in capsys.readouterr().err
    write_demo_run(tmp_path / "d", repeats=1)
    assert main(["build", str(tmp_path / "d"), "--baseline", "nope"]) == 2
    assert "no configuration 'nope'" in capsys.readouterr().err
