"""What moves capacity: every configuration against "untuned", from synthetic documents."""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from loadtests.capacity import document
from loadtests.capacity.compare import moves_lines, node_cpu_us_per_delivery, what_moves
from reports.capacity_page import build_capacity_report
from tests.loadtests.capacity.test_document import _doc


def _tuning() -> dict[str, Any]:
    doc = _doc()
    [one] = doc["configs"]  # capacity 4,000 offered, 3,960 achieved
    for step in one["steps"]:
        step["node_cpu_percent"] = 50.0
    untuned = copy.deepcopy(one)
    untuned["name"] = "untuned"
    faster = copy.deepcopy(one)
    faster["name"] = "orjson <i>"
    for step in faster["steps"]:
        step["achieved_deliveries_per_s"] *= 2
    faster["capacity"] = {**faster["capacity"], "deliveries_per_s": 7920.0}
    limited = copy.deepcopy(faster)
    limited["name"] = "gevent"
    limited["verdict"] = "generator-limited"
    doc["configs"] = [untuned, faster, limited]
    return doc


def test_each_configuration_against_the_baseline() -> None:
    rows = {row["name"]: row for row in what_moves(_tuning())}
    assert rows["untuned"]["ratio"] == 1.0 and not rows["untuned"]["at_least"]
    assert rows["orjson <i>"]["ratio"] == 2.0
    # 50 % of a core over 7,920 deliveries/s.
    assert rows["orjson <i>"]["node_cpu_us_per_delivery"] == 63.1
    assert rows["gevent"]["ratio"] == 2.0 and rows["gevent"]["at_least"]
    lines = moves_lines(_tuning())
    assert lines[0].startswith("What moves capacity (against 'untuned'")
    assert ">= x2.00" in lines[3] and ">= 7,920 deliveries/s" in lines[3]
    assert max(len(line) for line in lines) <= 120


def test_no_baseline_no_section_and_no_capacity_no_ratio() -> None:
    assert what_moves(_doc()) == [] and moves_lines(_doc()) == []
    doc = _tuning()
    doc["configs"][0]["verdict"] = "below-range"
    assert all(row["ratio"] is None for row in what_moves(doc))
    assert node_cpu_us_per_delivery({"node_cpu_percent": None}) is None


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value for key, value in attrs if key == "id" and value]


def test_the_page_shows_the_section_only_with_a_baseline(tmp_path: Path) -> None:
    for doc, expected in ((_tuning(), True), (_doc(), False)):
        source = tmp_path / f"{expected}.json"
        document.write(doc, source)
        html = build_capacity_report(source).read_text()
        parsed = _Ids()
        parsed.feed(html)
        assert ("capacity-moves" in parsed.ids) is expected
        assert "<i>" not in html
