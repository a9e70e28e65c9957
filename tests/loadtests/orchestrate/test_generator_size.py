"""``generator_processes = "auto"``: as many worker processes as the load needs, capped
by the cores the servers leave; a count or "auto", nothing else."""

from __future__ import annotations

import pytest

from loadtests.model.load import ScenarioError
from loadtests.orchestrate.generator_size import processes_for
from loadtests.orchestrate.scenario_file import parse_scenario


def test_enough_workers_to_stay_near_the_target_share_of_a_core() -> None:
    # 4,000/s x 40 µs = 0.16 cores: one worker.
    assert processes_for(4_000, server_processes=1, cpus=8)[0] == 1
    # 40,000/s x 25 µs (measured) = 1.0 core at 60 % a worker: 2.
    chosen, why = processes_for(40_000, server_processes=1, us_per_delivery=25.0, cpus=8)
    assert chosen == 2
    assert "25.0 µs (measured)" in why and "1.00 cores" in why


def test_never_more_workers_than_the_cores_the_servers_leave() -> None:
    chosen, why = processes_for(200_000, server_processes=1, us_per_delivery=25.0, cpus=2)
    assert chosen == 1 and "capped at 1" in why
    # Servers on every core still leave the generator one process.
    assert processes_for(200_000, server_processes=3, cpus=2)[0] == 1
    assert processes_for(200_000, server_processes=2, us_per_delivery=25.0, cpus=8)[0] == 6


def _matrix(processes: object) -> dict[str, object]:
    return {
        "name": "m",
        "generator_processes": processes,
        "load": {"users": 100, "rooms": 5, "senders": 100, "rate_per_sender_per_s": 2.0},
        "config": [{"name": "single"}, {"name": "pair", "nodes": 2, "queue": "redis"}],
    }


def test_auto_resolves_per_configuration_and_load() -> None:
    matrix = parse_scenario(_matrix("auto"))
    single, pair = matrix.configs
    # 100 senders x 2/s x rooms of 20 = 4,000 deliveries/s.
    assert matrix.load.offered_deliveries_per_s == 4_000
    chosen, why = matrix.processes_for(single, matrix.load)
    assert chosen == 1 and why is not None and "4,000 deliveries/s" in why
    fixed = parse_scenario(_matrix(3))
    assert fixed.processes_for(pair, fixed.load) == (3, None)


@pytest.mark.parametrize("bad", ["many", -1, 65, 1.5])
def test_anything_but_a_count_or_auto_is_an_error_naming_the_key(bad: object) -> None:
    with pytest.raises(ScenarioError, match="generator_processes"):
        parse_scenario(_matrix(bad))
