"""The smallest shift the default gate catches, simulated on measured base runs.

A shift model: draw ``repeats`` base runs and ``repeats`` other base runs,
multiply the second side's per-repeat values of one metric by (1 + d) (by
(1 - d) where higher is better), and judge the pair with the gate's own rule
at the strictest Holm level of the shipped family (alpha / family size). The
minimum detectable effect is the smallest d on a 1 % grid that the gate calls
*different* (a regression) in at least ``power`` of the draws. Real runs carry
their real run-to-run spread; only the shift is synthetic.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from loadtests.model.results import ResultsDoc
from reports.metrics import METRICS_BY_KEY
from reports.rules import GateRules
from reports.timing import decide, test_samples
from reports.verdict import REGRESSION

GRID_PCT = tuple(range(1, 101))


def _power(
    values: Sequence[float],
    shift_pct: float,
    metric: str,
    rules: GateRules,
    repeats: int,
    level: float,
    draws: int,
    seed: int,
) -> float:
    rng = random.Random(seed)
    rule = rules.metrics[metric]
    better_up = METRICS_BY_KEY[metric].higher_is_better
    factor = 1 - shift_pct / 100 if better_up else 1 + shift_pct / 100
    caught = 0
    for _ in range(draws):
        drawn = rng.sample(list(values), 2 * repeats)
        base, cand = drawn[:repeats], [v * factor for v in drawn[repeats:]]
        line = test_samples(
            metric, "", "", rule, better_up, (None, None), (base, cand), repeats, "repeats", rules
        )
        if line.p_value is None:
            return 0.0
        rejected = line.p_value < level
        caught += decide(line, level, rejected).verdict == REGRESSION
    return caught / draws


def minimum_detectable_effects(
    base_docs: Sequence[ResultsDoc],
    rules: GateRules,
    repeats: int,
    power: float = 0.8,
    draws: int = 100,
    seed: int = 0,
) -> dict[str, float | None]:
    """Per enabled load metric: the smallest shift in % caught with ``power``, None beyond 100 %."""
    enabled = [m for m, r in rules.metrics.items() if r.enabled and m in METRICS_BY_KEY]
    level = rules.alpha / max(1, len(enabled))
    found: dict[str, float | None] = {}
    for metric in enabled:
        values = [v for v in map(METRICS_BY_KEY[metric].per_repeat, base_docs) if v is not None]
        found[metric] = None
        if len(values) < 2 * repeats:
            continue
        # Power grows with the shift: bisect the grid instead of walking it.
        low, high = 0, len(GRID_PCT) - 1
        if _power(values, GRID_PCT[high], metric, rules, repeats, level, draws, seed) < power:
            continue
        while low < high:
            mid = (low + high) // 2
            if _power(values, GRID_PCT[mid], metric, rules, repeats, level, draws, seed) >= power:
                high = mid
            else:
                low = mid + 1
        found[metric] = float(GRID_PCT[low])
    return found
