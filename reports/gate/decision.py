"""The regression gate's judgement: baseline and candidate documents in, a verdict out.

Pure: ``evaluate(base_docs, cand_docs, rules)`` takes parsed JSON documents
(results files and/or pytest-benchmark files, told apart by their shape) and
returns a ``Verdict``; reading files, printing and exit codes live in
``gate_cli``. The order of judgement, and why:

1. Correctness first. A lost, leaked or duplicated delivery in the candidate
   fails outright whatever the timing: fast and wrong is not a pass. Loss is
   excused only when the baseline injected the same drop rate (then it is
   the expected effect of the fault, measured on both sides).
2. Comparability. A saturated generator measures itself, not the server; an
   incomplete run or a different scenario compares different things. Those
   make the configuration's timing checks inconclusive (exit 3), never a
   regression.
3. Timing, per rule in gate.toml: a regression needs a large enough change
   in the bad direction *and* statistical support (reports.compare picks
   the samples; see docs/gate.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from reports import bench_view
from reports.compare import Comparison, change_pct, compare
from reports.configs import ConfigRuns, group_configs
from reports.gate.rules import BENCH_METRICS, GateRules, MetricRule
from reports.loading import is_bench, is_results
from reports.metrics import METRICS_BY_KEY
from reports.stats import get_statistic

EXIT_PASS, EXIT_REGRESSION, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3

PASS, REGRESSION, IMPROVEMENT = "pass", "regression", "improvement"
FAIL, INCONCLUSIVE, SKIPPED = "fail", "inconclusive", "skipped"
SAMPLES_ROUNDS = "bench rounds"


@dataclass(frozen=True)
class Check:
    """One judged line of the gate's table."""

    metric: str
    subject: str  # configuration name or benchmark name
    unit: str
    base: float | None
    cand: float | None
    change_pct: float | None
    p_value: float | None
    samples: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class Verdict:
    """The gate's outcome: ``exit_code`` 0 pass, 1 regression, 3 inconclusive."""

    outcome: str
    exit_code: int
    checks: list[Check]
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    statistic: str = "mann-whitney"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "roombench.gate",
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "statistic": self.statistic,
            "reasons": self.reasons,
            "notes": self.notes,
            "checks": [asdict(c) for c in self.checks],
        }


def _drop_rate(config: ConfigRuns) -> float:
    rates = {
        float((d["config"].get("faults") or {}).get("inject_drop_rate") or 0.0) for d in config.docs
    }
    return rates.pop() if len(rates) == 1 else -1.0


def _correctness(cand: ConfigRuns, base: ConfigRuns | None, rules: GateRules) -> list[Check]:
    """One passing "correctness" line, or one failing line per counter that is not 0."""
    failures = []
    excused = []
    drop = _drop_rate(cand)
    for counter in rules.fail_on_counters:
        value = cand.counter(counter)
        if value == 0:
            continue
        base_value = float(base.counter(counter)) if base else None
        if counter == "lost" and base is not None and drop > 0 and _drop_rate(base) == drop:
            excused.append(f"{value} lost, expected: both sides injected drop rate {drop:g}")
            continue
        faults = (
            "no fault injected"
            if drop == 0
            else (f"candidate injected drop rate {drop:g}, the baseline did not inject the same")
        )
        failures.append(
            Check(
                counter,
                cand.config_name,
                "count",
                base_value,
                float(value),
                None,
                None,
                "",
                FAIL,
                f"{value} {counter} deliveries in the candidate ({faults})",
            )
        )
    if failures:
        return failures
    reason = "; ".join(excused) or "no " + ", ".join(rules.fail_on_counters) + " deliveries"
    return [
        Check("correctness", cand.config_name, "count", None, None, None, None, "", PASS, reason)
    ]


def _comparability(base: ConfigRuns, cand: ConfigRuns) -> list[str]:
    reasons = []
    for side, config in (("baseline", base), ("candidate", cand)):
        for repeat, flag, why in config.flags():
            if flag in ("generator_saturated", "incomplete"):
                reasons.append(
                    f"{config.config_name}: {flag} in the {side} (repeat {repeat}): {why}"
                )
    base_scenario, cand_scenario = base.first["scenario"], cand.first["scenario"]
    if base_scenario != cand_scenario:
        keys = sorted(
            k
            for k in set(base_scenario) | set(cand_scenario)
            if base_scenario.get(k) != cand_scenario.get(k)
        )
        reasons.append(
            f"{cand.config_name}: scenarios differ in {', '.join(keys)}: "
            "the runs measured different loads"
        )
    return reasons


def judge(
    comparison: Comparison, rule: MetricRule, alpha: float, higher_is_better: bool, unit: str = ""
) -> tuple[str, str]:
    """(verdict, reason) of one tested comparison under ``rule``."""
    if comparison.p_value is None or comparison.change_pct is None:
        verdict = INCONCLUSIVE if rule.when_untestable == "inconclusive" else SKIPPED
        return verdict, comparison.reason or "no value on one side"
    assert comparison.base is not None and comparison.cand is not None
    delta_abs = abs(comparison.cand - comparison.base)
    big = abs(comparison.change_pct) > rule.min_change_pct and (
        rule.min_change_abs is None or delta_abs > rule.min_change_abs
    )
    significant = comparison.p_value < alpha
    worse = comparison.change_pct < 0 if higher_is_better else comparison.change_pct > 0
    floor = f" and {rule.min_change_abs:g} {unit}" if rule.min_change_abs is not None else ""
    if big and significant:
        return (REGRESSION if worse else IMPROVEMENT), (
            f"{comparison.change_pct:+.1f}% beyond {rule.min_change_pct:g}%{floor}, "
            f"p < {alpha:g} over {comparison.reason}"
        )
    if not big:
        return PASS, f"change within the minimum effect ({rule.min_change_pct:g}%{floor})"
    return PASS, f"not significant (p >= {alpha:g}) over {comparison.reason}"


def _timing(base: ConfigRuns, cand: ConfigRuns, rules: GateRules) -> list[Check]:
    checks = []
    statistic = get_statistic(rules.statistic)
    for name, rule in rules.metrics.items():
        metric = METRICS_BY_KEY.get(name)
        if metric is None or not rule.enabled:
            continue
        alpha = rules.alpha_for(rule)
        comparison = compare(
            metric, base, cand, alpha, statistic, rules.min_repeats, rules.min_samples
        )
        verdict, reason = judge(comparison, rule, alpha, metric.higher_is_better, metric.unit)
        checks.append(
            Check(
                name,
                cand.config_name,
                metric.unit,
                comparison.base,
                comparison.cand,
                comparison.change_pct,
                comparison.p_value,
                comparison.samples,
                verdict,
                reason,
            )
        )
    return checks


def _bench_check(
    metric: str,
    subject: str,
    base_value: float,
    cand_value: float,
    base_samples: list[float] | None,
    cand_samples: list[float] | None,
    rule: MetricRule,
    rules: GateRules,
) -> Check:
    unit = BENCH_METRICS[metric][1]
    alpha = rules.alpha_for(rule)
    delta = change_pct(base_value, cand_value)
    if base_samples is None or cand_samples is None:
        missing = "baseline" if base_samples is None else "candidate"
        reason = (
            f"no per-round samples in the {missing} (stats.data): run pytest-benchmark "
            "with --benchmark-save-data"
        )
        comparison = Comparison(base_value, cand_value, delta, "none", 0, 0, None, "", None, reason)
    elif min(len(base_samples), len(cand_samples)) < rules.min_samples:
        reason = (
            f"too few rounds ({len(base_samples)} vs {len(cand_samples)}, need "
            f"{rules.min_samples} a side)"
        )
        comparison = Comparison(base_value, cand_value, delta, "none", 0, 0, None, "", None, reason)
    else:
        result = get_statistic(rules.statistic)(base_samples, cand_samples)
        comparison = Comparison(
            base_value,
            cand_value,
            delta,
            SAMPLES_ROUNDS,
            len(base_samples),
            len(cand_samples),
            result.p_value,
            result.method,
            result.p_value < alpha,
            f"{len(base_samples)} vs {len(cand_samples)} rounds",
        )
    verdict, why = judge(comparison, rule, alpha, higher_is_better=False, unit=unit)
    return Check(
        metric,
        subject,
        unit,
        base_value,
        cand_value,
        delta,
        comparison.p_value,
        comparison.samples,
        verdict,
        why,
    )


def _index(benches: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(b.get("fullname") or b["name"]): b for doc in benches for b in doc["benchmarks"]}


def _bench(
    base_docs: Sequence[dict[str, Any]], cand_docs: Sequence[dict[str, Any]], rules: GateRules
) -> list[Check]:
    base, cand = _index(base_docs), _index(cand_docs)
    checks = []
    rule = rules.metrics.get("bench_per_delivery_ns")
    if rule is not None and rule.enabled:
        for name, bench in cand.items():
            if name not in base or (bench.get("extra_info") or {}).get("per_delivery_ns") is None:
                continue
            checks.append(
                _bench_check(
                    "bench_per_delivery_ns",
                    bench["name"],
                    bench_view.per_delivery_ns(base[name]),
                    bench_view.per_delivery_ns(bench),
                    bench_view.per_delivery_samples(base[name]),
                    bench_view.per_delivery_samples(bench),
                    rule,
                    rules,
                )
            )
    rule = rules.metrics.get("bench_handler_raw_ratio")
    if rule is not None and rule.enabled:
        base_pairs = {p.n: p for p in bench_view.handler_raw_pairs(list(base.values()))}
        for pair in bench_view.handler_raw_pairs(list(cand.values())):
            if pair.n in base_pairs:
                ref = base_pairs[pair.n]
                checks.append(
                    _bench_check(
                        "bench_handler_raw_ratio",
                        f"handler/raw n={pair.n}",
                        ref.ratio,
                        pair.ratio,
                        bench_view.ratio_samples(ref),
                        bench_view.ratio_samples(pair),
                        rule,
                        rules,
                    )
                )
    return checks


def evaluate(
    base_docs: Sequence[dict[str, Any]], cand_docs: Sequence[dict[str, Any]], rules: GateRules
) -> Verdict:
    """Judge the candidate documents against the baseline documents under ``rules``."""
    base_configs = {
        c.config_name: c
        for c in group_configs([d for d in base_docs if is_results(d)], by_run=False)
    }
    cand_configs = group_configs([d for d in cand_docs if is_results(d)], by_run=False)
    base_bench = [d for d in base_docs if is_bench(d)]
    cand_bench = [d for d in cand_docs if is_bench(d)]
    checks: list[Check] = []
    reasons: list[str] = []
    notes: list[str] = []
    compared = 0
    if (
        len(base_configs) == 1
        and len(cand_configs) == 1
        and cand_configs[0].config_name not in base_configs
    ):
        # One configuration a side (an A/B run: "base" against "candidate"):
        # they are the comparison, whatever their names.
        (only_base,) = base_configs.values()
        notes.append(
            f"one configuration a side: {only_base.config_name} (baseline) "
            f"against {cand_configs[0].config_name} (candidate)"
        )
        base_configs = {cand_configs[0].config_name: only_base}
    for cand in cand_configs:
        base = base_configs.get(cand.config_name)
        checks += _correctness(cand, base, rules)
        if base is None:
            notes.append(f"{cand.config_name}: not in the baseline, timing not compared")
            continue
        compared += 1
        if base.first["machine"] != cand.first["machine"]:
            notes.append(f"{cand.config_name}: measured on different machines")
        blockers = _comparability(base, cand)
        if blockers:
            reasons += blockers
            continue
        checks += _timing(base, cand, rules)
    for name in base_configs:
        if name not in {c.config_name for c in cand_configs}:
            notes.append(f"{name}: in the baseline only, not compared")
    bench_checks = _bench(base_bench, cand_bench, rules) if base_bench and cand_bench else []
    checks += bench_checks
    if base_bench and not cand_bench or cand_bench and not base_bench:
        notes.append("bench JSON on one side only: micro-benchmarks not compared")
    if not compared and not bench_checks:
        reasons.append("nothing to compare: no configuration or benchmark is on both sides")
    return _outcome(checks, reasons, notes, rules.statistic)


def _outcome(checks: list[Check], reasons: list[str], notes: list[str], statistic: str) -> Verdict:
    failed = [c for c in checks if c.verdict in (FAIL, REGRESSION)]
    if failed:
        return Verdict(REGRESSION, EXIT_REGRESSION, checks, reasons, notes, statistic)
    undecided = [
        f"{c.metric} ({c.subject}): {c.reason}" for c in checks if c.verdict == INCONCLUSIVE
    ]
    if reasons or undecided:
        return Verdict(
            INCONCLUSIVE, EXIT_INCONCLUSIVE, checks, reasons + undecided, notes, statistic
        )
    return Verdict(PASS, EXIT_PASS, checks, reasons, notes, statistic)
