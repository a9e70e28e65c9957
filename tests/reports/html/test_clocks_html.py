"""A distributed run's clock table, and its clock_uncertain flag among the warnings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from loadtests.cli import main
from tests.reports.factory import make_results, write_json

MS = 1_000_000


def _worker(rank: int, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": f"worker-{rank}",
        "rank": rank,
        "host": "load-a",
        "clock_id": "boot-a",
        "same_host_as_master": True,
        "offset_ns": 12_000,
        "uncertainty_ns": 180_000,
        "drift_ns": -4_000,
        "drift_uncertainty_ns": 390_000,
        "drift_span_s": 40.0,
        "applied_offset_ns": 0,
        "rounds": 5,
        "samples": 40,
        "simulated_offset_ns": 0,
    }
    return {**row, **changes}


def _distributed(doc: dict[str, Any]) -> dict[str, Any]:
    doc["clocks"] = {
        "cross_host": True,
        "corrected": True,
        "split_by_worker": True,
        "pair_uncertainty_ns": 250_000,
        "workers": [
            _worker(0),
            _worker(
                1,
                host="load-b",
                clock_id="boot-b",
                same_host_as_master=False,
                offset_ns=3 * MS + 2_000,
                uncertainty_ns=250_000,
                drift_ns=None,
                rounds=1,
                applied_offset_ns=3 * MS + 2_000,
                simulated_offset_ns=3 * MS,
            ),
        ],
    }
    doc["flags"]["clock_uncertain"] = (
        "clock offset uncertainty 250 µs is above 10% of fan-out p50 (1800 µs)"
    )
    return doc


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder: Path = tmp_path_factory.mktemp("clocks")
    write_json(_distributed(make_results("two-hosts")), folder / "d.json")
    write_json(make_results("one-host", seed=2), folder / "one.json")
    assert main(["report", str(folder)]) == 0
    return (folder / "index.html").read_text()


def test_the_clock_table_has_a_row_per_worker(page: str) -> None:
    table = re.search(r'<table id="clocks".*?</table>', page, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>(.*?)</tr>", table.group(0), re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", "<td>" + row) for row in rows]
    assert cells == [
        ["two-hosts", "0", "worker-0", "load-a", "master&#39;s host",
         "+12", "180", "-4 ± 390", "40", "+0", "5"],
        ["two-hosts", "0", "worker-1", "load-b", "simulated +3 ms (test)",
         "+3,002", "250", "—", "—", "+3,002", "1"],
    ]  # fmt: skip
    # after the charts, before the downloads
    assert page.index('id="clocks"') > page.index("<svg") and page.index(
        'id="clocks"'
    ) < page.index('id="downloads-title"')


def test_clock_uncertain_is_a_warning(page: str) -> None:
    warnings = page[page.index('id="warnings"') : page.index('id="summary"')]
    assert "<b>clock_uncertain</b> — clock offset uncertainty 250 µs" in warnings


def test_no_clock_table_without_distributed_runs(tmp_path: Path) -> None:
    write_json(make_results("one-host"), tmp_path / "one.json")
    assert main(["report", str(tmp_path)]) == 0
    assert 'id="clocks"' not in (tmp_path / "index.html").read_text()


def test_switched_off_correction_shows_off(tmp_path: Path) -> None:
    doc = _distributed(make_results("two-hosts"))
    doc["clocks"]["corrected"] = False
    write_json(doc, tmp_path / "d.json")
    assert main(["report", str(tmp_path)]) == 0
    table = re.search(r'<table id="clocks".*?</table>', (tmp_path / "index.html").read_text(), re.S)
    assert table is not None and table.group(0).count('<td class="num">off</td>') == 2
