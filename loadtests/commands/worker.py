"""``roombench worker --master HOST[:PORT]``: a Locust worker for a master on another host.

A Locust worker exits when its master's run ends, and the runner starts a new
master for every run: ``--runs N`` serves N runs in turn (a matrix's
configurations and repeats), one worker process after another. Options it does
not know go to Locust (e.g. ``--processes N``: N workers).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass

from loadtests.commands.locust import exec_locust
from loadtests.commands.subcommand import Subcommand
from loadtests.model.errors import InputError
from loadtests.orchestrate.external_workers import DEFAULT_MASTER_PORT, worker_argv

MAX_RUNS = 1000


@dataclass(frozen=True)
class WorkerCommand:
    master: str
    runs: int = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--master",
        required=True,
        metavar="HOST[:PORT]",
        help=f"the master's address (port {DEFAULT_MASTER_PORT} when left out)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        metavar="N",
        help="serve N runs one after another (default 1: the runner starts a master a run)",
    )


def options(ns: argparse.Namespace) -> WorkerCommand:
    if not 1 <= ns.runs <= MAX_RUNS:
        raise InputError(f"--runs: {ns.runs} is out of range; allowed: 1..{MAX_RUNS}")
    return WorkerCommand(ns.master, ns.runs)


def execute(command: WorkerCommand, extra: list[str]) -> int:
    locust_argv = worker_argv(command.master, extra)
    if command.runs == 1:
        exec_locust(locust_argv)
    code = 0
    for _ in range(command.runs):  # each its own process: Locust's state is per process
        child = [sys.executable, "-m", "loadtests.locust_launch", *locust_argv]
        code = max(code, subprocess.run(child, check=False).returncode)
    return code


SUBCOMMAND = Subcommand(
    name="worker",
    summary="a Locust worker for a master elsewhere: --master HOST[:PORT] (many-host runs)",
    description=(
        "A Locust worker (roombench's locustfile) for a run whose master is elsewhere:\n"
        "`roombench run ... --external-workers K --master-bind ADDR` there, or `locust\n"
        "--master` by hand. It takes no roombench options: the master sends the scenario.\n"
        "Other options go to Locust (e.g. --processes N: N workers)."
    ),
    add_arguments=add_arguments,
    options=options,
    execute=execute,
    passes_through=True,
)
