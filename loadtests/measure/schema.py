"""The results document's key lists, derived once from its TypedDicts.

The TypedDicts (``loadtests.model.results``) say what a results file holds; the key
tuples other modules check against (``results.validate``, the reports) are derived
from them here, so a key added there is added everywhere.
"""

from typing import Any, NotRequired, get_args, get_origin

# Every TypedDict that lived here before loadtests/model, still importable from here.
from loadtests.model.machine import CpuSets, MachineSpeed, Noise, SpeedProbe
from loadtests.model.results import (
    Abuse,
    AbuseResources,
    AbuseServer,
    Clocks,
    Counters,
    Latency,
    LatencySummary,
    ResourceSeries,
    ResultsDoc,
    TimeSeries,
    WorkerClock,
)

__all__ = [
    "Abuse",
    "AbuseResources",
    "AbuseServer",
    "Clocks",
    "Counters",
    "CpuSets",
    "Latency",
    "LatencySummary",
    "MachineSpeed",
    "Noise",
    "ResourceSeries",
    "ResultsDoc",
    "SpeedProbe",
    "TimeSeries",
    "WorkerClock",
    "json_type",
    "optional",
    "required",
]


def required(typed: Any) -> tuple[str, ...]:
    """The required keys of a TypedDict, in declaration order."""
    keys: frozenset[str] = typed.__required_keys__
    return tuple(k for k in typed.__annotations__ if k in keys)


def json_type(typed: Any, key: str) -> type:
    """``list`` or ``dict``: what JSON value ``key`` of TypedDict ``typed`` holds."""
    annotation = typed.__annotations__[key]
    while get_origin(annotation) is NotRequired:
        (annotation,) = get_args(annotation)
    return list if get_origin(annotation) is list else dict


def optional(typed: Any) -> tuple[str, ...]:
    """The ``NotRequired`` keys of a TypedDict, in declaration order."""
    keys: frozenset[str] = typed.__optional_keys__
    return tuple(k for k in typed.__annotations__ if k in keys)


TOP_KEYS = required(ResultsDoc)
OPTIONAL_TOP_KEYS = optional(ResultsDoc)
LATENCY_KEYS = required(Latency)
SUMMARY_KEYS = required(LatencySummary)
COUNTER_KEYS = required(Counters)
TIMESERIES_KEYS = required(TimeSeries)
ABUSE_KEYS = required(Abuse)
