"""One ``bench.json`` from two pytest-benchmark runs (the main run and the eventlet run).

The eventlet benchmarks need their own, monkey-patched interpreter, but a run
should leave one file that ``pytest-benchmark compare`` and the reports read
whole. The main run's document is kept (machine, commit, options) and the other
run's benchmarks are appended to its list; same machine, same commit, minutes apart.
"""

from __future__ import annotations

from loadtests.model.bench import BenchJson


def merge_benchmarks(into: BenchJson, other: BenchJson) -> BenchJson:
    """Append ``other``'s benchmarks to ``into``'s (in place); names must not clash."""
    names = {b["fullname"] for b in into.get("benchmarks", [])}
    clashes = sorted(names & {b["fullname"] for b in other.get("benchmarks", [])})
    if clashes:
        raise ValueError(f"benchmarks run twice, cannot merge: {', '.join(clashes)}")
    into.setdefault("benchmarks", []).extend(other.get("benchmarks", []))
    return into
