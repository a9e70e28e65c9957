"""What moves capacity: every configuration against "untuned", from synthetic documents."""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from loadtests.capacity import document
from reports.capacity_compare import moves_lines, node_cpu_us_per_delivery, what_moves
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
    assert lines[0].startswith("What moves capacity (deliveries/s against 'untuned'")
    assert ">= x2.00" in lines[3] and ">= 7,920" in lines[3]
    assert max(len(line) for line in lines) <= 120


def _searched(entry: dict[str, Any], repeat: int, deliveries_per_s: float) -> dict[str, Any]:
    again = copy.deepcopy(entry)
    again.update(repeat=repeat, repeats=2)
    again["capacity"] = {**again["capacity"], "deliveries_per_s": deliveries_per_s}
    return again


def test_repeated_searches_give_a_median_a_range_and_a_ratio_range() -> None:
    doc = _tuning()
    untuned, faster, _limited = doc["configs"]
    doc["configs"] = [
        _searched(untuned, 1, 4000.0),
        _searched(faster, 1, 9000.0),
        _searched(untuned, 2, 5000.0),
        _searched(faster, 2, 12000.0),
    ]
    rows = {row["name"]: row for row in what_moves(doc)}
    assert list(rows) == ["untuned", "orjson <i>"]  # one row per configuration
    fast = rows["orjson <i>"]
    assert fast["searches"] == 2 and fast["deliveries_per_s"] == 10500.0
    assert (fast["low_deliveries_per_s"], fast["high_deliveries_per_s"]) == (9000.0, 12000.0)
    assert fast["ratio"] == round(10500 / 4500, 2)  # medians
    assert (fast["ratio_low"], fast["ratio_high"]) == (1.8, 3.0)  # 9,000/5,000 and 12,000/4,000
    line = moves_lines(doc)[2]
    assert "10,500 (9,000-12,000)" in line and "x2.33 (1.80-3.00)" in line
    assert "median (range) of 2 searches" in moves_lines(doc)[0]
    assert document.label(doc["configs"][3]) == "orjson <i> #2"
    assert document.file_stem(doc["configs"][3]) == "orjson <i>.r2"
    assert document.label(untuned) == "untuned"  # one search: the name alone


def _verdicts(entry: dict[str, Any], *searches: tuple[str, float | None]) -> list[dict[str, Any]]:
    """``entry`` searched once per (verdict, deliveries/s or None for no capacity)."""
    out = []
    for repeat, (verdict, deliveries_per_s) in enumerate(searches, 1):
        again = _searched(entry, repeat, deliveries_per_s or 0.0)
        again.update(verdict=verdict, repeats=len(searches))
        if deliveries_per_s is None:
            again["capacity"] = None
        out.append(again)
    return out


def test_a_lower_bound_marks_the_row_and_a_below_range_search_is_not_counted() -> None:
    doc = _tuning()
    untuned, faster, _limited = doc["configs"]
    doc["configs"] = _verdicts(
        untuned, ("capacity", 4000.0), ("capacity", 4000.0), ("capacity", 5000.0)
    )
    doc["configs"] += _verdicts(
        faster, ("capacity", 8000.0), ("generator-limited", 12000.0), ("capacity", 9000.0)
    )
    slow = copy.deepcopy(faster)
    slow["name"] = "threading"
    doc["configs"] += _verdicts(
        slow, ("capacity", 2000.0), ("below-range", None), ("capacity", 3000.0)
    )
    rows = {row["name"]: row for row in what_moves(doc)}
    fast, low = rows["orjson <i>"], rows["threading"]
    assert fast["at_least"] and fast["counted"] == 3 and fast["deliveries_per_s"] == 9000.0
    assert (fast["ratio"], fast["ratio_low"], fast["ratio_high"]) == (2.25, 1.6, 3.0)
    # below-range is evidence of less, not a lower bound: no ">=", and 2 of 3 counted.
    assert not low["at_least"] and low["counted"] == 2 and low["deliveries_per_s"] == 2500.0
    lines = {line.split()[0]: line for line in moves_lines(doc)[1:]}
    assert (
        ">= 9,000 (8,000-12,000)" in lines["orjson"] and ">= x2.25 (1.60-3.00)" in lines["orjson"]
    )
    assert "2,500 (2,000-3,000) [2 of 3 searches]" in lines["threading"]
    assert "capacity x2, below-range x1" == low["verdict"]


def test_a_baseline_with_a_lower_bound_or_no_deliveries_gives_no_ratio() -> None:
    doc = _tuning()
    untuned, faster, _limited = doc["configs"]
    doc["configs"] = _verdicts(untuned, ("capacity", 4000.0), ("generator-limited", 4000.0))
    doc["configs"] += _verdicts(faster, ("capacity", 8000.0), ("capacity", 9000.0))
    assert [row["ratio"] for row in what_moves(doc)] == [None, None]
    doc["configs"][:2] = _verdicts(untuned, ("capacity", 0.0), ("capacity", 4000.0))
    assert [row["ratio"] for row in what_moves(doc)] == [None, None]
    doc["configs"][:2] = _verdicts(untuned, ("capacity", 4000.0), ("capacity", 4000.0))
    assert [row["ratio"] for row in what_moves(doc)] == [1.0, 2.12]
    doc["axis"] = "connections"  # its steps deliver nothing: no comparison in deliveries/s
    assert what_moves(doc) == []


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


def _study(shipped: list[float], other: list[float], other_verdict: str = "capacity") -> Any:
    """untuned, shipped and one change, each searched ``len(...)`` times."""
    doc = _tuning()
    untuned = doc["configs"][0]
    configs = [_searched(untuned, 1, 4000.0), _searched(untuned, 2, 4000.0)]
    for name, caps, verdict in (("shipped", shipped, "capacity"), ("orjson", other, other_verdict)):
        for k, cap in enumerate(caps, 1):
            entry = _searched(untuned, k, cap)
            entry.update(name=name, repeats=len(caps), verdict=verdict)
            configs.append(entry)
    doc["configs"] = configs
    return doc


def test_the_study_says_which_settings_differ_beyond_the_spread() -> None:
    def against(shipped: list[float], other: list[float], verdict: str = "capacity") -> str:
        rows = {row["name"]: row for row in what_moves(_study(shipped, other, verdict))}
        assert rows["shipped"]["against_reference"] == "reference"
        return str(rows["orjson"]["against_reference"])

    assert against([10_000, 11_000], [11_500, 12_000]) == "higher"
    assert against([10_000, 11_000], [8_000, 9_999]) == "lower"
    assert against([10_000, 11_000], [10_900, 12_000]) == "within the spread"  # overlap
    # a lower bound may be higher still: never the lower side of a difference
    assert against([10_000, 11_000], [8_000, 9_000], "generator-limited") == "within the spread"
    assert against([10_000, 11_000], [12_000]).startswith("spread unknown")
    lines = moves_lines(_study([10_000, 11_000], [11_500, 12_000]))
    assert "against 'shipped': beyond the spread of both?" in lines[0]
    assert lines[-1].rstrip().endswith("higher")


def test_without_a_reference_configuration_there_is_no_such_column(tmp_path: Path) -> None:
    rows = what_moves(_tuning())
    assert all(row["against_reference"] is None for row in rows)
    assert "beyond the spread" not in moves_lines(_tuning())[0]
    path = tmp_path / "capacity.json"
    document.write(_study([10_000, 11_000], [11_500, 12_000]), path)
    page = build_capacity_report(path).read_text()
    assert "<th>against shipped</th>" in page and "<td>higher</td>" in page
