"""Recorder deltas -> Aggregate -> results document that passes the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.measure import document, results
from loadtests.measure.aggregate import Aggregate
from loadtests.measure.recorder import Recorder
from loadtests.measure.window import NS_PER_S, Window
from loadtests.model.load import Load

S = NS_PER_S
ROOM = "room-0"


def make_process(name: str, first_receiver: int, start_s: int) -> Recorder:
    rec = Recorder(name)
    ledgers = [rec.ledger(first_receiver + i) for i in range(2)]
    for led in ledgers:
        led.join_sent(ROOM, (start_s - 5) * S)
        led.join_acked(ROOM, (start_s - 5) * S + 1000)
    rec.connected = 2
    rec.sample((start_s - 1) * S)
    for k in range(4):  # each sender sends 4 messages, one in the warm-up
        t_ns = (start_s - 1 + k) * S + 1000
        rec.record_send(ROOM, t_ns, 50)
    return rec


def test_two_processes_merge_into_a_valid_document(tmp_path: Path) -> None:
    start_s = 1_800_000_000
    window = Window(start_s * S, (start_s + 3) * S, warmup_s=1.0, drain_s=1.0)
    procs = [make_process("worker-0", 0, start_s), make_process("worker-1", 2, start_s)]
    # Each process's two receivers get every one of the 8 messages, except one loss.
    senders = [(0, 0), (2, 1)]
    all_ledgers = [led for p in procs for led in p.ledgers]
    for sender, _ in senders:
        for k in range(4):
            t_ns = (start_s - 1 + k) * S + 1000
            for led in all_ledgers:
                if (led.receiver, sender, k) == (3, 0, 2):
                    continue
                led.receive(ROOM, sender, k, t_ns, t_ns + 2000 + led.receiver)
    agg = Aggregate()
    for p in reversed(procs):  # order does not matter
        agg.add(p.take_delta())  # periodic
        p.sample((start_s + 4) * S)
        agg.add(p.take_delta(final=True))  # final: open intervals
        assert p.take_delta() == {}  # nothing after the final delta
    measured = agg.measured(window, [])
    c = measured["counters"]
    assert c["sent"] == 2 * 3  # one sender per process, 3 sends in the window each
    assert c["expected"] == 6 * 4  # x 4 members, the sender included
    assert c["delivered"] == 23 and c["lost"] == 1
    lat = measured["latency"]
    assert c["delivered"] == lat["fanout"]["count"] + lat["self"]["count"]
    assert lat["self"]["count"] == 6  # senders 0 and 2, 3 window messages each
    assert lat["schedule_lag"]["count"] == 6 and lat["schedule_lag"]["p50"] == 50
    ts = measured["timeseries"]
    assert (
        ts["t_s"] == [-1, 0, 1, 2, 3] and ts["phase"][0] == "warmup" and ts["phase"][-1] == "drain"
    )
    assert ts["sent"] == [2, 2, 2, 2, 0] and ts["connected"][0] == 4
    assert measured["flags"]["lost"].startswith("1 of 24")
    doc = document.build(measured, Load(users=4, rooms=1), window, {"name": "unit"}, run_id="r1")
    path = results.dump(doc, tmp_path / "r.json")
    again = results.load(path)
    assert again["config_name"] == "unit" and again["counters"] == c
    assert json.loads(path.read_text())["versions"]["hdrhistogram"]


def test_a_document_breaking_the_loss_invariant_is_refused(tmp_path: Path) -> None:
    """Rule 5: lost == expected - delivered >= 0, checked on write and on read."""
    start_s = 1_800_000_000
    window = Window(start_s * S, (start_s + 3) * S, warmup_s=1.0, drain_s=1.0)
    measured = Aggregate().measured(window, [])
    doc = document.build(measured, Load(users=4, rooms=1), window, {"name": "unit"})
    path = results.dump(doc, tmp_path / "ok.json")
    for expected, delivered, lost in ((0, 10, -10), (10, 5, 4)):
        doc["counters"].update(expected=expected, delivered=delivered, lost=lost)
        with pytest.raises(results.SchemaError, match="lost == expected - delivered >= 0"):
            results.dump(doc, tmp_path / "bad.json")
        path.write_text(json.dumps(doc))
        with pytest.raises(results.SchemaError, match="lost == expected - delivered"):
            results.load(path)
