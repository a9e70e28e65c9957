"""Which CPUs the servers and which the load generator may use on one host.

On one host the generator (Locust master and workers) and the servers
(target_app nodes, command servers, redis-server) compete for the same
cores unless they are kept apart; a slow second at the knee then belongs to
whichever process the scheduler favoured, and a capacity repeats by luck
(issue 22, measurement rule 11). The runner therefore pins every process it
starts to one of two disjoint CPU sets, with ``os.sched_setaffinity`` on each
of the process's threads right after it starts (its children and later
threads inherit the set).

The split is a ``CpuPlan``. ``--cpu-sets`` (or a scenario's ``cpu_sets``) asks
for one:

- ``auto`` (default): servers get ``min(server processes, CPUs // 2)`` CPUs, at
  least one, and the generator the rest. On 2 CPUs that is one each. On
  1 CPU both share it (the run works and is flagged ``shared_cpus``).
- ``servers=0,generator=1-3``: explicit sets (lists and ranges of CPU numbers).
- ``off``: no pinning: every process may run anywhere (flagged ``shared_cpus``).

A set naming a CPU this process may not use, or a plan leaving servers or the
generator without a CPU, is an ``InputError`` naming the option, raised before
anything starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from loadtests.model.machine import CpuSets
from loadtests.model.strict import InputError

AUTO = "auto"
OFF = "off"
ROLES = ("servers", "generator")


@dataclass(frozen=True)
class CpuPlan:
    """Disjoint (where possible) CPU sets; ``pinned`` False: nothing is pinned (``off``)."""

    servers: frozenset[int]
    generator: frozenset[int]
    source: str  # auto, explicit, off
    available: frozenset[int]
    pinned: bool = True

    @property
    def shared(self) -> bool:
        """True when a server and a generator process may run on the same CPU."""
        return not self.pinned or bool(self.servers & self.generator)

    def to_schema(self) -> CpuSets:
        """``machine.cpu_sets`` (docs/results-schema.md)."""
        return {
            "servers": sorted(self.servers),
            "generator": sorted(self.generator),
            "source": self.source,
            "available": sorted(self.available),
            "pinned": self.pinned,
            "shared": self.shared,
        }

    def shared_reason(self) -> str:
        """The ``shared_cpus`` flag's text ('' when the sets are disjoint)."""
        if not self.pinned:
            return "--cpu-sets off: servers and generator may run on any CPU"
        both = sorted(self.servers & self.generator)
        if not both:
            return ""
        return (
            f"servers and generator share CPU(s) {format_cpus(both)} "
            f"({len(self.available)} CPU(s) available)"
        )


def available_cpus() -> frozenset[int]:
    """The CPUs this process may run on."""
    return frozenset(os.sched_getaffinity(0))


def parse_cpus(text: str, option: str) -> frozenset[int]:
    """``0,2-3`` -> {0, 2, 3}; InputError naming ``option`` when it is not such a list."""
    cpus: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                low, high = (int(x) for x in part.split("-", 1))
                if low > high:
                    raise ValueError
                cpus.update(range(low, high + 1))
            else:
                cpus.add(int(part))
        except ValueError:
            raise InputError(
                f"{option}: {text!r} is not a CPU list; write e.g. 0 or 0,2 or 1-3"
            ) from None
    if any(c < 0 for c in cpus):
        raise InputError(f"{option}: {text!r} names a negative CPU")
    return frozenset(cpus)


def format_cpus(cpus: Iterable[int]) -> str:
    return ",".join(str(c) for c in sorted(cpus))


def auto_plan(available: frozenset[int], server_processes: int) -> CpuPlan:
    """Servers on the first ``min(server_processes, n // 2)`` CPUs (at least one), the
    generator on the rest; one CPU: both on it."""
    cpus = sorted(available)
    if not cpus:
        raise InputError("--cpu-sets: this process may run on no CPU at all")
    if len(cpus) == 1:
        only = frozenset(cpus)
        return CpuPlan(only, only, AUTO, available)
    servers = max(1, min(max(1, server_processes), len(cpus) // 2))
    return CpuPlan(frozenset(cpus[:servers]), frozenset(cpus[servers:]), AUTO, available)


def plan(
    text: str | None,
    server_processes: int,
    available: frozenset[int] | None = None,
    option: str = "--cpu-sets",
) -> CpuPlan:
    """The plan ``text`` asks for (None or ``auto``: ``auto_plan``); InputError on bad input."""
    have = available_cpus() if available is None else available
    spec = (text or AUTO).strip()
    if spec == AUTO:
        return auto_plan(have, server_processes)
    if spec == OFF:
        return CpuPlan(have, have, OFF, have, pinned=False)
    sets: dict[str, frozenset[int]] = {}
    for part in spec.split(";") if ";" in spec else _split_roles(spec):
        role, sep, cpus = part.partition("=")
        role = role.strip()
        if not sep or role not in ROLES:
            raise InputError(
                f"{option}: {part.strip()!r} is not ROLE=CPUS; write auto, off, or "
                "servers=0,generator=1 (roles: servers, generator)"
            )
        if role in sets:
            raise InputError(f"{option}: {role} is given twice")
        sets[role] = parse_cpus(cpus, f"{option} {role}")
    for role in ROLES:
        if not sets.get(role):
            raise InputError(f"{option}: {role} get no CPU; give both, e.g. servers=0,generator=1")
        missing = sets[role] - have
        if missing:
            raise InputError(
                f"{option}: {role} names CPU(s) {format_cpus(missing)} this machine does not "
                f"offer; available: {format_cpus(have)}"
            )
    return CpuPlan(sets["servers"], sets["generator"], "explicit", have)


def _split_roles(spec: str) -> list[str]:
    """``servers=0,1,generator=2-3`` -> [``servers=0,1``, ``generator=2-3``]."""
    parts: list[str] = []
    for piece in spec.split(","):
        if "=" in piece or not parts:
            parts.append(piece)
        else:
            parts[-1] += "," + piece
    return parts


def pin(pid: int, cpus: Iterable[int], proc: Path = Path("/proc")) -> int:
    """Set the affinity of every thread of ``pid`` to ``cpus``; how many threads were set.

    ``os.sched_setaffinity(pid)`` sets one thread (the one whose id is ``pid``);
    threads already running keep their own mask, so each is set. A thread that
    ended meanwhile is skipped.
    """
    wanted = set(cpus)
    try:
        tids = [int(t.name) for t in (proc / str(pid) / "task").iterdir()]
    except OSError:
        tids = [pid]
    done = 0
    for tid in tids:
        try:
            os.sched_setaffinity(tid, wanted)
            done += 1
        except (ProcessLookupError, PermissionError):
            continue
    return done


def allowed_list(pid: int, proc: Path = Path("/proc")) -> frozenset[int]:
    """``Cpus_allowed_list`` of ``/proc/PID/status``, parsed."""
    for line in (proc / str(pid) / "status").read_text().splitlines():
        if line.startswith("Cpus_allowed_list:"):
            return parse_cpus(line.split(":", 1)[1].strip(), "Cpus_allowed_list")
    raise ValueError(f"/proc/{pid}/status has no Cpus_allowed_list")
