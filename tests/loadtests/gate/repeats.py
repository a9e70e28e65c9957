"""Repeats of a fixture run, cheap enough for many fast gate tests.

``tests.reports.factory.make_results`` builds a full, schema-valid run with real
HDR histograms (about 0.15 s each). A gate test needs several repeats a side;
``repeat_of`` makes one such run per set of arguments and derives each repeat
from it by scaling its latency summaries with a seeded run-to-run factor
(lognormal, ``jitter``): the per-repeat values are what the gate tests, the
pooled histograms stay the template's. The gate never changes its documents,
so sharing the template between tests is safe.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

from tests.reports.factory import make_results

_MADE: dict[str, dict[str, Any]] = {}


def template(**kw: Any) -> dict[str, Any]:
    """One fixture run per set of arguments, made once (evaluate never changes documents)."""
    key = json.dumps(kw, sort_keys=True)
    if key not in _MADE:
        _MADE[key] = make_results("single-1", **{"window_s": 10, "users": 20, **kw})
    return _MADE[key]


def repeat_of(
    name: str,
    repeat: int,
    flags: dict[str, str] | None = None,
    jitter: float = 0.03,
    **kw: Any,
) -> dict[str, Any]:
    """Repeat ``repeat`` of a run: the template with its latency summaries scaled by a
    seeded run-to-run factor (lognormal, ``jitter``), which is what the gate tests."""
    doc = template(**kw)
    factor = math.exp(random.Random(f"{kw.get('seed')}-{repeat}").gauss(0, jitter))
    latency = {
        name_: {
            **summary,
            **{k: round(summary[k] * factor) for k in ("p50", "p90", "p99", "p99_9", "max")},
        }
        for name_, summary in doc["latency"].items()
    }
    start_ns = doc["window"]["start_ns"] + repeat * 60_000_000_000
    return {
        **doc,
        "config_name": name,
        "config": {**doc["config"], "name": name},
        "repeat": repeat,
        "latency": latency,
        "window": {**doc["window"], "start_ns": start_ns},
        "flags": dict(flags or {}),
    }
