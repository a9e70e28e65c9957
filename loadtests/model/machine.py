"""The results' machine description (docs/results-schema.md, "The machine"): where a run
ran, how fast that machine was, which CPUs each side had, and what else used them.

Written by ``loadtests.measure.document`` (cores, model), ``loadtests.measure.speed``,
``loadtests.cluster.cpusets`` and ``loadtests.measure.machine_noise``; the capacity
document carries ``speed`` and ``cpu_sets`` in the same shapes.
"""

# No ``from __future__ import annotations``: TypedDict must see ``NotRequired`` itself.
from typing import NotRequired, TypedDict


class SpeedProbe(TypedDict):
    """One machine speed probe (``loadtests.measure.speed``): index = reference / median time."""

    index: float  # above 1: faster than the reference machine
    index_low: float  # the slowest repeat's index
    index_high: float  # the fastest repeat's index
    spread: float  # (slowest - fastest) / median time
    median_s: float
    repeats: int
    reference_s: float
    reference: str  # how the reference was fixed
    when: NotRequired[str]  # before, after, step N
    cpus: NotRequired[list[int]]  # the CPUs it was pinned to (the servers')


class MachineSpeed(TypedDict):
    """``machine.speed``: the probes of one run combined (median index, widest range)."""

    index: float
    index_low: float
    index_high: float
    spread: float
    reference_s: float
    reference: str
    probes: list[SpeedProbe]


class CpuSets(TypedDict):
    """``machine.cpu_sets`` (``loadtests.cluster.cpusets``)."""

    servers: list[int]
    generator: list[int]
    source: str  # auto, explicit, off
    available: list[int]
    pinned: bool
    shared: bool  # a server and a generator process may share a CPU (flag shared_cpus)


class Machine(TypedDict):
    """``machine``: the host that ran the configuration."""

    cores: int | None
    cpu_model: str | None
    memory_bytes: int
    platform: str
    speed: NotRequired[MachineSpeed | None]  # None: no probe ran (a run without servers)
    cpu_sets: NotRequired[CpuSets]


class NoiseThreshold(TypedDict):
    mean_percent: float
    second_percent: float
    seconds_share: float


class Noise(TypedDict):
    """``noise``: CPU outside the run and steal, each second of the window, % of one core."""

    t_s: list[float]
    outside_cpu_percent: list[float]
    steal_percent: list[float]
    outside_cpu_percent_mean: float
    outside_cpu_percent_max: float
    steal_percent_mean: float
    noisy_seconds: int
    seconds: int
    threshold: NoiseThreshold
