"""Find and read the two inputs of a report: load results and pytest-benchmark JSON.

A directory is scanned one level deep (a run directory holds one file per
configuration and repeat, a ``run.json`` manifest, maybe a ``bench.json``);
JSON files that are neither kind are skipped there, but a file named
explicitly must be one of the two. Results are validated against the schema
by ``loadtests.measure.results``, the owner of the contract.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeGuard

from loadtests.measure.results import KIND, SchemaError, validate
from loadtests.model.bench import BenchJson, Benchmark, is_bench_json

# An input path missing, unreadable, or not a results or bench file: the one input error,
# re-exported so reports' modules keep naming it from here.
from loadtests.model.errors import InputError as InputError
from loadtests.model.results import ResultsDoc


@dataclass(frozen=True)
class BenchDoc:
    """One pytest-benchmark JSON file; ``label`` tells several apart in a report."""

    path: Path
    label: str
    doc: BenchJson

    @property
    def benchmarks(self) -> list[Benchmark]:
        return list(self.doc.get("benchmarks", []))


@dataclass
class Inputs:
    """Everything read from the paths given: results documents and bench files."""

    results: list[ResultsDoc] = field(default_factory=list)
    result_paths: list[Path] = field(default_factory=list)
    bench: list[BenchDoc] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def is_bench(doc: object) -> TypeGuard[BenchJson]:
    """pytest-benchmark output: a ``benchmarks`` list beside ``machine_info``."""
    return isinstance(doc, dict) and is_bench_json(doc)


def is_results(doc: object) -> TypeGuard[ResultsDoc]:
    """A results document by its ``kind`` (``validate`` checks the rest where it is read)."""
    return isinstance(doc, dict) and doc.get("kind") == KIND


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not JSON ({exc})") from exc


def _bench_label(path: Path, doc: BenchJson) -> str:
    """Short enough for a chart legend: the directory, and the file name if not bench.json."""
    where = path.parent.name or str(path.parent)
    return where if path.name == "bench.json" else f"{where}/{path.stem}"


def _add(inputs: Inputs, path: Path, doc: Any, explicit: bool) -> None:
    if is_results(doc):
        try:
            inputs.results.append(validate(doc, str(path)))
        except SchemaError as exc:
            raise InputError(str(exc)) from exc
        inputs.result_paths.append(path)
    elif is_bench(doc):
        inputs.bench.append(BenchDoc(path, _bench_label(path, doc), doc))
    elif explicit:
        raise InputError(
            f"{path}: neither a roombench results file (kind {KIND!r}) nor pytest-benchmark JSON"
        )
    else:
        inputs.skipped.append(f"{path}: not a results or bench file")


def load_inputs(paths: Iterable[Path], warn: TextIO | None = sys.stderr) -> Inputs:
    """Read every results and bench file in ``paths`` (files or directories).

    Raises InputError for a missing path, an explicitly named file that is
    not readable JSON of either kind, or a results file that breaks the
    schema. In a directory, unreadable or foreign JSON is skipped with a
    warning on ``warn``.
    """
    inputs = Inputs()
    for path in paths:
        if path.is_dir():
            for child in sorted(path.glob("*.json")):
                try:
                    doc = _read_json(child)
                except InputError as exc:
                    # A half-written or foreign file beside the results; a results
                    # file that breaks the schema still fails in _add below.
                    inputs.skipped.append(str(exc))
                    continue
                _add(inputs, child, doc, explicit=False)
        elif path.is_file():
            _add(inputs, path, _read_json(path), explicit=True)
        else:
            raise InputError(f"{path}: no such file or directory")
    if warn is not None:
        for reason in inputs.skipped:
            if "not a results or bench file" not in reason:
                print(f"warning: skipped {reason}", file=warn)
    return inputs


def default_output_dir(paths: Sequence[Path]) -> Path:
    """The first directory given, else the first file's directory."""
    for path in paths:
        if path.is_dir():
            return path
    return paths[0].parent
