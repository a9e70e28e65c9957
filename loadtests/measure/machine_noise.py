"""What else used the machine while a run measured: CPU outside the run, and steal.

Measurement rule 11: on a shared host a window can be slow because something
else ran. Every second this watcher reads the host's CPU time from
``/proc/stat`` (user + nice + system, and steal) and the CPU time of the run's
own processes -- the runner and every process below it (nodes, redis-server,
Locust master and workers, whatever they forked), including descendants
already reaped (their time moves into the parent's ``children_*`` times) --
and records the difference: CPU that processes *outside* the run used.

Interrupt and softirq time are left out of the host's busy time on purpose:
loopback networking is processed as softirq on behalf of the run itself,
and the kernel does not charge it to the process, so counting it would make
every busy run look disturbed.

A window is ``noisy_machine`` when, over the window, outside CPU plus steal
averaged more than ``NOISY_MEAN_PERCENT`` of one core, or when more than
``NOISY_SECONDS_SHARE`` of its seconds had more than ``NOISY_SECOND_PERCENT``.
All percentages are of one core (100 = one core fully used).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from loadtests.model.machine import Noise
from loadtests.periodic import Periodic

NOISY_MEAN_PERCENT = 10.0
NOISY_SECOND_PERCENT = 50.0
NOISY_SECONDS_SHARE = 0.10
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class HostCpu:
    """Cumulative host CPU seconds (all CPUs): ``busy`` = user + nice + system; ``steal``."""

    busy_s: float
    steal_s: float


def parse_proc_stat(text: str, clk_tck: int = CLK_TCK) -> HostCpu:
    """The ``cpu`` line of ``/proc/stat`` (user nice system idle iowait irq softirq steal ...)."""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            values = [int(v) for v in fields[1:]]
            values += [0] * (8 - len(values))
            user, nice, system = values[0], values[1], values[2]
            return HostCpu((user + nice + system) / clk_tck, values[7] / clk_tck)
    raise ValueError("no aggregate 'cpu' line in /proc/stat text")


def tree_cpu_s(root_pid: int) -> float:
    """CPU seconds of ``root_pid`` and all its descendants, reaped ones included."""
    try:
        root = psutil.Process(root_pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


@dataclass(frozen=True)
class NoiseSample:
    t_ns: int
    host: HostCpu
    run_cpu_s: float


def per_second(samples: list[NoiseSample]) -> list[dict[str, float]]:
    """Each interval's outside CPU and steal, % of one core (outside never below 0)."""
    rows = []
    for a, b in zip(samples, samples[1:], strict=False):
        elapsed_s = (b.t_ns - a.t_ns) / 1e9
        if elapsed_s <= 0:
            continue
        host_s = b.host.busy_s - a.host.busy_s
        run_s = b.run_cpu_s - a.run_cpu_s
        rows.append(
            {
                "t_ns": b.t_ns,
                "outside": max(0.0, 100.0 * (host_s - run_s) / elapsed_s),
                "steal": max(0.0, 100.0 * (b.host.steal_s - a.host.steal_s) / elapsed_s),
            }
        )
    return rows


def summarise(samples: list[NoiseSample], start_ns: int, end_ns: int) -> Noise | None:
    """The results' ``noise`` object over the window (None: fewer than two samples in it)."""
    inside = [s for s in samples if start_ns <= s.t_ns <= end_ns]
    # The last sample at or before the window's start opens its first interval.
    before = [s for s in samples if s.t_ns < start_ns]
    if before and (not inside or inside[0].t_ns > start_ns):
        inside = [before[-1], *inside]
    rows = per_second(inside)
    if not rows:
        return None
    outside = [r["outside"] for r in rows]
    steal = [r["steal"] for r in rows]
    both = [o + s for o, s in zip(outside, steal, strict=True)]
    noisy_seconds = sum(1 for v in both if v > NOISY_SECOND_PERCENT)
    return {
        "t_s": [round((r["t_ns"] - start_ns) / 1e9, 3) for r in rows],
        "outside_cpu_percent": [round(v, 1) for v in outside],
        "steal_percent": [round(v, 1) for v in steal],
        "outside_cpu_percent_mean": round(sum(outside) / len(outside), 1),
        "outside_cpu_percent_max": round(max(outside), 1),
        "steal_percent_mean": round(sum(steal) / len(steal), 1),
        "noisy_seconds": noisy_seconds,
        "seconds": len(rows),
        "threshold": {
            "mean_percent": NOISY_MEAN_PERCENT,
            "second_percent": NOISY_SECOND_PERCENT,
            "seconds_share": NOISY_SECONDS_SHARE,
        },
    }


def noisy_reason(noise: Noise | None) -> str:
    """The ``noisy_machine`` flag's text for a ``noise`` object ('' when quiet)."""
    if not noise or not noise["seconds"]:
        return ""
    mean = noise["outside_cpu_percent_mean"] + noise["steal_percent_mean"]
    share = noise["noisy_seconds"] / noise["seconds"]
    if mean <= NOISY_MEAN_PERCENT and share <= NOISY_SECONDS_SHARE:
        return ""
    return (
        f"other processes and steal used {mean:.0f} % of a core on average "
        f"(outside {noise['outside_cpu_percent_mean']:.0f} %, max "
        f"{noise['outside_cpu_percent_max']:.0f} %; steal {noise['steal_percent_mean']:.0f} %); "
        f"{noise['noisy_seconds']} of {noise['seconds']} s above {NOISY_SECOND_PERCENT:.0f} % "
        f"(threshold: mean {NOISY_MEAN_PERCENT:.0f} %)"
    )


@dataclass
class NoiseWatch(Periodic):
    """Samples ``/proc/stat`` and the run's process tree (rooted at ``root_pid``) each second."""

    root_pid: int = field(default_factory=os.getpid)
    proc: Path = Path("/proc")
    samples: list[NoiseSample] = field(default_factory=list)

    name = "roombench-noise"

    def __post_init__(self) -> None:
        super().__init__(1.0)
        self._lock = threading.Lock()

    def tick(self) -> None:
        try:
            host = parse_proc_stat((self.proc / "stat").read_text())
        except (OSError, ValueError):
            return  # no /proc (not Linux): nothing is recorded
        sample = NoiseSample(time.time_ns(), host, tree_cpu_s(self.root_pid))
        with self._lock:
            self.samples.append(sample)

    def summary(self, start_ns: int, end_ns: int) -> Noise | None:
        with self._lock:
            samples = list(self.samples)
        return summarise(samples, start_ns, end_ns)

    def start(self) -> NoiseWatch:
        self.start_thread()
        return self

    def stop(self) -> None:
        self.stop_thread()
