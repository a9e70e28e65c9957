"""Finding results and bench files; what is skipped and what is an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports.loading import InputError, default_output_dir, load_inputs
from tests.reports.factory import make_bench, make_results, write_json


def test_a_directory_yields_results_and_bench_and_skips_the_rest(tmp_path: Path) -> None:
    write_json(make_results("a", 0), tmp_path / "a.0.json")
    write_json(make_results("a", 1), tmp_path / "a.1.json")
    write_json({"run_id": "r", "configs": ["a"]}, tmp_path / "run.json")
    write_json(make_bench(), tmp_path / "bench.json")
    (tmp_path / "partial.json").write_text("{not json")
    (tmp_path / "notes.txt").write_text("hello")
    inputs = load_inputs([tmp_path], warn=None)
    assert [d["repeat"] for d in inputs.results] == [0, 1]
    assert [b.path.name for b in inputs.bench] == ["bench.json"]
    assert len(inputs.skipped) == 2


def test_a_results_file_breaking_the_schema_is_an_error(tmp_path: Path) -> None:
    doc = make_results("a")
    del doc["counters"]["lost"]
    (tmp_path / "a.0.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match="counters lack"):
        load_inputs([tmp_path], warn=None)


def test_explicit_files_must_be_results_or_bench(tmp_path: Path) -> None:
    other = write_json({"hello": 1}, tmp_path / "other.json")
    with pytest.raises(InputError, match="neither a roombench results file"):
        load_inputs([other])
    with pytest.raises(InputError, match="no such file"):
        load_inputs([tmp_path / "missing.json"])


def test_default_output_dir(tmp_path: Path) -> None:
    file = write_json(make_results("a"), tmp_path / "x" / "a.json")
    assert default_output_dir([file, tmp_path]) == tmp_path
    assert default_output_dir([file]) == tmp_path / "x"
