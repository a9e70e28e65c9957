"""``roombench``: one command for everything the project does, one argparse tree.

Each subcommand is a module of ``loadtests/commands/`` (``SUBCOMMANDS``): its
options (shared groups from ``commands/options.py`` plus its own), a frozen
options dataclass built from them here at the edge, and a function of those
options returning an exit code (``loadtests.model.exit_codes``). Every input
error, wherever it is raised, becomes ``roombench SUBCOMMAND: error: ...`` and
exit code 2 here; Ctrl-C and SIGTERM become 130, after every process started
was stopped. ``roombench SUBCOMMAND --help`` shows a subcommand's options.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
from collections.abc import Sequence

from loadtests.cluster.processes import ProcessError
from loadtests.commands import bench, capacity, gate, locust, report, run, selfcheck, worker
from loadtests.commands.options import NEXT_RELEASE
from loadtests.commands.subcommand import Subcommand
from loadtests.interrupts import stop_on_interrupts
from loadtests.model.errors import InputError
from loadtests.model.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE

SUBCOMMANDS: dict[str, Subcommand] = {
    sub.name: sub
    for sub in (
        run.SUBCOMMAND,
        gate.SUBCOMMAND,
        selfcheck.SUBCOMMAND,
        capacity.SUBCOMMAND,
        report.REPORT,
        report.SUMMARY,
        locust.SUBCOMMAND,
        worker.SUBCOMMAND,
        bench.SUBCOMMAND,
    )
}
DESCRIPTION = "Load-test and benchmark Socket.IO room messaging (fan-out latency, loss, capacity)."
EPILOG = """exit codes: 0 done (gate: pass), 1 failed (gate: regression), 2 usage error,
3 inconclusive (gate), 130 interrupted. roombench SUBCOMMAND --help shows its options."""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """The descriptions as written; help within 120 columns, each subcommand on its line."""

    def __init__(self, prog: str) -> None:
        width = min(120, shutil.get_terminal_size((120, 24)).columns)
        super().__init__(prog, max_help_position=30, width=width)
        # argparse measures subcommand names one indent short: room for "gate-selfcheck"
        self._action_max_length = 20


def build_parser() -> argparse.ArgumentParser:
    """The whole tree: ``roombench`` and one subparser a subcommand (``prog`` "roombench NAME")."""
    parser = argparse.ArgumentParser(
        prog="roombench",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    subparsers = parser.add_subparsers(
        title="subcommands", dest="subcommand", metavar="SUBCOMMAND", required=True
    )
    for sub in SUBCOMMANDS.values():
        child = subparsers.add_parser(
            sub.name,
            help=sub.summary,
            description=sub.description,
            formatter_class=_Formatter,
            add_help=sub.add_help,
        )
        sub.add_arguments(child)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args:
        parser.print_usage(sys.stderr)
        print(
            "roombench: error: a subcommand is required (roombench --help lists them)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not args[0].startswith("-") and args[0] not in SUBCOMMANDS:
        parser.print_usage(sys.stderr)
        print(
            f"roombench: error: unknown subcommand {args[0]!r} (roombench --help lists them)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        ns, extra = parser.parse_known_args(args)
    except SystemExit as exc:  # --help (0) or argparse's own usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    sub = SUBCOMMANDS[ns.subcommand]
    if extra and not sub.passes_through:
        print(
            f"roombench {sub.name}: error: unrecognized arguments: {' '.join(extra)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    ns.command_line = ("roombench", *args)  # for the run manifest (run.json's "command")
    stop_on_interrupts()
    try:
        return sub.execute(sub.options(ns), extra)
    except InputError as exc:  # the one input error, raised anywhere below
        print(f"roombench {sub.name}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProcessError as exc:  # a run that cannot complete (the gate fails too)
        print(f"roombench {sub.name}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\ninterrupted: every process started was stopped", file=sys.stderr)
        return EXIT_INTERRUPTED


REPORTS_NAMES = {"build": "report"}  # python -m reports NAME -> roombench NAME


def alias(spelling: str, prefix: Sequence[str], argv: Sequence[str] | None = None) -> int:
    """``python -m SPELLING ARGS``, kept for one release: its line, then ``roombench PREFIX ARGS``.

    ``python -m loadtests ARGS`` = ``roombench ARGS``; ``python -m reports
    build|summary|gate ARGS`` = ``roombench report|summary|gate ARGS``; ``python -m
    bench ARGS`` = ``roombench bench ARGS``; ``python -m loadtests.capacity ARGS`` =
    ``roombench capacity ARGS`` (README, "Layout").
    """
    print(f"python -m {spelling} is roombench now; this spelling {NEXT_RELEASE}", file=sys.stderr)
    args = list(sys.argv[1:] if argv is None else argv)
    if spelling == "reports" and args:
        args[0] = REPORTS_NAMES.get(args[0], args[0])
        if args[0] == "gate" and _runs_ab(args):
            # `python -m reports gate` only ever judged stored results: never start runs.
            print(
                "roombench gate: error: --baseline BASE... is required (python -m reports "
                "gate judges stored results)",
                file=sys.stderr,
            )
            return EXIT_USAGE
    return main([*prefix, *args])


def _runs_ab(args: list[str]) -> bool:
    """Whether ``roombench ARGS`` is the A/B gate (no ``--baseline`` parsed)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            ns, _extra = build_parser().parse_known_args(args)
    except SystemExit:
        return False  # --help, or a usage error: main prints them
    return ns.baseline is None


if __name__ == "__main__":
    sys.exit(main())
