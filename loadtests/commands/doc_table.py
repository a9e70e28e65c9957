"""docs/cli.md, rendered from ``roombench``'s parser tree, so the page and the tree cannot drift.

``render(build_parser(), SUBCOMMANDS)`` (``loadtests.cli``'s, passed in: the tree
imports this package, not the other way) reads the tree's actions: every
subcommand, every option as ``--help`` spells it, every help text.
tests/loadtests/commands/test_doc_table.py compares the page with a fresh
rendering and, when they differ, prints the one line that writes it again.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from loadtests.commands.subcommand import Subcommand
from loadtests.model.exit_codes import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
HEADER = """# `roombench`: every subcommand and option

Generated from the parser tree (`loadtests/cli.py`, `loadtests/commands/`) by
`loadtests/commands/doc_table.py`; `tests/loadtests/commands/test_doc_table.py` fails
when this page and the tree differ. `roombench SUBCOMMAND --help` prints the same.
"""
EXIT_CODES = (
    (EXIT_OK, "done; the gate passed"),
    (EXIT_FAILED, "a run, search or benchmark failed; the gate found a regression"),
    (EXIT_USAGE, "usage error: a bad option, scenario, rules or input file"),
    (EXIT_INCONCLUSIVE, "the gate is inconclusive"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C, SIGTERM); every process started was stopped"),
)
# Parsed by the same tree for one release, each with a line on stderr (commands/options.py).
DEPRECATED = (
    ("`--only A B` (run, capacity)", "`--only A,B`"),
    ("`gate --baseline ... --config FILE`", "`--rules FILE`"),
    ("`report`/`summary --baseline CONFIG`", "`--compare-with CONFIG`"),
    ("`bench --runs-root DIR`", "`--out DIR` (the run folder itself)"),
    ("the `-m` module spellings of roombench", '`roombench ...` (README.md, "Layout")'),
)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _rows(parser: argparse.ArgumentParser) -> list[str]:
    formatter = parser._get_formatter()
    rows = []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue
        invocation = formatter._format_action_invocation(action)
        if not action.option_strings:
            invocation = f"{invocation} (positional)"
        help_text = formatter._expand_help(action) if action.help else ""
        rows.append(f"| `{_cell(invocation)}` | {_cell(help_text)} |")
    return rows


def render(parser: argparse.ArgumentParser, subcommands: Mapping[str, Subcommand]) -> str:
    """The page, from the tree as it is (``loadtests.cli.build_parser()``, ``SUBCOMMANDS``)."""
    lines = [HEADER, "## Subcommands", "", "| subcommand | what it does |", "|---|---|"]
    lines += [f"| `roombench {name}` | {_cell(sub.summary)} |" for name, sub in subcommands.items()]
    lines += ["", "## Exit codes (every subcommand)", "", "| code | meaning |", "|---|---|"]
    lines += [f"| {code} | {meaning} |" for code, meaning in EXIT_CODES]
    for name, child in _subparsers(parser).items():
        sub = subcommands[name]
        lines += ["", f"## `roombench {name}`", "", _cell(sub.summary) + ".", ""]
        rows = _rows(child)
        if sub.passes_through:
            lines += ["Arguments it does not know go to the program behind it.", ""]
        if rows:
            lines += ["| option | meaning (default) |", "|---|---|", *rows]
        else:
            lines += ["No options of its own: `roombench locust --help` lists Locust's."]
    lines += ["", "## Deprecated spellings (one release, then errors)", ""]
    lines += ["| old | new |", "|---|---|"]
    lines += [f"| {old} | {new} |" for old, new in DEPRECATED]
    return "\n".join(lines) + "\n"
