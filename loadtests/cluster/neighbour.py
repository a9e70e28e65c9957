"""A deliberate CPU-bound neighbour on the servers' CPUs: does the speed probe predict?

Issue 22 asks for proof that a capacity divided by the machine's speed index
(``measure/speed.py``) travels between machines: that the normalised capacity
agrees where the raw one does not. Two machines of different speed are one
way; a neighbour that takes part of the node's CPU is another, on one machine.
``roombench capacity --cpu-neighbour`` starts one busy loop per server CPU,
each pinned to the servers' CPU set, before a search's first speed probe, and
stops it (by its process group) after the last. The servers then get a share of
their CPUs (about half, one loop beside one node), as on a slower machine, and the
probes, pinned to the
same set, see the same share. (With redis-server or more nodes on the servers'
CPUs, the node's share is smaller still: the probe sees what is left.)

The neighbour is the run's own process (a child of the runner), so the noise
accounting (``measure/machine_noise.py``) does not count it as load from
outside, and a failing window is decided on as the node's. That is the
experiment, and it is said everywhere the answer is shown: every window of
such a search carries the flag ``cpu_neighbour``, the capacity entry its
``neighbour`` object, and the terminal and page name it beside the
configuration. Such a capacity is the node's on a shared core; compare it with
others only normalised.

Bounded: each loop ends by itself after ``--seconds`` (an hour, longer than any
search of capacity.toml) or as soon as the process that started it is gone. The
runner waits until each loop says it spins before the first probe, and records
whether every loop was still running when it stopped them (``ran_to_end``).

Run it alone: ``python -m loadtests.cluster.neighbour --seconds 60``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from loadtests.cluster.cpusets import CpuPlan, format_cpus
from loadtests.cluster.processes import ManagedProcess, ProcessError
from loadtests.model.capacity import Neighbour
from loadtests.model.strict import InputError

FLAG = "cpu_neighbour"
# A search of capacity.toml takes 3-6 min; a loop outlives no search by more than this.
DEFAULT_SECONDS = 3600.0
CHECK_EVERY = 200_000  # loop turns between looks at the clock and the parent (a few ms)
SPINNING = "spinning"  # the loop's first line: the runner waits for it
START_TIMEOUT_S = 10.0


def spin(seconds: float, parent: int) -> int:
    """Burn CPU until ``seconds`` pass or ``parent`` is no longer this process's parent;
    the number of checks made (at least one)."""
    deadline = time.monotonic() + seconds
    checks = 0
    while True:
        for _ in range(CHECK_EVERY):
            pass
        checks += 1
        if time.monotonic() >= deadline or os.getppid() != parent:
            return checks


def check_plan(plan: CpuPlan) -> None:
    """InputError unless the servers are pinned to CPUs of their own: a neighbour
    must share the node's CPU, not the generator's."""
    if not plan.pinned or plan.shared:
        raise InputError(
            "--cpu-neighbour needs servers and generator on disjoint CPU sets (--cpu-sets "
            f"auto or servers=...,generator=...), not {plan.source!r} on "
            f"{len(plan.available)} CPU(s): the neighbour would slow the generator too"
        )


def flag_text(cpus: Iterable[int]) -> str:
    return (
        f"a CPU-bound neighbour ran on the servers' CPU(s) {format_cpus(cpus)} "
        "(--cpu-neighbour, an experiment): the node had about half a core; compare "
        "capacities normalised"
    )


@contextmanager
def running(plan: CpuPlan, log_dir: Path, seconds: float = DEFAULT_SECONDS) -> Iterator[Neighbour]:
    """One busy loop per server CPU, pinned to the servers' set, while the block runs."""
    check_plan(plan)
    argv = [
        sys.executable, "-m", "loadtests.cluster.neighbour",
        "--seconds", f"{seconds:g}", "--parent", str(os.getpid()),
    ]  # fmt: skip
    with ExitStack() as stack:
        loops: list[ManagedProcess] = []
        for index in range(len(plan.servers)):
            log = log_dir / f"neighbour-{index}.log"
            loop = ManagedProcess(f"cpu-neighbour-{index}", argv, log)
            loop.cpus = plan.servers
            stack.callback(loop.stop)
            loops.append(loop.start())
        for loop in loops:
            _wait_spinning(loop)
        near: Neighbour = {
            "cpus": sorted(plan.servers),
            "processes": len(loops),
            "pids": [loop.pid for loop in loops],
        }
        try:
            yield near
        finally:
            near["ran_to_end"] = all(loop.alive() for loop in loops)


def _wait_spinning(loop: ManagedProcess, timeout_s: float = START_TIMEOUT_S) -> None:
    """Return once ``loop`` has written its first line; ProcessError if it ends or is slow."""
    deadline = time.monotonic() + timeout_s
    while SPINNING not in _read(loop.log_path):
        if not loop.alive() or time.monotonic() > deadline:
            raise ProcessError(
                f"{loop.name} did not start spinning within {timeout_s:g} s; see {loop.log_path}"
            )
        time.sleep(0.02)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.cluster.neighbour",
        description="Burn one CPU until --seconds pass or --parent is gone.",
    )
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    parser.add_argument("--parent", type=int, default=os.getppid())
    ns = parser.parse_args(argv)
    if not 0 < ns.seconds <= 24 * 3600:
        parser.error(f"--seconds: {ns.seconds:g} is out of range; allowed: above 0, at most 86400")
    print(SPINNING, flush=True)
    spin(ns.seconds, ns.parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
