"""``roombench locust``: Locust with roombench's locustfile, on loopback (``locust_launch``).

Every argument goes to Locust's own parser (``--help`` lists its options and
the locustfile's ``--roombench-*``); this subcommand adds the usage line. Locust
runs in this process, re-executed as ``python -m loadtests.locust_launch``: gevent
must patch the standard library before anything imports ``ssl``, and the tree has.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from loadtests import locust_launch
from loadtests.commands.subcommand import Subcommand

USAGE = "usage: roombench locust [LOCUST OPTIONS] (Locust's own options and --roombench-*, below)"


def add_arguments(_parser: argparse.ArgumentParser) -> None:
    """None of its own: Locust parses them."""


def options(_ns: argparse.Namespace) -> None:
    return None


def exec_locust(args: list[str]) -> NoReturn:
    """Replace this process with ``python -m loadtests.locust_launch ARGS`` (same pid)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "loadtests.locust_launch", *args])


def execute(_command: None, extra: list[str]) -> int:
    if any(a in locust_launch.HELP for a in extra):
        print(USAGE + "\n", flush=True)
    exec_locust(extra)


SUBCOMMAND = Subcommand(
    name="locust",
    summary="Locust with roombench's locustfile (web UI on 127.0.0.1, --help lists --roombench-*)",
    description=__doc__ or "",
    add_arguments=add_arguments,
    options=options,
    execute=execute,
    passes_through=True,
    add_help=False,
)
