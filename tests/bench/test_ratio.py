from typing import Any

import pytest

from bench.ratio import GROUP, add_handler_ratio, handler_ratio, ratios


def bench(
    name: str, variant: str, median: float, minimum: float, group: str = GROUP
) -> dict[str, Any]:
    return {
        "name": name,
        "group": group,
        "extra_info": {"variant": variant},
        "stats": {"median": median, "min": minimum},
    }


def doc(*benchmarks: dict[str, Any]) -> dict[str, Any]:
    return {"benchmarks": list(benchmarks)}


def test_ratio_of_medians_and_of_minimums_whatever_the_order() -> None:
    output = doc(bench("handler", "handler", 33e-6, 30e-6), bench("raw", "raw", 30e-6, 25e-6))
    summary = handler_ratio(output)
    assert summary is not None
    assert summary["ratio_to_raw"] == pytest.approx(1.1)
    assert summary["ratio_to_raw_min"] == pytest.approx(1.2)
    assert summary["meets_goal"] is True
    assert summary["raw_name"] == "raw"


def test_missing_goal_is_reported() -> None:
    summary = handler_ratio(doc(bench("r", "raw", 1.0, 1.0), bench("h", "handler", 1.5, 1.5)))
    assert summary is not None and summary["meets_goal"] is False


def test_none_without_both_benchmarks_or_outside_the_group() -> None:
    assert handler_ratio(doc(bench("h", "handler", 1.0, 1.0))) is None
    elsewhere = bench("r", "raw", 1.0, 1.0, "other")
    assert handler_ratio(doc(bench("h", "handler", 1.0, 1.0), elsewhere)) is None
    assert handler_ratio({}) is None


def test_add_writes_into_the_handler_extra_info_only() -> None:
    output = doc(bench("r", "raw", 2.0, 2.0), bench("h", "handler", 2.2, 2.2))
    add_handler_ratio(output)
    assert output["benchmarks"][1]["extra_info"]["ratio_to_raw"] == pytest.approx(1.1)
    assert "ratio_to_raw" not in output["benchmarks"][0]["extra_info"]


def test_every_variant_gets_its_ratio_and_the_headline_is_the_handler() -> None:
    output = doc(
        bench("r", "raw", 2.0, 2.0),
        bench("h", "handler", 3.0, 3.0),
        bench("p", "dispatch", 2.4, 2.4),
        bench("d", "handler-direct", 2.2, 2.2),
    )
    headline = add_handler_ratio(output)
    assert headline is not None and headline["ratio_to_raw"] == pytest.approx(1.5)
    assert output["benchmarks"][2]["extra_info"]["ratio_to_raw"] == pytest.approx(1.2)
    assert output["benchmarks"][3]["extra_info"]["ratio_to_raw"] == pytest.approx(1.1)
    assert set(ratios(output)) == {"handler", "dispatch", "handler-direct"}


def test_the_goal_is_judged_on_the_interleaved_ratio_when_measured() -> None:
    handler = bench("h", "handler", 3.0, 3.0)
    handler["extra_info"]["ratio_to_raw_interleaved"] = 1.15
    summary = handler_ratio(doc(bench("r", "raw", 2.0, 2.0), handler))
    assert summary is not None
    assert summary["ratio_to_raw"] == pytest.approx(1.5)
    assert summary["goal_ratio"] == pytest.approx(1.15) and summary["meets_goal"] is True
