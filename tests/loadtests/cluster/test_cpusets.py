"""CPU-set planning: disjoint server and generator sets where the machine allows."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from loadtests.cluster import cpusets
from loadtests.model.strict import InputError

REPO = Path(__file__).resolve().parents[3]

# (CPUs, server processes) -> CPUs the servers get under "auto"
EXPECTED_SERVERS = {
    (1, 1): 1, (1, 2): 1, (1, 3): 1, (1, 4): 1,
    (2, 1): 1, (2, 2): 1, (2, 3): 1, (2, 4): 1,
    (4, 1): 1, (4, 2): 2, (4, 3): 2, (4, 4): 2,
    (16, 1): 1, (16, 2): 2, (16, 3): 3, (16, 4): 4,
}  # fmt: skip


@pytest.mark.parametrize(
    ("cpus", "nodes", "redis", "generators"),
    list(itertools.product((1, 2, 4, 16), (1, 2, 3), (False, True), (1, 2, 3, 4))),
)
def test_auto_plan(cpus: int, nodes: int, redis: bool, generators: int) -> None:
    available = frozenset(range(cpus))
    servers = nodes + int(redis)
    plan = cpusets.plan(None, servers, available)
    assert plan.source == "auto" and plan.pinned
    assert plan.servers and plan.generator  # nobody is left without a CPU
    assert plan.servers | plan.generator == available  # every CPU is used
    assert len(plan.servers) == EXPECTED_SERVERS[(cpus, servers)]
    if cpus == 1:
        assert plan.shared and plan.servers == plan.generator == {0}
        assert "share CPU(s) 0" in plan.shared_reason()
    else:
        assert not plan.shared and not plan.servers & plan.generator
        assert plan.shared_reason() == ""
        # the generator keeps at least half the machine, whatever its process count
        assert len(plan.generator) >= cpus // 2


def test_two_cpus_split_one_each() -> None:
    plan = cpusets.plan("auto", 1, frozenset({0, 1}))
    assert (plan.servers, plan.generator) == ({0}, {1})
    assert plan.to_schema() == {
        "servers": [0],
        "generator": [1],
        "source": "auto",
        "available": [0, 1],
        "pinned": True,
        "shared": False,
    }


def test_explicit_sets_and_ranges() -> None:
    plan = cpusets.plan("servers=0,1,generator=2-3", 2, frozenset(range(4)))
    assert (plan.servers, plan.generator, plan.source) == ({0, 1}, {2, 3}, "explicit")
    semi = cpusets.plan("servers=1;generator=0,2", 1, frozenset(range(4)))
    assert (semi.servers, semi.generator) == ({1}, {0, 2})
    overlapping = cpusets.plan("servers=0,generator=0-1", 1, frozenset({0, 1}))
    assert overlapping.shared and "share CPU(s) 0" in overlapping.shared_reason()


def test_off_pins_nothing_and_is_shared() -> None:
    plan = cpusets.plan("off", 1, frozenset({0, 1}))
    assert not plan.pinned and plan.shared
    assert "--cpu-sets off" in plan.shared_reason()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("servers=0,generator=5", ("--cpu-sets", "generator", "CPU(s) 5", "available: 0,1")),
        ("servers=7,generator=1", ("--cpu-sets", "servers", "CPU(s) 7")),
        ("servers=0", ("--cpu-sets", "generator get no CPU")),
        ("generator=1", ("--cpu-sets", "servers get no CPU")),
        ("servers=,generator=1", ("--cpu-sets", "not a CPU list")),
        ("nodes=0,generator=1", ("--cpu-sets", "not ROLE=CPUS")),
        ("servers=1-0,generator=1", ("--cpu-sets servers", "not a CPU list")),
        ("servers=0,servers=1,generator=1", ("--cpu-sets", "given twice")),
    ],
)
def test_bad_input_names_the_option(text: str, words: tuple[str, ...]) -> None:
    with pytest.raises(InputError) as caught:
        cpusets.plan(text, 1, frozenset({0, 1}))
    for word in words:
        assert word in str(caught.value)


def test_allowed_list_parses_proc_status(tmp_path: Path) -> None:
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "status").write_text("Name:\tx\nCpus_allowed_list:\t0,2-3\n")
    assert cpusets.allowed_list(42, tmp_path) == {0, 2, 3}


def test_pin_sets_this_process_threads_and_reads_back() -> None:
    # Pinning to the CPUs this process already has changes nothing, yet goes through
    # every thread and reads back as set.
    have = os.sched_getaffinity(0)
    assert cpusets.pin(os.getpid(), have) >= 1
    assert cpusets.allowed_list(os.getpid()) == have


BAD = "servers=0,generator=99"


def test_run_refuses_a_cpu_the_machine_lacks_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from loadtests.cli import main as loadtests_main

    scenario = REPO / "loadtests" / "scenarios" / "default.toml"
    out = tmp_path / "out"
    code = loadtests_main(["run", str(scenario), "--cpu-sets", BAD, "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "--cpu-sets: generator names CPU(s) 99" in err
    assert not out.exists()  # nothing ran, nothing was written


def test_capacity_refuses_a_role_without_cpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from loadtests.cli import main as roombench_main

    out = tmp_path / "out"
    assert roombench_main(["capacity", "--cpu-sets", "servers=0", "--out", str(out)]) == 2
    assert "--cpu-sets: generator get no CPU" in capsys.readouterr().err
    assert not out.exists()


def test_a_scenario_key_sets_the_split_and_its_errors_name_the_key() -> None:
    from loadtests.model.load import ScenarioError
    from loadtests.orchestrate.scenario_file import parse_scenario

    have = sorted(os.sched_getaffinity(0))
    doc = {"config": [{"name": "a"}], "cpu_sets": "off"}
    matrix = parse_scenario(doc, "s.toml")
    assert not matrix.cpu_plan_for(matrix.configs[0]).pinned
    with pytest.raises(ScenarioError, match=r"s.toml.cpu_sets: servers names CPU\(s\) 999"):
        parse_scenario({**doc, "cpu_sets": f"servers=999,generator={have[0]}"}, "s.toml")
