"""The regression gate's judgement: baseline and candidate documents in, a verdict out.

Pure: ``evaluate(base_docs, cand_docs, rules)`` takes parsed JSON documents
(results files and/or pytest-benchmark files, told apart by their shape) and
the candidate's planned runs (from ``run.json``), and returns a ``Verdict``;
reading files, printing and exit codes live in ``loadtests.gate.cli``. The
order of judgement, and why:

1. Correctness first (loadtests.gate.correctness): a failed, incomplete or
   missing candidate run, an unplanned dead node or dropped connections, or
   loss, leaks or duplicates beyond what injected faults explain fail
   outright, whatever the timing: fast and wrong is not a pass.
2. Comparability: a starved or saturated generator, a saturated server, a
   broken baseline run or a different scenario make that configuration's
   timing inconclusive (exit 3), never a regression.
3. Timing (reports.timing): per-repeat estimate, interval and test for
   every rule, Holm-Bonferroni over the whole family, three outcomes.
4. Instruction counts (loadtests.gate.instructions): deterministic, so judged by
   their change against the margin alone, outside the Holm family.
"""

from __future__ import annotations

from collections.abc import Sequence

from loadtests.gate import correctness
from loadtests.gate.bench_checks import bench_tests
from loadtests.gate.correctness import RunRecord
from loadtests.gate.instructions import instruction_checks
from loadtests.model.bench import BenchJson
from loadtests.model.json_object import JsonObject
from loadtests.model.results import ResultsDoc
from reports.configs import ConfigRuns, group_configs
from reports.loading import is_bench, is_results
from reports.rules import GateRules
from reports.timing import Tested, judge_family, load_tests
from reports.verdict import FAIL, Check, Verdict, conclude


def _pair_one_a_side(
    base_configs: dict[str, ConfigRuns], cand_configs: list[ConfigRuns], notes: list[str]
) -> dict[str, ConfigRuns]:
    """An A/B run ("base" against "candidate"): one configuration a side is the comparison."""
    if (
        len(base_configs) == 1
        and len(cand_configs) == 1
        and cand_configs[0].config_name not in base_configs
    ):
        (only_base,) = base_configs.values()
        notes.append(
            f"one configuration a side: {only_base.config_name} (baseline) "
            f"against {cand_configs[0].config_name} (candidate)"
        )
        return {cand_configs[0].config_name: only_base}
    return base_configs


def _missing(
    base_configs: dict[str, ConfigRuns], cand_names: set[str], records: Sequence[RunRecord]
) -> list[Check]:
    """A baseline configuration the candidate lacks fails: its absence hides whatever broke."""
    failed = {r.config for r in records if r.error}
    return [
        Check(
            metric="run",
            subject=name,
            unit="count",
            verdict=FAIL,
            rule="a missing candidate configuration fails",
            reason="in the baseline but missing from the candidate"
            + (" (every candidate run of it failed)" if name in failed else ""),
        )
        for name in base_configs
        if name not in cand_names
    ]


def evaluate(
    base_docs: Sequence[ResultsDoc | BenchJson | JsonObject],  # results and bench documents
    cand_docs: Sequence[ResultsDoc | BenchJson | JsonObject],
    rules: GateRules,
    records: Sequence[RunRecord] = (),
    looks: int = 1,
) -> Verdict:
    """Judge the candidate documents against the baseline documents under ``rules``.

    ``records`` are the candidate's planned runs (a failed one fails the
    gate); ``looks`` is how many times an adaptive gate looks at growing
    data: alpha is split evenly over them (Bonferroni), so looking again
    cannot raise the false-positive rate.
    """
    if looks < 1:
        raise ValueError(f"looks = {looks}: an adaptive gate looks at least once")
    base_configs = {
        c.config_name: c
        for c in group_configs([d for d in base_docs if is_results(d)], by_run=False)
    }
    cand_configs = group_configs([d for d in cand_docs if is_results(d)], by_run=False)
    base_bench = [d for d in base_docs if is_bench(d)]
    cand_bench = [d for d in cand_docs if is_bench(d)]
    checks: list[Check] = []
    lines: list[Tested] = []
    reasons: list[str] = []
    notes: list[str] = []
    base_configs = _pair_one_a_side(base_configs, cand_configs, notes)
    cand_names = {c.config_name for c in cand_configs}
    checks += _missing(base_configs, cand_names, records)
    compared = 0
    for cand in cand_configs:
        base = base_configs.get(cand.config_name)
        checks += correctness.run_failures(cand, records)
        checks += correctness.counters(cand, rules)
        notes += correctness.flag_notes(cand, "candidate")
        if base is None:
            notes.append(f"{cand.config_name}: not in the baseline, timing not compared")
            continue
        compared += 1
        notes += correctness.flag_notes(base, "baseline")
        if base.first["machine"] != cand.first["machine"]:
            notes.append(f"{cand.config_name}: measured on different machines")
        blockers = correctness.blockers(base, cand)
        if blockers:
            reasons += blockers
            continue
        lines += load_tests(base, cand, rules)
    bench_lines = bench_tests(base_bench, cand_bench, rules) if base_bench and cand_bench else []
    lines += bench_lines
    if bool(base_bench) != bool(cand_bench):
        notes.append("bench JSON on one side only: micro-benchmarks not compared")
    # Instruction counts are judged whenever either side has some: a missing count is
    # untestable (inconclusive), never a silent pass.
    counted, counted_notes = instruction_checks(base_bench, cand_bench, rules)
    checks += counted
    notes += counted_notes
    if not compared and not bench_lines and not counted:
        reasons.append("nothing to compare: no configuration or benchmark is on both sides")
    family_alpha = rules.alpha / looks
    checks += judge_family(lines, family_alpha)
    return conclude(
        checks,
        reasons,
        notes,
        statistic=rules.statistic,
        alpha=rules.alpha,
        looks=looks,
        family_alpha=family_alpha,
        family_size=sum(1 for line in lines if line.p_value is not None),
    )
