"""The clock exchange's decisions: the test knobs, when to split fan-out, what a pong records."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from loadtests.coordination.clock_exchange import (
    ClockExchange,
    clock_id,
    parse_simulated_offsets,
    split_workers,
    with_test_clock,
)
from loadtests.coordination.messages import RunSettings
from loadtests.coordination.roster import WorkerRoster
from loadtests.model.load import Load, ScenarioError

SETTINGS = RunSettings(Load(), (), {}, Path("r.json"))
T = 1_700_000_000 * 1_000_000_000
MS = 1_000_000


def test_knobs_default_to_nothing_simulated_and_correction_on() -> None:
    settings = with_test_clock(SETTINGS, {})
    assert settings.simulated_clock_offsets_ns == () and settings.clock_correction is True


def test_knobs_are_read_and_bad_values_named() -> None:
    settings = with_test_clock(
        SETTINGS,
        {"ROOMBENCH_TEST_CLOCK_OFFSET_MS": "1:3", "ROOMBENCH_TEST_CLOCK_CORRECTION": "OFF"},
    )
    assert settings.simulated_clock_offsets_ns == ((1, 3_000_000),)
    assert settings.clock_correction is False
    with pytest.raises(ScenarioError, match="ROOMBENCH_TEST_CLOCK_OFFSET_MS.*RANK:MILLISECONDS"):
        with_test_clock(SETTINGS, {"ROOMBENCH_TEST_CLOCK_OFFSET_MS": "3ms"})
    with pytest.raises(ScenarioError, match="allowed: on \\(default\\) or off"):
        with_test_clock(SETTINGS, {"ROOMBENCH_TEST_CLOCK_CORRECTION": "maybe"})


def test_fanout_is_split_only_across_hostnames_or_with_a_simulated_offset() -> None:
    one_host = {"vm_aa": [0, 2], "vm_bb": [1, 2]}
    two_hosts = {"load_a_aa": [0, 2], "load_b_bb": [1, 2]}  # hostnames may hold "_"
    assert split_workers(one_host, {}) == 0
    assert split_workers(two_hosts, {}) == 2
    assert split_workers(one_host, {1: 3_000_000}) == 2
    assert split_workers({"load_a_aa": [0, 1]}, {0: 3_000_000}) == 0  # one worker: no pairs


def test_clock_id_is_stable() -> None:
    assert clock_id() == clock_id() != ""


def test_pongs_become_per_worker_clocks_and_silent_workers_show_unmeasured() -> None:
    roster = WorkerRoster(SimpleNamespace())  # a master's roster; only its bookkeeping is used
    roster.slots = {"a_1": [0, 2], "b_2": [1, 2]}
    roster.names = {"a_1": "worker-0", "b_2": "worker-1"}
    exchange = ClockExchange(roster.runner, roster, SETTINGS)
    exchange.master_clock_id = "boot-a"
    exchange.plan(roster.slots)
    pong = {"round": 0, "t0_ns": T, "t1_ns": T + 100_000, "t2_ns": T + 100_000}
    msg = SimpleNamespace(node_id="a_1", data={**pong, "host": "a", "clock_id": "boot-a"})
    exchange.on_pong(None, msg)
    exchange.on_pong(None, SimpleNamespace(node_id="stranger", data=msg.data))  # no slot
    table = exchange.table()
    rows = {w["name"]: w for w in table.to_schema()["workers"]}
    assert rows["worker-0"]["samples"] == 1 and rows["worker-0"]["same_host_as_master"]
    assert rows["worker-1"]["offset_ns"] is None and rows["worker-1"]["host"] == "?"
    assert "no clock sample from worker-1" in (table.uncertain(10_000) or "")


def test_simulated_offsets_parse_and_bad_ones_are_named() -> None:
    assert parse_simulated_offsets("") == {}
    assert parse_simulated_offsets("1:3") == {1: 3 * MS}
    assert parse_simulated_offsets("0:-2.5, 1:0.001") == {0: -2_500_000, 1: 1000}
    for bad in ("3", "a:1", "1:x"):
        with pytest.raises(ValueError, match="RANK:MILLISECONDS"):
            parse_simulated_offsets(bad)
