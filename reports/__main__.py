"""Command line: ``python -m reports build|summary|gate``.

Exit codes: 0 success (gate: pass), 1 regression (gate only), 2 usage error
or unreadable input, 3 inconclusive comparison (gate only).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from reports.build import build_report
from reports.configs import group_configs
from reports.gate import cli as gate_cli
from reports.gate.exit_codes import EXIT_USAGE
from reports.loading import InputError, default_output_dir, load_inputs
from reports.summary_text import render_json, render_markdown, render_text, render_wide
from reports.table import build_table, rules_with
from reports.verdict_line import read_gate, verdict_line


def _alpha(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"alpha {text} is not between 0 and 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m reports",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="write one self-contained HTML report")
    build.add_argument("paths", nargs="+", type=Path, metavar="RESULTS_OR_DIR")
    build.add_argument("-o", "--output", type=Path, help="HTML file (default: DIR/index.html)")
    build.add_argument(
        "--baseline",
        metavar="CONFIG",
        help="configuration the others are compared with (default: the first run)",
    )
    build.add_argument(
        "--alpha", type=_alpha, help="family-wise significance level (default: gate.toml's)"
    )

    summary = sub.add_parser("summary", help="print the summary table")
    summary.add_argument("paths", nargs="+", type=Path, metavar="RESULTS_OR_DIR")
    form = summary.add_mutually_exclusive_group()
    form.add_argument(
        "--wide",
        action="store_true",
        help="every metric (per-node cost too), changes in words (wider than 120)",
    )
    form.add_argument("--markdown", action="store_true", help="Markdown (every metric)")
    form.add_argument("--json", action="store_true", help="JSON (every metric, p-values)")
    summary.add_argument("--baseline", metavar="CONFIG")
    summary.add_argument("--alpha", type=_alpha)

    gate_cli.add_parser(sub)
    return parser


def _summary(args: argparse.Namespace) -> int:
    inputs = load_inputs(args.paths)
    if not inputs.results:
        raise InputError(f"no results files in {', '.join(map(str, args.paths))}")
    try:
        table = build_table(group_configs(inputs.results), args.baseline, rules_with(args.alpha))
    except KeyError as exc:
        raise InputError(str(exc.args[0])) from exc
    configs = [row.config for row in table.rows]
    verdict = verdict_line(configs, table, read_gate(default_output_dir(args.paths)))
    if args.json:
        sys.stdout.write(render_json(table))
    elif args.markdown:
        sys.stdout.write(render_markdown(table))
    elif args.wide:
        sys.stdout.write(render_wide(table, verdict))
    else:
        sys.stdout.write(render_text(table, _report_of(args.paths), verdict=verdict))
    return 0


def _report_of(paths: Sequence[Path]) -> Path | None:
    """The HTML report of a single results folder, when it has been built."""
    if len(paths) == 1 and (paths[0] / "index.html").is_file():
        return paths[0] / "index.html"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            print(build_report(args.paths, args.output, args.baseline, args.alpha))
            return 0
        if args.command == "summary":
            return _summary(args)
        return gate_cli.run(args, os.environ)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
