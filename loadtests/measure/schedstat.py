"""Run-queue wait: how long a process waited for a CPU (Linux ``/proc/PID/schedstat``).

CPU use alone cannot show a starved process: on 2 shared cores a generator
may use only 40 % of a core because it spends the rest *waiting* for one.
The kernel's schedstat line is ``<on-cpu ns> <run-queue wait ns> <timeslices>``
for a task; for a process we sum its threads (``/proc/PID/task/*/schedstat``),
as greenlets share one thread but a node in threading mode has many.
Measurement rule 6 (docs/measurement.md).
"""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def parse(line: str) -> tuple[int, int]:
    """``(on_cpu_ns, wait_ns)`` from one schedstat line; ValueError if it is not one."""
    fields = line.split()
    if len(fields) < 2:
        raise ValueError(f"not a schedstat line: {line!r}")
    return int(fields[0]), int(fields[1])


def wait_ns(pid: int, proc: Path = PROC) -> int | None:
    """Cumulative run-queue wait of every thread of ``pid`` (None: not available)."""
    total = 0
    found = False
    try:
        tasks = list((proc / str(pid) / "task").iterdir())
    except OSError:
        tasks = []
    for task in tasks:
        try:
            total += parse((task / "schedstat").read_text())[1]
            found = True
        except (OSError, ValueError):
            continue  # a thread that ended between listing and reading
    if found:
        return total
    try:
        return parse((proc / str(pid) / "schedstat").read_text())[1]
    except (OSError, ValueError):
        return None


def host_cpu(proc: Path = PROC) -> dict[str, float]:
    """Host-wide cumulative CPU jiffies (``/proc/stat`` first line): total and steal."""
    fields = (proc / "stat").read_text().splitlines()[0].split()
    values = [int(v) for v in fields[1:]]
    steal = values[7] if len(values) > 7 else 0
    return {"total": float(sum(values[:8])), "steal": float(steal)}


def load_average(proc: Path = PROC) -> float:
    """The host's 1-minute load average."""
    return float((proc / "loadavg").read_text().split()[0])
