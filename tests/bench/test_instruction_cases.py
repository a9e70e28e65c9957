"""The counted cases run and check themselves (no valgrind: nothing is counted here)."""

from __future__ import annotations

import pytest

from bench.instructions.cases import CASES, HANDLER_MEMBERS
from bench.instructions.child import parse_args, run
from bench.instructions.run import CountSettings, calls_for, child_command
from bench.stub_engineio import ExtraWorkSends


def test_every_case_names_a_benchmark_of_bench() -> None:
    for name, case in CASES.items():
        module, _, test = case.fullname.partition("::")
        assert test == name and module.startswith("bench/test_")
    groups = {case.group for case in CASES.values()}
    assert {"fanout-stubbed", "fanout-engineio", "handler-vs-raw", "payload-encode"} <= groups
    assert not any("redis" in g or "receive" in g for g in groups)  # network or generator


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_runs_its_calls_and_checks_them(name: str) -> None:
    run(name, calls=3)


@pytest.mark.parametrize("name", ["test_room_message[handler]", "test_room_message[raw]"])
def test_known_answer_case_still_delivers_to_every_member(name: str) -> None:
    run(name, calls=2, extra_work=True)
    assert CASES[name].deliveries_per_call == HANDLER_MEMBERS


def test_a_broken_path_fails_its_check() -> None:
    rig = CASES["test_emit_stubbed[n=10]"].build(False)
    rig.prepare()()
    with pytest.raises(AssertionError, match="deliveries"):
        rig.check(5)  # one call was made, five claimed


def test_extra_work_sends_count_like_the_reference() -> None:
    sends = ExtraWorkSends()
    sends.send_packet("eio-1", object())
    sends.send("eio-2", "data")
    assert sends.packets == 2


def test_calls_hold_about_a_thousand_deliveries() -> None:
    assert calls_for(1) == 200 and calls_for(10) == 100 and calls_for(100) == 20
    assert calls_for(1000) == 20


def test_child_command_selects_the_known_answer_only_when_asked() -> None:
    case = CASES["test_room_message[handler]"]
    plain = child_command(case, CountSettings(valgrind="valgrind"))
    assert plain[1:5] == ["-m", "bench.instructions.child", case.name, "--calls"]
    assert "--extra-work" not in plain
    assert child_command(case, CountSettings(valgrind="v", extra_work=True))[-1] == "--extra-work"
    assert parse_args([case.name, "--calls", "2", "--extra-work"]).extra_work is True
    with pytest.raises(SystemExit):
        parse_args([case.name, "--calls", "0"])
