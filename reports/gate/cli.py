"""``reports gate``: load both sides, evaluate, write the verdict, return the exit code.

The I/O edge of the gate: files and directories in, stdout, Markdown (also
appended to ``$GITHUB_STEP_SUMMARY`` when the environment names one) and a
JSON verdict out. The judgement itself is ``reports.gate.decision.evaluate``.
The candidate's manifest (``run.json`` in a candidate directory, or
``--manifest``) tells the gate which candidate runs failed: those fail it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from loadtests.model.json_object import JsonObject
from loadtests.model.results import ResultsDoc
from reports.gate.correctness import RunRecord, manifest_records
from reports.gate.decision import evaluate
from reports.gate.report import render_markdown, render_text
from reports.gate.rules import DEFAULT_RULES_PATH, GateRules, RulesError, load_rules
from reports.loading import InputError, default_output_dir, load_inputs


def add_parser(sub: Any) -> None:
    gate = sub.add_parser(
        "gate",
        help="compare a candidate with a baseline: exit 0 pass, 1 regression, "
        "3 inconclusive, 2 usage error",
    )
    gate.add_argument(
        "--baseline",
        required=True,
        nargs="+",
        type=Path,
        metavar="BASE",
        help="baseline results directory or files (results and/or bench JSON)",
    )
    gate.add_argument(
        "--candidate",
        required=True,
        nargs="+",
        type=Path,
        metavar="CAND",
        help="candidate results directory or files",
    )
    gate.add_argument(
        "--config",
        type=Path,
        default=None,
        help=f"rules (default: {DEFAULT_RULES_PATH.name} shipped with reports)",
    )
    gate.add_argument(
        "--manifest",
        type=Path,
        action="append",
        default=None,
        metavar="RUN_JSON",
        help="the candidate's run.json (its failed runs fail the gate); read by default "
        "from a candidate directory",
    )
    gate.add_argument(
        "--looks",
        type=int,
        default=1,
        metavar="N",
        help="planned looks of an adaptive gate: alpha is split evenly over them (default 1)",
    )
    gate.add_argument(
        "--metric",
        action="append",
        default=None,
        metavar="NAME",
        help="judge only this rule of the rules file (repeatable), e.g. "
        "bench_instructions_per_delivery for the instruction gate alone",
    )
    gate.add_argument("--json-out", type=Path, help="verdict JSON (default: CAND_DIR/gate.json)")
    gate.add_argument("--markdown-out", type=Path, help="also write the Markdown table here")
    gate.add_argument(
        "--wide", action="store_true", help="every column in the terminal (default: 120 columns)"
    )


def _documents(paths: list[Path]) -> list[ResultsDoc | JsonObject]:
    inputs = load_inputs(paths)
    docs: list[ResultsDoc | JsonObject] = [*inputs.results, *(b.doc for b in inputs.bench)]
    if not docs:
        raise InputError(f"no results or bench files in {', '.join(map(str, paths))}")
    return docs


def _records(args: argparse.Namespace) -> list[RunRecord]:
    paths = list(args.manifest or [])
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


def only_metrics(rules: GateRules, names: list[str] | None) -> GateRules:
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


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Run the gate for parsed ``args``; InputError (exit 2) for unreadable inputs or rules."""
    try:
        rules = load_rules(args.config)
    except RulesError as exc:
        raise InputError(str(exc)) from exc
    rules = only_metrics(rules, getattr(args, "metric", None))
    if args.looks < 1:
        raise InputError(f"--looks: {args.looks} is out of range; allowed: 1 or more")
    verdict = evaluate(
        _documents(args.baseline),
        _documents(args.candidate),
        rules,
        records=_records(args),
        looks=args.looks,
    )
    sys.stdout.write(render_text(verdict, wide=getattr(args, "wide", False)))
    markdown = render_markdown(verdict)
    if args.markdown_out:
        args.markdown_out.write_text(markdown)
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown)
    json_out = args.json_out or default_output_dir(args.candidate) / "gate.json"
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(verdict.to_json(), indent=1) + "\n")
    print(f"verdict written to {json_out}")
    return verdict.exit_code
