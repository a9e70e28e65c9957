"""``roombench worker --master HOST[:PORT]``: a Locust worker for a master on another host.

A Locust worker exits when its master's run ends, and the runner starts a new
master for every run: ``--runs N`` serves N runs in turn (a scenario's
configurations and repeats), one worker process after another.
``--master-timeout S`` follows masters until none has listened at the address
for S seconds (a capacity search, whose number of masters is not known), at
most ``--runs`` of them (default then 1000): ``orchestrate.worker_loop``. Options
it does not know go to Locust (e.g. ``--processes N``: N workers).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass

from loadtests.commands.locust import exec_locust
from loadtests.commands.subcommand import Subcommand
from loadtests.interrupts import stop_on_interrupts
from loadtests.model import strict
from loadtests.model.errors import InputError
from loadtests.model.exit_codes import EXIT_INTERRUPTED
from loadtests.orchestrate import worker_loop
from loadtests.orchestrate.external_workers import (
    DEFAULT_MASTER_PORT,
    split_host_port,
    worker_argv,
)

MAX_RUNS = 1000
DEFAULT_MASTER_TIMEOUT_S = 60.0  # what the runner suggests: a capacity search's gaps are seconds


@dataclass(frozen=True)
class WorkerCommand:
    master: str
    runs: int = 1
    master_timeout_s: float | None = None


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
        default=None,
        metavar="N",
        help="serve N runs one after another (default 1: the runner starts a master a run; "
        f"with --master-timeout, {MAX_RUNS})",
    )
    parser.add_argument(
        "--master-timeout",
        type=float,
        default=None,
        metavar="S",
        help="follow the runner's masters (a capacity search's steps) and exit by itself once "
        f"none has listened at --master for S seconds (e.g. {DEFAULT_MASTER_TIMEOUT_S:g})",
    )


def options(ns: argparse.Namespace) -> WorkerCommand:
    runs = ns.runs if ns.runs is not None else MAX_RUNS if ns.master_timeout else 1
    if not 1 <= runs <= MAX_RUNS:
        raise InputError(f"--runs: {runs} is out of range; allowed: 1..{MAX_RUNS}")
    if ns.master_timeout is not None:
        strict.in_range(ns.master_timeout, 1, 3600, "--master-timeout", InputError)
    return WorkerCommand(ns.master, runs, ns.master_timeout)


def execute(command: WorkerCommand, extra: list[str]) -> int:
    locust_argv = worker_argv(command.master, extra)
    if command.master_timeout_s is not None:
        host, port = split_host_port(command.master, "--master", InputError)
        child = [sys.executable, "-m", "loadtests.locust_launch", *locust_argv]
        stop_on_interrupts()  # SIGTERM too: the loop then stops its worker before it exits
        try:
            return worker_loop.serve(
                worker_loop.Follow(host, port, command.runs, command.master_timeout_s), child
            )
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
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
        "`roombench run|gate|capacity ... --external-workers K --master-bind ADDR` there\n"
        "(for capacity, add --master-timeout S here), or `locust --master` by hand.\n"
        "It takes no roombench options: the master sends the scenario.\n"
        "Other options go to Locust (e.g. --processes N: N workers)."
    ),
    add_arguments=add_arguments,
    options=options,
    execute=execute,
    passes_through=True,
)
