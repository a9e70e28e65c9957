"""User kinds fitted to a profile: the receive path, the probe and its warm-up verdict."""

from __future__ import annotations

import time

import gevent

from loadtests.measure.accounting import RawSecond, ReceiverLedger
from loadtests.model.profile import REFERENCE, Protocol
from loadtests.users.kinds import KINDS, kind_for
from loadtests.users.probe import MARKER, ReceiveProbe, check_at_window_start

WRAPPED = Protocol.from_dict(
    {
        "name": "wrapped",
        "send_event": "chat",
        "send_payload": {"room": "{room}", "body": {"_rb": "{stamp}"}},
        "receive_event": "chat_message",
        "receive_path": "data._rb",
    }
)


def joined_ledger() -> tuple[ReceiverLedger, dict[int, RawSecond]]:
    buckets: dict[int, RawSecond] = {}
    ledger = ReceiverLedger(1, buckets, [])
    ledger.join_sent("room-0", 0)
    ledger.join_acked("room-0", 1)
    return ledger, buckets


def test_the_reference_keeps_every_kind_as_it_is() -> None:
    probe = ReceiveProbe()
    for name, kind in KINDS.items():
        assert kind_for(name, REFERENCE, probe) is kind


def test_a_profile_changes_the_room_kind_only() -> None:
    probe = ReceiveProbe()
    room = kind_for("room", WRAPPED, probe)
    assert (room.send_event, room.receive_event, room.joins_rooms) == ("chat", "chat_message", True)
    assert kind_for("broadcast", WRAPPED, probe) is KINDS["broadcast"]


def test_the_stamp_is_read_at_receive_path_and_counted() -> None:
    probe = ReceiveProbe()
    errors: list[str] = []
    kind = kind_for("room", WRAPPED, probe)
    ledger, buckets = joined_ledger()
    handler = kind.receiver(ledger, errors.append)
    t_ns = time.time_ns()
    sent = kind.encode({"room": "room-0", "sender": 2, "seq": 0, "t_ns": t_ns, "pad": ""})
    handler({"user": "x", "data": sent["body"]}, t_ns + 5_000)
    handler({"user": "x", "data": {"text": "no stamp"}}, t_ns + 6_000)
    handler("a bare string", t_ns + 7_000)
    bucket = buckets[t_ns // 1_000_000_000]
    assert (bucket.strict, list(bucket.fanout_us)) == (1, [5])
    assert (probe.recognised, probe.unrecognised, errors) == (1, 2, ["errors", "errors"])
    assert probe.sample == '42["chat_message",{"user":"x","data":{"text":"no stamp"}}]'


def test_the_verdict_names_the_profile_and_shows_one_raw_frame() -> None:
    probe = ReceiveProbe()
    probe.note_other("message", {"text": "hi"})
    message = probe.verdict(WRAPPED)
    assert message is not None and message.startswith(MARKER)
    assert "profile 'wrapped'" in message and "receive_path 'data._rb'" in message
    assert '42["message",{"text":"hi"}]' in message
    probe.note_unrecognised("chat_message", {"data": 1})
    assert '42["chat_message",{"data":1}]' in (
        probe.verdict(WRAPPED) or ""
    )  # the stamp's event first
    probe.recognised = 1
    assert probe.verdict(WRAPPED) is None


def test_nothing_arrived_is_said_as_such() -> None:
    assert "no event frame arrived at all" in (ReceiveProbe().verdict(WRAPPED) or "")


def test_the_check_runs_once_at_the_window_start() -> None:
    said: list[str] = []
    starts = iter([None, None, time.time_ns() + 50_000_000])
    check_at_window_start(ReceiveProbe(), WRAPPED, lambda: next(starts), 5.0, said.append)
    assert len(said) == 1 and said[0].startswith(MARKER)
    recognised = ReceiveProbe()
    recognised.recognised = 3
    check_at_window_start(recognised, WRAPPED, time.time_ns, 5.0, said.append)
    assert len(said) == 1
    check_at_window_start(ReceiveProbe(), WRAPPED, lambda: None, 0.3, said.append)  # no window
    assert len(said) == 1


def test_a_short_warmup_gets_a_grace_before_the_verdict() -> None:
    said: list[str] = []
    probe = ReceiveProbe()

    def late_message() -> None:
        probe.recognised += 1

    gevent.spawn_later(0.1, late_message)
    check_at_window_start(probe, WRAPPED, time.time_ns, 5.0, said.append, grace_s=0.5)
    assert said == []
