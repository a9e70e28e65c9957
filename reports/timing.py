"""Timing checks: one estimate, one test, on independent samples; three outcomes.

For a load metric the samples are the per-repeat values (each repeat's own
p50, p99, deliveries/s ...): independent runs, the unit that carries
run-to-run variation. Per-second samples of one run are autocorrelated (lag-1
autocorrelation 0.3-0.7 was measured) and never decide: with fewer than
``min_repeats`` a side the line is untestable ("run more repeats"). For a
micro-benchmark the samples are pytest-benchmark's rounds.

From those samples and nothing else come the estimate (the Hodges-Lehmann
shift of the logarithms, as a percentage), its distribution-free (1 - 2 alpha)
confidence interval (90 %: the interval of the equivalence test) and the
two-sided Mann-Whitney p-value; the interval and the test are one computation
(the interval excludes 0 exactly when p <= 2 alpha), so they cannot point in
different directions. The pooled figures (merged histograms) are shown beside
them and decide nothing.

``judge_family`` then applies Holm-Bonferroni over every tested line of the
gate and names each line's outcome, as Chromium's Pinpoint does:

* **different** — p below its Holm level and the estimate beyond the margin:
  a regression or an improvement;
* **same** — the whole 90 % interval inside ± the margin (two one-sided
  tests at alpha): pass;
* **unknown** — anything else: inconclusive ("add repeats"), unless the rule
  says ``when_unknown = "pass"``.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from reports.configs import ConfigRuns
from reports.metrics import METRICS_BY_KEY, Metric
from reports.rules import GateRules, MetricRule
from reports.stats import Shift, get_statistic, holm, relative_shift
from reports.verdict import (
    DIFFERENT,
    IMPROVEMENT,
    INCONCLUSIVE,
    PASS,
    REGRESSION,
    SAME,
    SKIPPED,
    UNKNOWN,
    Check,
)


@dataclass(frozen=True)
class Tested:
    """A timing line with its samples tested, before the family decides its outcome."""

    metric: str
    subject: str
    unit: str
    rule: MetricRule
    higher_is_better: bool
    base_pooled: float | None
    cand_pooled: float | None
    samples: str
    margin_pct: float | None = None
    shift: Shift | None = None
    p_value: float | None = None
    untestable: str = ""


def _change(base: float | None, cand: float | None) -> float | None:
    if base is None or cand is None or base == 0:
        return None
    return (cand - base) / abs(base) * 100.0


def margin_pct(rule: MetricRule, base_values: Sequence[float]) -> float:
    """The rule's minimum effect in percent: ``min_change_pct``, or the absolute floor if larger."""
    margin = rule.min_change_pct
    centre = abs(statistics.median(base_values))
    if rule.min_change_abs is not None and centre > 0:
        margin = max(margin, rule.min_change_abs / centre * 100.0)
    return margin


def test_samples(
    metric: str,
    subject: str,
    unit: str,
    rule: MetricRule,
    higher_is_better: bool,
    pooled: tuple[float | None, float | None],
    values: tuple[Sequence[float], Sequence[float]],
    need: int,
    what: str,
    rules: GateRules,
) -> Tested:
    """Estimate, interval and test of ``values`` (base, candidate), or why they cannot be tested."""
    base_values, cand_values = values
    samples = f"{len(base_values)} vs {len(cand_values)} {what}"
    common = dict(
        metric=metric,
        subject=subject,
        unit=unit,
        rule=rule,
        higher_is_better=higher_is_better,
        base_pooled=pooled[0],
        cand_pooled=pooled[1],
        samples=samples,
    )
    if min(len(base_values), len(cand_values)) < need:
        return Tested(
            **common,  # type: ignore[arg-type]
            untestable=f"{samples} (need {need} a side): run more repeats; "
            "per-second samples of one run never decide",
        )
    try:
        # The (1 - 2 alpha) interval: "same" is Schuirmann's two one-sided tests at
        # alpha each, the textbook equivalence test (docs/gate.md).
        shift = relative_shift(base_values, cand_values, 2 * rules.alpha)
    except ValueError as exc:
        return Tested(**common, untestable=f"{samples}: {exc}")  # type: ignore[arg-type]
    result = get_statistic(rules.statistic)(base_values, cand_values)
    return Tested(
        **common,  # type: ignore[arg-type]
        margin_pct=margin_pct(rule, base_values),
        shift=shift,
        p_value=result.p_value,
    )


def load_tests(base: ConfigRuns, cand: ConfigRuns, rules: GateRules) -> list[Tested]:
    """Every enabled load metric of one configuration pair, tested over its repeats."""
    tested = []
    for name, rule in rules.metrics.items():
        metric = METRICS_BY_KEY.get(name)
        if metric is None or not rule.enabled:
            continue
        tested.append(test_repeats(metric, cand.config_name, rule, base, cand, rules)[0])
    return tested


def test_repeats(
    metric: Metric,
    subject: str,
    rule: MetricRule,
    base: ConfigRuns,
    cand: ConfigRuns,
    rules: GateRules,
) -> tuple[Tested, int, int]:
    """The test of ``metric``'s per-repeat values, and how many values a side.

    The one rule the gate, the page and the terminal share (issue 24): a
    change is tested on independent repeats only, ``rules.min_repeats`` a side.
    """
    base_values = [v for v in map(metric.per_repeat, base.docs) if v is not None]
    cand_values = [v for v in map(metric.per_repeat, cand.docs) if v is not None]
    line = test_samples(
        metric.key,
        subject,
        metric.unit,
        rule,
        metric.higher_is_better,
        (metric.pooled(base), metric.pooled(cand)),
        (base_values, cand_values),
        rules.min_repeats,
        "repeats",
        rules,
    )
    return line, len(base_values), len(cand_values)


def _fmt(value: float | None) -> str:
    return "?" if value is None else f"{value:+.1f}%"


def decide(line: Tested, threshold: float | None, rejected: bool) -> Check:
    """The line's Check: different, same or unknown under its rule and its Holm level."""
    common = dict(
        metric=line.metric,
        subject=line.subject,
        unit=line.unit,
        base=line.base_pooled,
        cand=line.cand_pooled,
        pooled_change_pct=_change(line.base_pooled, line.cand_pooled),
        samples=line.samples,
    )
    if line.shift is None or line.p_value is None or line.margin_pct is None:
        verdict = SKIPPED if line.rule.when_untestable == "skip" else INCONCLUSIVE
        return Check(**common, verdict=verdict, reason=line.untestable, rule="untestable")  # type: ignore[arg-type]
    shift, margin, p = line.shift, line.margin_pct, line.p_value
    level = threshold or 0.0
    interval = f"{_fmt(shift.low)}..{_fmt(shift.high)}"
    estimate = dict(
        change_pct=shift.estimate,
        ci_low_pct=shift.low,
        ci_high_pct=shift.high,
        confidence=shift.confidence,
        p_value=p,
        p_threshold=level,
    )
    worse = shift.estimate < 0 if line.higher_is_better else shift.estimate > 0
    if rejected and abs(shift.estimate) > margin:
        return Check(
            **common,  # type: ignore[arg-type]
            **estimate,  # type: ignore[arg-type]
            outcome=DIFFERENT,
            verdict=REGRESSION if worse else IMPROVEMENT,
            rule=f"different: p < {level:.2g} (Holm) and |estimate| > {margin:.0f}%",
            reason=f"{_fmt(shift.estimate)} (CI {interval}) beyond ±{margin:.0f}%, "
            f"p = {p:.2g} < {level:.2g}",
        )
    if (
        shift.low is not None
        and shift.high is not None
        and -margin < shift.low
        and shift.high < margin
    ):
        return Check(
            **common,  # type: ignore[arg-type]
            **estimate,  # type: ignore[arg-type]
            outcome=SAME,
            verdict=PASS,
            rule=f"same: {shift.confidence:.0%} CI inside ±{margin:.0f}%",
            reason=f"CI {interval} inside ±{margin:.0f}%",
        )
    why = (
        f"p = {p:.2g} < {level:.2g} but estimate {_fmt(shift.estimate)} within ±{margin:.0f}%"
        if rejected
        else f"p = {p:.2g}, not below its Holm level {level:.2g}"
    )
    verdict = PASS if line.rule.when_unknown == "pass" else INCONCLUSIVE
    tail = (
        "not shown different; passes by the rule's when_unknown"
        if verdict == PASS
        else "add repeats (--adaptive)"
    )
    return Check(
        **common,  # type: ignore[arg-type]
        **estimate,  # type: ignore[arg-type]
        outcome=UNKNOWN,
        verdict=verdict,
        rule=f"unknown: neither different nor CI inside ±{margin:.0f}%",
        reason=f"{why}; CI {interval} not inside ±{margin:.0f}%: {tail}",
    )


def judge_family(lines: Sequence[Tested], family_alpha: float) -> list[Check]:
    """Holm-Bonferroni over every tested line, then each line's outcome."""
    tested = [i for i, line in enumerate(lines) if line.p_value is not None]
    levels, rejected = holm([lines[i].p_value or 0.0 for i in tested], family_alpha)
    level = dict(zip(tested, levels, strict=True))
    reject = dict(zip(tested, rejected, strict=True))
    return [decide(line, level.get(i), reject.get(i, False)) for i, line in enumerate(lines)]
