"""``roombench report`` and ``roombench summary``: the HTML report and the summary table.

Both read results folders or files only. ``--compare-with CONFIG`` names the
configuration the others are compared with (``--baseline CONFIG``, its old
spelling, is deprecated: ``--baseline`` means stored results, in ``gate``).
Exit codes: 0 done, 2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtests.commands.options import deprecated
from loadtests.commands.subcommand import Subcommand
from loadtests.model.errors import InputError
from loadtests.model.exit_codes import EXIT_OK
from reports.build import build_report
from reports.configs import group_configs
from reports.loading import default_output_dir, load_inputs
from reports.summary_text import render_json, render_markdown, render_text, render_wide
from reports.table import build_table, rules_with
from reports.verdict_line import read_gate, verdict_line

FORMS = ("text", "wide", "markdown", "json")


def _alpha(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"alpha {text} is not between 0 and 1")
    return value


class _OldBaseline(argparse.Action):
    """``--baseline CONFIG``: stored as ``--compare-with``; a folder is refused (gate's)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if Path(values).is_dir():
            raise argparse.ArgumentError(
                self,
                f"{values} is a folder: --baseline is a configuration name here (write "
                "--compare-with CONFIG); to judge stored results use roombench gate "
                "--baseline DIR --candidate DIR",
            )
        deprecated(f"--baseline {values}", f"--compare-with {values}")
        namespace.compare_with = values


@dataclass(frozen=True)
class ReportCommand:
    paths: tuple[Path, ...]
    output: Path | None = None  # None: DIR/index.html
    compare_with: str | None = None  # None: the first run
    alpha: float | None = None  # None: gate.toml's


@dataclass(frozen=True)
class SummaryCommand:
    paths: tuple[Path, ...]
    form: str = "text"
    compare_with: str | None = None
    alpha: float | None = None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="RESULTS_OR_DIR")
    parser.add_argument(
        "--compare-with",
        metavar="CONFIG",
        help="configuration the others are compared with (default: the first run)",
    )
    parser.add_argument(
        "--baseline", dest="compare_with", action=_OldBaseline, help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--alpha",
        type=_alpha,
        metavar="A",
        help="family-wise significance level (default: gate.toml's)",
    )


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="HTML file (default: DIR/index.html)"
    )


def add_summary_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    form = parser.add_mutually_exclusive_group()
    form.add_argument(
        "--wide",
        action="store_true",
        help="every metric (per-node cost too), changes in words (wider than 120)",
    )
    form.add_argument("--markdown", action="store_true", help="Markdown (every metric)")
    form.add_argument("--json", action="store_true", help="JSON (every metric, p-values)")


def report_options(ns: argparse.Namespace) -> ReportCommand:
    return ReportCommand(tuple(ns.paths), ns.output, ns.compare_with, ns.alpha)


def summary_options(ns: argparse.Namespace) -> SummaryCommand:
    form = next((f for f in FORMS[1:] if getattr(ns, f)), "text")
    return SummaryCommand(tuple(ns.paths), form, ns.compare_with, ns.alpha)


def run_report(command: ReportCommand, _extra: list[str]) -> int:
    print(build_report(list(command.paths), command.output, command.compare_with, command.alpha))
    return EXIT_OK


def run_summary(command: SummaryCommand, _extra: list[str]) -> int:
    paths = list(command.paths)
    inputs = load_inputs(paths)
    if not inputs.results:
        raise InputError(f"no results files in {', '.join(map(str, paths))}")
    try:
        table = build_table(
            group_configs(inputs.results), command.compare_with, rules_with(command.alpha)
        )
    except KeyError as exc:
        raise InputError(str(exc.args[0])) from exc
    configs = [row.config for row in table.rows]
    verdict = verdict_line(configs, table, read_gate(default_output_dir(paths)))
    if command.form == "json":
        sys.stdout.write(render_json(table))
    elif command.form == "markdown":
        sys.stdout.write(render_markdown(table))
    elif command.form == "wide":
        sys.stdout.write(render_wide(table, verdict))
    else:
        sys.stdout.write(render_text(table, _report_of(paths), verdict=verdict))
    return EXIT_OK


def _report_of(paths: Sequence[Path]) -> Path | None:
    """The HTML report of a single results folder, when it has been built."""
    if len(paths) == 1 and (paths[0] / "index.html").is_file():
        return paths[0] / "index.html"
    return None


REPORT = Subcommand(
    name="report",
    summary="build one self-contained HTML report from results",
    description=__doc__ or "",
    add_arguments=add_report_arguments,
    options=report_options,
    execute=run_report,
)
SUMMARY = Subcommand(
    name="summary",
    summary="print the summary table of results folders or files",
    description=__doc__ or "",
    add_arguments=add_summary_arguments,
    options=summary_options,
    execute=run_summary,
)
