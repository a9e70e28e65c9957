"""``roombench``: one command for everything the project does.

Each subcommand is the same code as its ``python -m`` form, which keeps
working: ``run``/``gate``/``gate-selfcheck`` are ``python -m loadtests``,
``report``/``summary`` (and ``gate --baseline``) are ``python -m reports``,
``bench`` is ``python -m bench``, ``locust`` is ``python -m loadtests.locust_launch``,
``worker`` is ``loadtests.orchestrate.external_workers``.
``roombench SUBCOMMAND --help`` shows a subcommand's options.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports.gate.exit_codes import EXIT_USAGE


@dataclass(frozen=True)
class Subcommand:
    """``module``'s ``main`` called with ``prefix`` + the user's arguments."""

    summary: str
    module: str
    prefix: tuple[str, ...]


SUBCOMMANDS: dict[str, Subcommand] = {
    "run": Subcommand(
        "run a scenario file's configurations; summary, results and HTML report",
        "loadtests.__main__",
        ("run",),
    ),
    "gate": Subcommand(
        "A/B regression gate, base and candidate interleaved (--baseline DIR: stored)",
        "loadtests.__main__",
        ("gate",),
    ),
    "gate-selfcheck": Subcommand(
        "measure the gate's false-positive rate and power on this machine",
        "loadtests.__main__",
        ("gate-selfcheck",),
    ),
    "capacity": Subcommand(
        "capacity at an SLO: step the load until it breaks (--axis rate|users|...)",
        "loadtests.capacity.__main__",
        (),
    ),
    "report": Subcommand(
        "build one self-contained HTML report from results",
        "reports.__main__",
        ("build",),
    ),
    "summary": Subcommand(
        "print the summary table of results folders or files", "reports.__main__", ("summary",)
    ),
    "locust": Subcommand(
        "Locust with roombench's locustfile (web UI on 127.0.0.1, --help lists --roombench-*)",
        "loadtests.locust_launch",
        (),
    ),
    "worker": Subcommand(
        "a Locust worker for a master elsewhere: --master HOST[:PORT] (many-host runs)",
        "loadtests.orchestrate.external_workers",
        (),
    ),
    "bench": Subcommand(
        "fan-out micro-benchmarks (pytest-benchmark) and their report",
        "bench.__main__",
        (),
    ),
}


def usage() -> str:
    width = max(len(name) for name in SUBCOMMANDS)
    lines = [
        "usage: roombench SUBCOMMAND [OPTIONS]",
        "",
        "Load-test and benchmark Socket.IO room messaging (fan-out latency, loss, capacity).",
        "",
        "subcommands:",
    ]
    lines += [f"  {name:<{width}}  {sub.summary}" for name, sub in SUBCOMMANDS.items()]
    lines += ["", "roombench SUBCOMMAND --help shows a subcommand's options."]
    return "\n".join(lines)


def _main_of(module: str) -> Callable[[list[str]], int]:
    imported = __import__(module, fromlist=["main"])
    main: Callable[[list[str]], int] = imported.main
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if args else EXIT_USAGE
    name, rest = args[0], args[1:]
    sub = SUBCOMMANDS.get(name)
    if sub is None:
        print(f"roombench: unknown subcommand {name!r}\n\n{usage()}", file=sys.stderr)
        return EXIT_USAGE
    if name == "gate" and "--baseline" in rest:
        return _main_of("reports.__main__")(["gate", *rest])
    return _main_of(sub.module)([*sub.prefix, *rest])


if __name__ == "__main__":
    sys.exit(main())
