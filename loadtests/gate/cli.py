"""``roombench gate --baseline``: load both sides, evaluate, write the verdict, exit code.

The I/O edge of the gate: files and directories in, stdout, Markdown (also
appended to ``$GITHUB_STEP_SUMMARY`` when the environment names one) and a
JSON verdict out. The judgement itself is ``loadtests.gate.decision.evaluate``.
The candidate's manifest (``run.json`` in a candidate directory, or
``--manifest``) tells the gate which candidate runs failed: those fail it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from loadtests.gate.correctness import RunRecord, manifest_records
from loadtests.gate.decision import evaluate
from loadtests.gate.report import render_markdown, render_text
from loadtests.model.bench import BenchJson
from loadtests.model.json_object import JsonObject
from loadtests.model.results import ResultsDoc
from reports.loading import InputError, default_output_dir, load_inputs
from reports.rules import GateRules, RulesError, load_rules


@dataclass(frozen=True)
class GateInputs:
    """What ``roombench gate --baseline`` judges, built from its options at the command line.

    ``step_summary``: the file ``$GITHUB_STEP_SUMMARY`` names (the Markdown is appended).
    """

    baseline: tuple[Path, ...]
    candidate: tuple[Path, ...]
    rules: Path | None = None
    manifests: tuple[Path, ...] = ()
    looks: int = 1
    metrics: tuple[str, ...] = ()
    json_out: Path | None = None
    markdown_out: Path | None = None
    wide: bool = False
    step_summary: str | None = None


def _documents(paths: list[Path]) -> list[ResultsDoc | BenchJson | JsonObject]:
    inputs = load_inputs(paths)
    docs: list[ResultsDoc | BenchJson | JsonObject] = [
        *inputs.results,
        *(b.doc for b in inputs.bench),
    ]
    if not docs:
        raise InputError(f"no results or bench files in {', '.join(map(str, paths))}")
    return docs


def _records(args: GateInputs) -> list[RunRecord]:
    paths = list(args.manifests)
    paths += [p / "run.json" for p in args.candidate if p.is_dir() and (p / "run.json").is_file()]
    records: list[RunRecord] = []
    for path in paths:
        try:
            doc = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: not a readable run.json manifest ({exc})") from exc
        if not isinstance(doc, dict):
            raise InputError(f"{path}: not a run.json manifest (expected an object)")
        records += manifest_records(doc)
    return records


def only_metrics(rules: GateRules, names: Sequence[str] | None) -> GateRules:
    """``rules`` with every metric rule not in ``names`` removed (all kept when None)."""
    if not names:
        return rules
    unknown = [n for n in names if n not in rules.metrics]
    if unknown:
        raise InputError(
            f"--metric {', '.join(unknown)}: not a rule of the rules file; "
            f"allowed: {', '.join(rules.metrics)}"
        )
    return replace(rules, metrics={n: r for n, r in rules.metrics.items() if n in names})


def run(args: GateInputs) -> int:
    """Run the gate on ``args``; InputError (exit 2) for unreadable inputs or rules."""
    try:
        rules = load_rules(args.rules)
    except RulesError as exc:
        raise InputError(str(exc)) from exc
    rules = only_metrics(rules, args.metrics)
    if args.looks < 1:
        raise InputError(f"--looks: {args.looks} is out of range; allowed: 1 or more")
    verdict = evaluate(
        _documents(list(args.baseline)),
        _documents(list(args.candidate)),
        rules,
        records=_records(args),
        looks=args.looks,
    )
    sys.stdout.write(render_text(verdict, wide=args.wide))
    markdown = render_markdown(verdict)
    if args.markdown_out:
        args.markdown_out.write_text(markdown)
    if args.step_summary:
        with open(args.step_summary, "a", encoding="utf-8") as handle:
            handle.write(markdown)
    json_out = args.json_out or default_output_dir(args.candidate) / "gate.json"
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(verdict.to_json(), indent=1) + "\n")
    print(f"verdict written to {json_out}")
    return verdict.exit_code
