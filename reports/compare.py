"""Compare one metric of two configurations for the report's summary table.

One estimate, one test: when samples are tested, the change shown
(``change_pct``) is the Hodges-Lehmann shift of exactly those samples
(``reports.stats.relative_shift``), with its interval, so its size and
direction can never disagree with the test; the pooled change is kept as
``pooled_change_pct``. Which samples (the report states it next to every table):

1. **Repeats** — one value per repeat — when both sides have at least
   ``min_repeats`` repeats *and* that many can reach significance at all
   (Mann-Whitney with 3 against 3 cannot go below p = 0.1, so it needs 4).
   Repeats are independent runs: the honest unit of variation.
2. Otherwise the **per-second samples of the window** (pooled over the
   repeats) when the metric has them and each side has ``min_samples``.
   Successive seconds of one run are autocorrelated, so these p-values are
   optimistic: the table shows them as a hint, and the regression gate never
   decides on them (reports.gate.timing).
3. Otherwise nothing: the pooled change is shown, not tested.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.configs import ConfigRuns
from reports.metrics import Metric
from reports.stats import TwoSampleTest, mann_whitney_u, min_attainable_p, relative_shift

SAMPLES_REPEATS = "repeats"
SAMPLES_SECONDS = "window seconds"
SAMPLES_NONE = "none"


@dataclass(frozen=True)
class SampleChoice:
    kind: str
    base: list[float]
    cand: list[float]
    reason: str


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """The change of one metric from ``base`` to ``cand``, and its test.

    ``change_pct`` is the estimate from the tested samples (+ means the value
    grew) with ``ci_low_pct``..``ci_high_pct``, or the pooled change when
    nothing was tested; ``pooled_change_pct`` is always the pooled change.
    ``worse`` says whether it goes in the metric's bad direction.
    ``significant`` is None when no test could be run (``reason`` says why).
    Build it with keyword arguments.
    """

    base: float | None
    cand: float | None
    change_pct: float | None
    samples: str
    n_base: int
    n_cand: int
    p_value: float | None
    method: str
    significant: bool | None
    reason: str
    higher_is_better: bool = False
    pooled_change_pct: float | None = None
    ci_low_pct: float | None = None
    ci_high_pct: float | None = None

    @property
    def worse(self) -> bool | None:
        if self.change_pct is None or self.change_pct == 0:
            return None if self.change_pct is None else False
        return (self.change_pct < 0) if self.higher_is_better else (self.change_pct > 0)


def change_pct(base: float | None, cand: float | None) -> float | None:
    """Relative change in %, None when either is missing or the base is 0."""
    if base is None or cand is None or base == 0:
        return None
    return (cand - base) / abs(base) * 100.0


def choose_samples(
    metric: Metric,
    base: ConfigRuns,
    cand: ConfigRuns,
    alpha: float,
    min_repeats: int = 3,
    min_samples: int = 5,
) -> SampleChoice:
    """Pick repeats, window seconds or nothing (see the module's note)."""
    base_rep = [v for v in map(metric.per_repeat, base.docs) if v is not None]
    cand_rep = [v for v in map(metric.per_repeat, cand.docs) if v is not None]
    enough = len(base_rep) >= min_repeats and len(cand_rep) >= min_repeats
    if enough and min_attainable_p(len(base_rep), len(cand_rep)) < alpha:
        return SampleChoice(
            SAMPLES_REPEATS, base_rep, cand_rep, f"{len(base_rep)} vs {len(cand_rep)} repeats"
        )
    why_not_repeats = (
        f"{len(base_rep)} vs {len(cand_rep)} repeats cannot reach p < {alpha:g}"
        if enough
        else f"{len(base_rep)} vs {len(cand_rep)} repeats (need {min_repeats} a side)"
    )
    if metric.per_second is None:
        return SampleChoice(
            SAMPLES_NONE, [], [], f"{why_not_repeats}; no per-second samples for {metric.label}"
        )
    base_s, cand_s = metric.per_second(base), metric.per_second(cand)
    if len(base_s) < min_samples or len(cand_s) < min_samples:
        return SampleChoice(
            SAMPLES_NONE,
            [],
            [],
            f"{why_not_repeats}; too few per-second samples ({len(base_s)} vs {len(cand_s)}, "
            f"need {min_samples} a side)",
        )
    return SampleChoice(
        SAMPLES_SECONDS,
        base_s,
        cand_s,
        f"{why_not_repeats}; {len(base_s)} vs {len(cand_s)} {metric.per_second_what}",
    )


def compare(
    metric: Metric,
    base: ConfigRuns,
    cand: ConfigRuns,
    alpha: float = 0.05,
    statistic: TwoSampleTest = mann_whitney_u,
    min_repeats: int = 3,
    min_samples: int = 5,
) -> Comparison:
    """The change of ``metric`` from ``base`` to ``cand``, with its two-sided test.

    The change is estimated from the samples ``choose_samples`` picks and
    tested on them (p < ``alpha``: significant); the pooled values (merged
    histograms, summed counters) are shown beside. Counters are never tested.
    """
    base_value, cand_value = metric.pooled(base), metric.pooled(cand)
    pooled = change_pct(base_value, cand_value)
    shown = dict(
        base=base_value,
        cand=cand_value,
        pooled_change_pct=pooled,
        higher_is_better=metric.higher_is_better,
    )
    if metric.kind == "count":
        reason = "counter: shown, not tested"
    else:
        choice = choose_samples(metric, base, cand, alpha, min_repeats, min_samples)
        if choice.kind != SAMPLES_NONE:
            result = statistic(choice.base, choice.cand)
            estimate: float | None = pooled
            low: float | None = None
            high: float | None = None
            try:
                shift = relative_shift(choice.base, choice.cand, alpha)
                estimate, low, high = shift.estimate, shift.low, shift.high
            except ValueError:  # a baseline median of 0: no relative change exists
                pass
            return Comparison(
                **shown,  # type: ignore[arg-type]
                change_pct=estimate,
                ci_low_pct=low,
                ci_high_pct=high,
                samples=choice.kind,
                n_base=len(choice.base),
                n_cand=len(choice.cand),
                p_value=result.p_value,
                method=f"{result.name} ({result.method})",
                significant=result.p_value < alpha,
                reason=choice.reason,
            )
        reason = choice.reason
    # Shown but not tested: a counter, or no samples that could carry a test.
    return Comparison(
        **shown,  # type: ignore[arg-type]
        change_pct=pooled,
        samples=SAMPLES_NONE,
        n_base=0,
        n_cand=0,
        p_value=None,
        method="",
        significant=None,
        reason=reason,
    )
