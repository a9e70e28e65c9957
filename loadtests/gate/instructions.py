"""The instruction-count line of the gate: callgrind's instructions per delivery, per benchmark.

``roombench bench --instructions`` writes, beside pytest-benchmark's times,
how many instructions each fan-out benchmark executes per delivery
(``instructions`` in bench.json; ``reports.bench_view.instruction_counts``).
A count is not a sample of a noisy distribution: the same code counted twice
agrees within 0.4 % (most within 0.04 %) whatever else the machine runs
(docs/bench.md, "Instruction counts"). So there is no test and no Holm family
here, only the change and the margin:

* **regression** — the candidate's count exceeds the baseline's by more than
  the margin (``min_change_pct``, widened to ``min_change_abs`` instructions
  when that is larger), which was set above the spread of identical runs;
* **improvement** — it is lower by more than the margin;
* **pass** (*same*) — the change lies inside ± the margin;
* **inconclusive** — a count is missing on either side (the benchmark was not
  counted, or failed under valgrind): untestable, never passed, whatever
  ``when_untestable`` says (gate.toml refuses "skip" for this metric).

With several bench documents a side (repeats), a side's count is the median
of its counts. Counts made with different Python, valgrind or package
versions still compare, with a note: the tool's change may be the difference.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from loadtests.model.bench import BenchJson, is_bench_json
from reports import bench_view
from reports.rules import GateRules, MetricRule
from reports.verdict import (
    DIFFERENT,
    IMPROVEMENT,
    INCONCLUSIVE,
    PASS,
    REGRESSION,
    SAME,
    Check,
)

METRIC = "bench_instructions_per_delivery"
UNIT = "instr"
HOW_TO_COUNT = "count them with roombench bench --instructions"


def _side(
    docs: Sequence[BenchJson],
) -> tuple[dict[str, list[bench_view.InstructionCount]], bool]:
    """fullname -> its counts over the side's documents; whether any document had counts."""
    counts: dict[str, list[bench_view.InstructionCount]] = {}
    counted = False
    for doc in docs:
        if bench_view.instruction_document(doc) is None:
            continue
        counted = True
        for fullname, count in bench_view.instruction_counts(doc).items():
            counts.setdefault(fullname, []).append(count)
    return counts, counted


def _median(counts: list[bench_view.InstructionCount]) -> float | None:
    values = [c.per_delivery for c in counts if c.per_delivery is not None]
    return statistics.median(values) if values else None


def _why_missing(side: str, counts: list[bench_view.InstructionCount] | None, any_doc: bool) -> str:
    if not any_doc:
        return f"no instruction counts in the {side}: {HOW_TO_COUNT}"
    if not counts:
        return f"not counted in the {side}: {HOW_TO_COUNT}"
    errors = "; ".join(sorted({c.error or "" for c in counts if c.error}))
    return f"failed under valgrind in the {side}: {errors}"


def margin_pct(rule: MetricRule, base: float) -> float:
    """``min_change_pct``, widened to ``min_change_abs`` instructions when that is larger."""
    if rule.min_change_abs is not None and base > 0:
        return max(rule.min_change_pct, rule.min_change_abs / base * 100.0)
    return rule.min_change_pct


def judge(subject: str, base: float, cand: float, rule: MetricRule, samples: str) -> Check:
    """One benchmark's line from its two counts."""
    change = (cand - base) / base * 100.0
    margin = margin_pct(rule, base)
    if abs(change) > margin:
        verdict, outcome = (REGRESSION if change > 0 else IMPROVEMENT), DIFFERENT
        rule_text = f"different: instruction count changed by more than ±{margin:g}%"
        reason = f"{change:+.2f}% beyond ±{margin:g}% (identical runs differ by less)"
    else:
        verdict, outcome = PASS, SAME
        rule_text = f"same: instruction count within ±{margin:g}%"
        reason = f"{change:+.2f}% inside ±{margin:g}%"
    return Check(
        metric=METRIC,
        subject=subject,
        unit=UNIT,
        base=base,
        cand=cand,
        pooled_change_pct=change,
        change_pct=change,
        samples=samples,
        verdict=verdict,
        outcome=outcome,
        rule=rule_text,
        reason=reason,
    )


def _version_notes(base_docs: Sequence[BenchJson], cand_docs: Sequence[BenchJson]) -> list[str]:
    def versions(docs: Sequence[BenchJson]) -> dict[str, str | None]:
        merged: dict[str, str | None] = {}
        for doc in docs:
            merged.update(bench_view.instruction_versions(doc))
        return merged

    base, cand = versions(base_docs), versions(cand_docs)
    differ = sorted(k for k in set(base) & set(cand) if base[k] != cand[k] and k != "python_build")
    if not differ:
        return []
    changes = ", ".join(f"{k} {base[k]} -> {cand[k]}" for k in differ)
    return [
        f"instruction counts made with different versions ({changes}): part of a change "
        "may be the tool's or the package's"
    ]


def instruction_checks(
    base_docs: Sequence[Mapping[str, object]],
    cand_docs: Sequence[Mapping[str, object]],
    rules: GateRules,
) -> tuple[list[Check], list[str]]:
    """Every benchmark counted on either side, judged, and notes (nothing if neither counted).

    The gate's documents come as it read them (results and bench alike, untyped):
    only bench documents (``is_bench_json``) are read.
    """
    rule = rules.metrics.get(METRIC)
    if rule is None or not rule.enabled:
        return [], []
    base_bench = [d for d in base_docs if is_bench_json(d)]
    cand_bench = [d for d in cand_docs if is_bench_json(d)]
    base, base_counted = _side(base_bench)
    cand, cand_counted = _side(cand_bench)
    if not base_counted and not cand_counted:
        return [], []
    checks = []
    names = {**{k: v[0].name for k, v in base.items()}, **{k: v[0].name for k, v in cand.items()}}
    for fullname in sorted(names):
        base_value, cand_value = _median(base.get(fullname, [])), _median(cand.get(fullname, []))
        samples = f"{len(base.get(fullname, []))} vs {len(cand.get(fullname, []))} counts"
        if base_value is None or cand_value is None or base_value <= 0:
            side, counts, any_doc = (
                ("baseline", base.get(fullname), base_counted)
                if base_value is None or base_value <= 0
                else ("candidate", cand.get(fullname), cand_counted)
            )
            checks.append(
                Check(
                    metric=METRIC,
                    subject=names[fullname],
                    unit=UNIT,
                    verdict=INCONCLUSIVE,
                    rule="untestable: a missing count is never passed",
                    reason=_why_missing(side, counts, any_doc),
                    base=base_value,
                    cand=cand_value,
                    samples=samples,
                )
            )
            continue
        checks.append(judge(names[fullname], base_value, cand_value, rule, samples))
    return checks, _version_notes(base_bench, cand_bench)
