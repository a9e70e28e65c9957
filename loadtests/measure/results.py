"""The results schema: one JSON document per configuration run.

docs/results-schema.md is the reference. This module holds what both sides of
the contract need: the version, the required shape, and load/validate/dump.
The measurement core builds documents; reports and the gate read them and
nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadtests import atomic
from loadtests.measure import schema
from loadtests.model.results import ResultsDoc

SCHEMA_VERSION = 1
KIND = "roombench.load"

# The key lists live once, in the TypedDicts of schema.py.
LATENCY_KEYS = schema.LATENCY_KEYS
SUMMARY_KEYS = schema.SUMMARY_KEYS
COUNTER_KEYS = schema.COUNTER_KEYS
TOP_KEYS = schema.TOP_KEYS
TIMESERIES_KEYS = schema.TIMESERIES_KEYS
# Added within schema version 1, so optional: results written before them still load.
OPTIONAL_TOP_KEYS: dict[str, type] = {
    key: schema.json_type(schema.ResultsDoc, key) for key in schema.OPTIONAL_TOP_KEYS
}


class SchemaError(ValueError):
    """A results document does not follow docs/results-schema.md."""


def validate(doc: ResultsDoc, source: str = "results") -> ResultsDoc:
    """Return ``doc`` if it follows the schema; raise SchemaError naming what is wrong."""
    # Checked key by key as the JSON it came from: nothing about it is known yet.
    raw: Mapping[str, Any] = doc
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise SchemaError(
            f"{source}: schema_version {doc.get('schema_version')!r} is not {SCHEMA_VERSION}"
        )
    missing = [k for k in TOP_KEYS if k not in doc]
    if missing:
        raise SchemaError(f"{source}: missing keys {missing}")
    for name in LATENCY_KEYS:
        summary = raw["latency"].get(name)
        if summary is None:
            raise SchemaError(f"{source}: latency.{name} is missing")
        absent = [k for k in SUMMARY_KEYS if k not in summary]
        if absent:
            raise SchemaError(f"{source}: latency.{name} lacks {absent}")
    for key, kind in OPTIONAL_TOP_KEYS.items():
        if key in raw and not isinstance(raw[key], kind):
            raise SchemaError(f"{source}: {key} must be a {kind.__name__}, not {raw[key]!r:.60}")
    counters = doc["counters"]
    absent = [k for k in COUNTER_KEYS if k not in counters]
    if absent:
        raise SchemaError(f"{source}: counters lack {absent}")
    # Measurement rule 5: lost == expected - delivered >= 0 in every results file.
    if counters["lost"] != counters["expected"] - counters["delivered"] or counters["lost"] < 0:
        raise SchemaError(
            f"{source}: counters break lost == expected - delivered >= 0 (expected "
            f"{counters['expected']}, delivered {counters['delivered']}, lost {counters['lost']})"
        )
    absent = [k for k in TIMESERIES_KEYS if k not in doc["timeseries"]]
    if absent:
        raise SchemaError(f"{source}: timeseries lacks {absent}")
    lengths = {len(raw["timeseries"][k]) for k in TIMESERIES_KEYS}
    if len(lengths) > 1:
        raise SchemaError(f"{source}: timeseries columns differ in length {sorted(lengths)}")
    return doc


def load(path: Path) -> ResultsDoc:
    """Read and validate one results file."""
    try:
        doc: ResultsDoc = json.loads(path.read_text())  # validate() checks it is one
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path}: not JSON ({exc})") from exc
    return validate(doc, str(path))


def dump(doc: ResultsDoc, path: Path) -> Path:
    """Validate and write ``doc`` to ``path`` (parents created), atomically."""
    validate(doc, str(path))
    return atomic.write_text(path, json.dumps(doc, indent=1, sort_keys=False) + "\n")
