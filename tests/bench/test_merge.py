import pytest

from bench.merge import merge_benchmarks


def test_other_benchmarks_are_appended_and_the_main_document_kept() -> None:
    main = {"machine_info": {"node": "a"}, "benchmarks": [{"fullname": "x"}]}
    other = {"machine_info": {"node": "b"}, "benchmarks": [{"fullname": "y"}]}
    merged = merge_benchmarks(main, other)
    assert [b["fullname"] for b in merged["benchmarks"]] == ["x", "y"]
    assert merged["machine_info"] == {"node": "a"}


def test_a_benchmark_present_in_both_is_refused() -> None:
    with pytest.raises(ValueError, match="x"):
        merge_benchmarks({"benchmarks": [{"fullname": "x"}]}, {"benchmarks": [{"fullname": "x"}]})
