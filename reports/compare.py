"""One rule tells a change apart from noise, for the page, the terminal and the gate.

DESIGN.md rule 10: a comparison decides on independent runs. A change of a
metric is *tested* only on its per-repeat values (one value per run), and
only with the gate's own machinery: ``reports.timing.test_repeats`` (the
Hodges-Lehmann estimate, its interval and the Mann-Whitney test of the same
samples), ``judge_family`` (Holm-Bonferroni, then different / same / unknown)
and the gate's rules (``gate.toml``: its statistic, alpha, ``min_repeats`` and
each metric's margin). No second statistic lives here.

With fewer than ``min_repeats`` repeats a side the change is *untested*: it
is the pooled change (merged histograms, summed counters), shown plainly, and
the table says once that changes were not tested and how many repeats would
test them. Per-second samples of one run are autocorrelated (lag-1 0.3-0.7
was measured, docs/gate.md) and never give a p-value or a colour.

The gated metrics (those ``gate.toml`` judges) form one Holm family, as in
the gate, so the page colours a gated metric exactly when the gate would call
it different; the other value metrics (cost, other percentiles) form a second
family under a default rule (the gate's default margin, 10 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.configs import ConfigRuns
from reports.metrics import Metric
from reports.rules import GateRules, MetricRule
from reports.timing import Tested, judge_family, test_repeats
from reports.verdict import DIFFERENT, Check

SAMPLES_REPEATS = "repeats"
SAMPLES_NONE = "none"


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """The change of one metric from ``base`` to ``cand``, and whether it was tested.

    ``change_pct``: the estimate from the per-repeat values when tested, else
    the pooled change; ``pooled_change_pct`` is always the pooled change.
    ``outcome`` is the gate's (different / same / unknown) or "" when
    untested; ``significant`` is True only for *different*, None when untested.
    """

    base: float | None
    cand: float | None
    change_pct: float | None
    samples: str
    n_base: int
    n_cand: int
    p_value: float | None
    outcome: str
    reason: str
    higher_is_better: bool = False
    pooled_change_pct: float | None = None
    ci_low_pct: float | None = None
    ci_high_pct: float | None = None

    @property
    def tested(self) -> bool:
        return bool(self.outcome)

    @property
    def significant(self) -> bool | None:
        return (self.outcome == DIFFERENT) if self.tested else None

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


def untested_note(repeats: Sequence[int], rules: GateRules) -> str:
    """The table's one sentence when some change could not be tested, else ""."""
    need = rules.min_repeats
    fewest = min(repeats, default=need)
    if fewest >= need:
        return ""
    runs = "one run" if fewest == 1 else f"{fewest} runs"
    each = "each" if min(repeats) == max(repeats) else "of some configuration"
    return f"{runs} {each}: changes not tested; `--repeat {need}` tests them"


def _rule(metric: Metric, rules: GateRules) -> tuple[MetricRule, bool]:
    """The gate's rule for ``metric`` and whether the gate judges it (else a default rule)."""
    rule = rules.metrics.get(metric.key)
    if rule is not None and rule.enabled:
        return rule, True
    return MetricRule(metric.key), False


def _tested(
    metric: Metric, base: ConfigRuns, cand: ConfigRuns, rules: GateRules
) -> tuple[Tested, int, int]:
    """The gate's test of ``metric``'s per-repeat values, and how many a side."""
    rule, _gated = _rule(metric, rules)
    return test_repeats(metric, cand.label, rule, base, cand, rules)


def _comparison(
    metric: Metric, line: Tested, counts: tuple[int, int], check: Check | None
) -> Comparison:
    pooled = change_pct(line.base_pooled, line.cand_pooled)
    shown = dict(
        base=line.base_pooled,
        cand=line.cand_pooled,
        pooled_change_pct=pooled,
        higher_is_better=metric.higher_is_better,
    )
    if check is None or not check.outcome:
        reason = line.untestable or (check.reason if check else "")
        return Comparison(
            **shown,  # type: ignore[arg-type]
            change_pct=pooled,
            samples=SAMPLES_NONE,
            n_base=0,
            n_cand=0,
            p_value=None,
            outcome="",
            reason=f"not tested: {reason}" if reason else "not tested",
        )
    n_base, n_cand = counts
    return Comparison(
        **shown,  # type: ignore[arg-type]
        change_pct=check.change_pct,
        ci_low_pct=check.ci_low_pct,
        ci_high_pct=check.ci_high_pct,
        samples=SAMPLES_REPEATS,
        n_base=n_base,
        n_cand=n_cand,
        p_value=check.p_value,
        outcome=check.outcome,
        reason=f"{line.samples}: {check.outcome} ({check.rule}); {check.reason}",
    )


def compare_configs(
    metrics: Sequence[Metric],
    base: ConfigRuns,
    candidates: Sequence[ConfigRuns],
    rules: GateRules,
) -> dict[tuple[str, str], Comparison]:
    """Every value metric of every candidate against ``base``, keyed (candidate label, metric key).

    Counters are not here: they are shown, never tested for a shift.
    """
    lines: dict[tuple[str, str], tuple[Metric, Tested, tuple[int, int]]] = {}
    for cand in candidates:
        for metric in metrics:
            if metric.kind == "value":
                line, n_base, n_cand = _tested(metric, base, cand, rules)
                lines[(cand.label, metric.key)] = (metric, line, (n_base, n_cand))
    out: dict[tuple[str, str], Comparison] = {}
    for gated in (True, False):
        keys = [k for k, entry in lines.items() if _rule(entry[0], rules)[1] == gated]
        checks = judge_family([lines[k][1] for k in keys], rules.alpha)
        for key, check in zip(keys, checks, strict=True):
            metric, line, counts = lines[key]
            out[key] = _comparison(metric, line, counts, check)
    return out


def shown_only(metric: Metric, base: ConfigRuns, cand: ConfigRuns, reason: str) -> Comparison:
    """A change that is shown and never tested (a counter)."""
    base_value, cand_value = metric.pooled(base), metric.pooled(cand)
    return Comparison(
        base=base_value,
        cand=cand_value,
        change_pct=change_pct(base_value, cand_value),
        pooled_change_pct=change_pct(base_value, cand_value),
        higher_is_better=metric.higher_is_better,
        samples=SAMPLES_NONE,
        n_base=0,
        n_cand=0,
        p_value=None,
        outcome="",
        reason=reason,
    )
