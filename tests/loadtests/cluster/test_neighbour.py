"""``--cpu-neighbour``: a busy loop pinned beside the node, counted as the run's own, gone after."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loadtests.cluster import cpusets, neighbour
from loadtests.cluster.processes import ManagedProcess, ProcessError
from loadtests.measure.machine_noise import tree_cpu_s
from loadtests.model.capacity import ConfigEntry, Neighbour, label
from loadtests.model.strict import InputError
from reports.capacity_machine import rows

REPO = Path(__file__).resolve().parents[3]
CPUS = sorted(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    ("text", "available"),
    [("off", {0, 1}), (None, {0}), ("servers=0,generator=0-1", {0, 1})],
)
def test_a_neighbour_needs_the_servers_on_cpus_of_their_own(
    text: str | None, available: set[int]
) -> None:
    plan = cpusets.plan(text, 1, frozenset(available))
    with pytest.raises(InputError, match="--cpu-neighbour needs servers and generator on disjoint"):
        neighbour.check_plan(plan)


def test_a_disjoint_plan_takes_a_neighbour() -> None:
    neighbour.check_plan(cpusets.plan(None, 1, frozenset({0, 1})))


@pytest.mark.skipif(len(CPUS) < 2, reason="a disjoint plan needs 2 CPUs")
def test_the_loop_runs_pinned_to_the_servers_as_the_runs_own_process_and_stops(
    tmp_path: Path,
) -> None:
    plan = cpusets.CpuPlan(frozenset(CPUS[:1]), frozenset(CPUS[1:]), "explicit", frozenset(CPUS))
    before = tree_cpu_s(os.getpid())
    with neighbour.running(plan, tmp_path, seconds=30) as near:
        assert near["cpus"] == CPUS[:1] and near["processes"] == 1
        [pid] = near["pids"]
        assert cpusets.allowed_list(pid) == plan.servers
        time.sleep(0.5)
        # It burns CPU, and that CPU is the run's (a descendant), not noise from outside.
        assert tree_cpu_s(os.getpid()) - before > 0.2
    assert near["ran_to_end"] is True
    assert not Path(f"/proc/{pid}").exists()  # stopped and reaped


def test_the_loop_ends_by_itself_when_its_time_is_up() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loadtests.cluster.neighbour", "--seconds", "0.2"],
        cwd=REPO,
        timeout=30,
    )
    assert done.returncode == 0


def test_a_bad_duration_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loadtests.cluster.neighbour", "--seconds", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "--seconds: 0 is out of range" in done.stderr


def test_capacity_refuses_a_neighbour_on_unpinned_cpus_before_anything_starts() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loadtests.cli", "capacity", "--cpu-neighbour", "--cpu-sets", "off"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--cpu-neighbour needs servers and generator on disjoint" in done.stderr
    assert "step" not in done.stdout


def _entry(near: Neighbour) -> ConfigEntry:
    """A capacity entry of a pinned search on 2 CPUs with ``near`` as its neighbour."""
    return {
        "name": "eventlet",
        "config": {},
        "verdict": None,
        "capacity": None,
        "first_failing": None,
        "bound_by": "",
        "knee": None,
        "steps": [],
        "incomplete": None,
        "cpu_sets": cpusets.plan(None, 1, frozenset({0, 1})).to_schema(),
        "neighbour": near,
    }


def test_the_terminal_and_the_page_name_the_neighbour() -> None:
    entry = _entry({"cpus": [0], "processes": 1, "pids": [4242]})
    assert label(entry) == "eventlet +cpu-neighbour"
    [row] = rows({"configs": [entry]})  # type: ignore[typeddict-item]
    assert row["cpu_sets"] == (
        "servers 0, generator 1; a CPU-bound neighbour on 0 (experiment: compare normalised)"
    )
    del entry["neighbour"]
    assert label(entry) == "eventlet"


def test_a_loop_that_never_spins_is_an_error_naming_its_log(tmp_path: Path) -> None:
    loop = ManagedProcess(
        "cpu-neighbour-0", [sys.executable, "-c", "raise SystemExit(3)"], tmp_path / "n.log"
    )
    try:
        loop.start()
        with pytest.raises(ProcessError, match="cpu-neighbour-0 did not start spinning"):
            neighbour._wait_spinning(loop, timeout_s=10)
    finally:
        loop.stop()


def test_the_page_says_when_a_loop_ended_early() -> None:
    entry = _entry({"cpus": [0], "processes": 1, "pids": [4242], "ran_to_end": False})
    [row] = rows({"configs": [entry]})  # type: ignore[typeddict-item]
    assert "A NEIGHBOUR LOOP ENDED EARLY" in str(row["cpu_sets"])
