"""What a configuration's search may ask for, checked before anything starts.

A plan that cannot run is a clear error that names the value and the limit
(``generator_processes``: the scenario's count, 1 for "auto", which the
ceiling then errs on the safe side of):
a first step with more users than the reference server's ``--max-connections``
allows across its nodes, or a per-sender rate beyond what the send schedule
takes. Above the first step, the same limits (and the ephemeral ports and file
descriptors of this machine) are the search's *ceiling*: it climbs no higher,
and a configuration that never failed below it is reported "at least" the
ceiling, naming the limit that bound, instead of stepping into connect errors
that would look like the server's capacity.
"""

from __future__ import annotations

import resource
from pathlib import Path

from loadtests.capacity.axes import Axis
from loadtests.model.load import MAX_RATE_PER_SENDER_PER_S, Load
from loadtests.model.strict import InputError
from loadtests.orchestrate.config_spec import ConfigSpec, ReferenceServer
from loadtests.orchestrate.scenario_file import Scenario
from target_app.config import ServerConfig

PORT_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
FDS_KEPT = 100  # descriptors a process needs besides its connections


class PlanError(InputError):
    """A search that cannot run as asked; the message names the value and the limit."""


def fixed_processes(matrix: Scenario) -> int:
    """The scenario's generator worker processes; 1 for "auto" (the fewest it picks)."""
    n = matrix.generator_processes
    return max(1, n) if isinstance(n, int) else 1


def server_connection_cap(config: ConfigSpec) -> int | None:
    """Connections the reference server accepts per node (``--max-connections``), or None."""
    if not isinstance(config, ReferenceServer) or config.async_mode != "eventlet":
        return None  # gevent and threading have no cap; a foreign server's is unknown
    args = list(config.target_app_args())
    for flag, value in zip(args, args[1:], strict=False):
        if flag == "--max-connections":
            return int(value)
    return ServerConfig().max_connections


def ephemeral_ports() -> int | None:
    """Local ports one client address can use towards one server port."""
    try:
        low, high = (int(x) for x in PORT_RANGE.read_text().split())
    except (OSError, ValueError):
        return None
    return high - low + 1


def connection_ceiling(config: ConfigSpec, generator_processes: int = 1) -> tuple[int, str]:
    """The most users the machine and the server let one search connect, and which limit.

    Every connection costs a descriptor on both sides: in its node's process and in
    the generator process that holds the user (``generator_processes`` of them).
    """
    nodes = max(1, config.nodes)
    processes = max(1, generator_processes)
    limits: list[tuple[int, str]] = []
    cap = server_connection_cap(config)
    if cap is not None:
        limits.append((cap * nodes, f"the server's --max-connections {cap:,} per node"))
    ports = ephemeral_ports()
    if ports is not None:
        limits.append((ports * nodes, f"{ports:,} ephemeral ports per node address"))
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY:
        limits.append(((hard - FDS_KEPT) * nodes, f"RLIMIT_NOFILE {hard:,} per node process"))
        limits.append(
            (
                (hard - FDS_KEPT) * processes,
                f"RLIMIT_NOFILE {hard:,} per generator process ({processes})",
            )
        )
    return min(limits) if limits else (10_000_000, "no limit known")


def ceiling(
    axis: Axis, base: Load, config: ConfigSpec, generator_processes: int = 1
) -> tuple[float | None, str]:
    """The highest load this axis can offer ``config``, and what binds it (None: no ceiling)."""
    if axis.name == "rate":
        top = base.senders * MAX_RATE_PER_SENDER_PER_S * base.room_size
        return top, f"{MAX_RATE_PER_SENDER_PER_S:,} messages/s per sender, the schedule's most"
    if axis.name in ("users", "connections"):
        users, why = connection_ceiling(config, generator_processes)
        return float(users), why
    return None, ""


def check_plan(
    axis: Axis, base: Load, config: ConfigSpec, start: float, generator_processes: int = 1
) -> None:
    """PlanError if ``config``'s first step cannot run."""
    first = axis.scenario(base, start)
    users, why = connection_ceiling(config, generator_processes)
    if first.users > users:
        raise PlanError(
            f"{config.name}: the first step has {first.users:,} users, more than {why} "
            f"allows ({users:,}); lower the scenario's users or --start"
        )
    if axis.name == "rate":
        top, why = ceiling(axis, base, config, generator_processes)
        if top is not None and start > top:
            raise PlanError(
                f"{config.name}: a first step of {start:,.0f} deliveries/s needs more than "
                f"{why} ({top:,.0f} deliveries/s with {base.senders} senders); add senders "
                "or lower --start"
            )
