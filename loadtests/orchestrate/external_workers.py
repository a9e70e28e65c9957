"""Locust workers started elsewhere: ``--external-workers K --master-bind ADDR[:PORT]``
on the runner, ``roombench worker --master HOST[:PORT]`` on each worker host.

The runner (``run``, ``gate``, ``capacity``) normally forks its Locust workers
on its own machine. With ``--external-workers K`` it starts Locust's master
alone, bound to ``ADDR`` (an address of this machine that the worker hosts can
reach; default port 5557), and waits up to ``--workers-timeout`` seconds
(default 60) for K workers to connect; each is ``roombench worker --master
ADDR:PORT`` on any host with this checkout and its virtualenv. A count that
never arrives ends that run with an error saying how many came and how to
start the rest; an address the machine does not have is refused before
anything starts. A capacity search starts a master for every step (or stepped
session) on the same address; its workers follow them with ``--master-timeout
S`` (``worker_loop``) and exit by themselves when the search is over.
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import psutil

from loadtests import strict
from loadtests.cluster.processes import ProcessError
from loadtests.interrupts import stop_on_interrupts
from loadtests.orchestrate import worker_loop

DEFAULT_MASTER_PORT = 5557  # Locust's own default
DEFAULT_WAIT_S = 60.0
MAX_WORKERS = 256
GAVE_UP = "Gave up waiting for workers to connect"  # Locust's master, when its wait ends
# Locust's master: "... reported as ready. 2 workers connected." as each arrives
_CONNECTED = re.compile(r"reported as ready\. (\d+) workers connected")


@dataclass(frozen=True)
class ExternalWorkers:
    """``count`` workers connect to the master at ``host``:``port``; it waits ``wait_s``."""

    count: int
    host: str
    port: int = DEFAULT_MASTER_PORT
    wait_s: float = DEFAULT_WAIT_S
    follow_s: float | None = None  # capacity: workers follow its masters (--master-timeout)

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def worker_command(self) -> str:
        """What to start on each worker host."""
        command = f"roombench worker --master {self.address}"
        return command if self.follow_s is None else f"{command} --master-timeout {self.follow_s:g}"

    def following(self, master_timeout_s: float) -> ExternalWorkers:
        """The same workers, asked to follow one master after another (a capacity search)."""
        return replace(self, follow_s=master_timeout_s)

    def locust_args(self) -> list[str]:
        """The master's Locust options: no local workers, wait for ``count`` of them."""
        return [
            "--master",
            "--expect-workers",
            str(self.count),
            "--expect-workers-max-wait",
            f"{self.wait_s:g}",
            "--master-bind-host",
            self.host,
            "--master-bind-port",
            str(self.port),
        ]

    def never_arrived(self, log_path: Path) -> str | None:
        """The error for a master that gave up waiting (from its log), else None."""
        try:
            text = log_path.read_text(errors="replace")
        except OSError:
            return None
        if GAVE_UP not in text:
            return None
        counts = _CONNECTED.findall(text)
        came = int(counts[-1]) if counts else 0
        return (
            f"--external-workers {self.count}: {came} of {self.count} worker(s) connected to "
            f"{self.address} within {self.wait_s:g} s (--workers-timeout); start each with "
            f"`{self.worker_command}` on a host that reaches it"
        )


def split_host_port(text: str, key: str, error: type[strict.InputError]) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT`` or ``[V6]:PORT`` -> (host, port), port 5557 by default."""
    host, port = text.strip(), DEFAULT_MASTER_PORT
    if host.startswith("["):
        inside, _, rest = host[1:].partition("]")
        host = inside
        if rest.startswith(":"):
            port = _port(rest[1:], key, error)
    elif host.count(":") == 1:
        host, raw = host.split(":")
        port = _port(raw, key, error)
    if not host:
        strict.fail(key, f"{text!r} has no host", "HOST or HOST:PORT", error)
    return host, port


def _port(raw: str, key: str, error: type[strict.InputError]) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        strict.fail(key, f"port {raw!r} is not a port number", "1..65535", error)
    return int(raw)


def machine_addresses() -> list[str]:
    """Every IP address of this machine's interfaces (in this network namespace)."""
    found = {
        addr.address.split("%")[0]
        for addrs in psutil.net_if_addrs().values()
        for addr in addrs
        if addr.family in (socket.AF_INET, socket.AF_INET6)
    }
    return sorted(found)


def check_bind(host: str, port: int, error: type[strict.InputError]) -> None:
    """Fail naming ``--master-bind`` unless ``host`` is this machine's and ``port`` is free."""
    addresses = machine_addresses()
    if host not in addresses:
        strict.fail(
            "--master-bind",
            f"{host} is not an address of this machine",
            ", ".join(addresses) + " (one the worker hosts can reach)",
            error,
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As ZeroMQ binds: connections of an earlier run in TIME_WAIT do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            strict.fail("--master-bind", f"{host}:{port}: {exc.strerror}", "a free port", error)


def from_args(
    count: int | None,
    bind: str | None,
    wait_s: float | None,
    error: type[strict.InputError],
) -> ExternalWorkers | None:
    """The options as given (None: local workers), checked before anything starts."""
    if count is None and bind is None:
        if wait_s is not None:
            strict.fail("--workers-timeout", "without --external-workers", "both", error)
        return None
    if count is None or bind is None:
        strict.fail(
            "--external-workers" if count is None else "--master-bind",
            "missing: --external-workers K and --master-bind ADDR[:PORT] go together",
            "both, or neither (local workers)",
            error,
        )
    strict.in_range(count, 1, MAX_WORKERS, "--external-workers", error)
    wait = DEFAULT_WAIT_S if wait_s is None else wait_s
    strict.in_range(wait, 1, 3600, "--workers-timeout", error)
    host, port = split_host_port(bind, "--master-bind", error)
    check_bind(host, port, error)
    return ExternalWorkers(count, host, port, wait)


def add_options(parser: argparse.ArgumentParser) -> None:
    """``--external-workers``, ``--master-bind`` and ``--workers-timeout`` on ``parser``."""
    parser.add_argument(
        "--external-workers",
        type=int,
        default=None,
        metavar="K",
        help="start no local Locust workers: wait for K started elsewhere with "
        "`roombench worker --master ADDR[:PORT]` (capacity: add --master-timeout 60, as it "
        "starts a master a step) (needs --master-bind)",
    )
    parser.add_argument(
        "--master-bind",
        default=None,
        metavar="ADDR[:PORT]",
        help=f"the Locust master's address for external workers (port {DEFAULT_MASTER_PORT})",
    )
    parser.add_argument(
        "--workers-timeout",
        type=float,
        default=None,
        metavar="S",
        help="how long a run (a capacity step) waits for its external workers "
        f"(default {DEFAULT_WAIT_S:g} s)",
    )


def worker_argv(master: str, rest: Sequence[str]) -> list[str]:
    """Locust's worker options for ``--master HOST[:PORT]`` (checked) and ``rest``."""
    host, port = split_host_port(master, "--master", strict.InputError)
    return ["--worker", "--master-host", host, "--master-port", str(port), *rest]


MAX_RUNS = 1000
DEFAULT_MASTER_TIMEOUT_S = 60.0  # what the runner suggests: a capacity search's gaps are seconds


def main(argv: Sequence[str] | None = None) -> int:
    """``roombench worker --master HOST[:PORT] [--runs N] [--master-timeout S] [LOCUST OPTIONS]``.

    A Locust worker exits when its master's run ends, and the runner starts a new
    master for every run: ``--runs N`` serves N runs in turn (a matrix's
    configurations and repeats), one worker process after another.
    ``--master-timeout S`` follows masters until none has listened at the address
    for S seconds (a capacity search, whose number of masters is not known), at
    most ``--runs`` of them (default then 1000): ``worker_loop``.
    """
    parser = argparse.ArgumentParser(
        prog="roombench worker",
        description="A Locust worker (roombench's locustfile) for a run whose master is "
        "elsewhere: `roombench run|gate|capacity ... --external-workers K --master-bind ADDR` "
        "there, or `locust --master` by hand. It takes no roombench options: the master sends "
        "the scenario. Other options go to Locust (e.g. --processes N: N workers).",
    )
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
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    try:
        locust_argv = worker_argv(args.master, rest)
        runs = args.runs if args.runs is not None else MAX_RUNS if args.master_timeout else 1
        strict.in_range(runs, 1, MAX_RUNS, "--runs", strict.InputError)
        if args.master_timeout is not None:
            strict.in_range(args.master_timeout, 1, 3600, "--master-timeout", strict.InputError)
    except strict.InputError as exc:
        print(f"roombench worker: {exc}", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "loadtests.locust_launch", *locust_argv]
    if args.master_timeout is not None:
        host, port = split_host_port(args.master, "--master", strict.InputError)
        stop_on_interrupts()  # SIGTERM too: the loop then stops its worker before it exits
        try:
            return worker_loop.serve(
                worker_loop.Follow(host, port, runs, args.master_timeout), command
            )
        except KeyboardInterrupt:
            return 130
    if runs == 1:
        from loadtests import locust_launch  # Locust patches the standard library on import

        return locust_launch.main(locust_argv)
    code = 0
    for _ in range(runs):  # each its own process: Locust's state is per process
        code = max(code, subprocess.run(command, check=False).returncode)
    return code


def failure(workers: ExternalWorkers | None, log_path: Path) -> ProcessError | None:
    """A ProcessError for external workers that never arrived, else None."""
    why = workers.never_arrived(log_path) if workers is not None else None
    return ProcessError(why) if why else None
