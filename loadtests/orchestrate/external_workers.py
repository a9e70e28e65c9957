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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import psutil

from loadtests.cluster.processes import ProcessError
from loadtests.model import strict

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


def failure(workers: ExternalWorkers | None, log_path: Path) -> ProcessError | None:
    """A ProcessError for external workers that never arrived, else None."""
    why = workers.never_arrived(log_path) if workers is not None else None
    return ProcessError(why) if why else None
