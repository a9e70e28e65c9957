"""The user kinds (room, broadcast, echo): data, not branches.

A kind says what a user sends, what it times on receipt, and where its
membership comes from: the room user joins rooms (``join`` acked), the
broadcast user treats "everyone" as room ``*`` and the echo user its own room
``echo-<g>``, and for both membership starts when ``welcome`` arrives.

``kind_for`` fits a kind to the server's ``Protocol``: the room user's events,
payload encoder and receive handler come from the profile. The reference
profile keeps today's handler (the flat stamp, nothing counted on the side);
any other reads the stamp at ``receive_path`` and tells the process's
``ReceiveProbe`` what it recognised.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from loadtests.measure.accounting import ReceiverLedger
from loadtests.model import layout
from loadtests.model.load import Load
from loadtests.model.profile import Protocol
from loadtests.model.stamp import Stamp
from loadtests.users.probe import ReceiveProbe

ECHO_PREFIX = "Received: "
Handler = Callable[[Any, int], None]  # (event data, receive time ns)
_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _room_rooms(index: int, scenario: Load) -> list[str]:
    return layout.rooms_of(index, scenario.rooms, scenario.rooms_per_user)


def _timed(ledger: ReceiverLedger, count_error: Callable[[str], None]) -> Handler:
    receive = ledger.receive

    def on_message(msg: Any, recv_ns: int) -> None:
        try:
            receive(msg["room"], msg["sender"], msg["seq"], msg["t_ns"], recv_ns)
        except (KeyError, TypeError):
            count_error("errors")

    return on_message


def _echo_timed(ledger: ReceiverLedger, count_error: Callable[[str], None]) -> Handler:
    receive = ledger.receive
    loads = json.loads
    cut = len(ECHO_PREFIX)

    def on_echo(text: Any, recv_ns: int) -> None:
        try:
            msg = loads(text[cut:])
            receive(msg["room"], msg["sender"], msg["seq"], msg["t_ns"], recv_ns)
        except (KeyError, TypeError, ValueError):
            count_error("errors")

    return on_echo


def _probed(
    path: tuple[str | int, ...], event: str, probe: ReceiveProbe
) -> Callable[[ReceiverLedger, Callable[[str], None]], Handler]:
    """A receive handler reading the stamp at ``path`` and counting what it recognised."""

    def receiver(ledger: ReceiverLedger, count_error: Callable[[str], None]) -> Handler:
        receive = ledger.receive

        def on_message(msg: Any, recv_ns: int) -> None:
            stamp = msg
            try:
                for key in path:
                    stamp = stamp[key]
                receive(stamp["room"], stamp["sender"], stamp["seq"], stamp["t_ns"], recv_ns)
            except (KeyError, TypeError, IndexError):
                count_error("errors")
                probe.note_unrecognised(event, msg)
                return
            probe.recognised += 1

        return on_message

    return receiver


def _as_is(message: Stamp) -> object:
    return message


@dataclass(frozen=True)
class Kind:
    """One user kind.

    ``send_event``/``receive_event``: Socket.IO event names; ``joins_rooms``: False
    means membership starts at ``welcome``; ``rooms``: the user's rooms from its
    global index; ``receiver``: the receive handler feeding the ledger;
    ``encode``: the emitted payload from the harness's message dict.
    """

    send_event: str
    receive_event: str
    joins_rooms: bool
    rooms: Callable[[int, Load], list[str]]
    receiver: Callable[[ReceiverLedger, Callable[[str], None]], Handler]
    encode: Callable[[Stamp], object]


KINDS: dict[str, Kind] = {
    "room": Kind("room_message", "room_message", True, _room_rooms, _timed, _as_is),
    "broadcast": Kind("broadcast", "broadcast", False, lambda _i, _s: ["*"], _timed, _as_is),
    "echo": Kind("message", "message", False, lambda i, _s: [f"echo-{i}"], _echo_timed, _dumps),
}


def kind_for(name: str, protocol: Protocol, probe: ReceiveProbe) -> Kind:
    """Kind ``name`` speaking ``protocol`` (the reference's: ``KINDS[name]`` unchanged).

    Only the room user's events and payloads come from the profile; the broadcast
    and echo users use the reference server's own extra events.
    """
    kind = KINDS[name]
    if protocol.is_reference or name != "room":
        return kind
    return replace(
        kind,
        send_event=protocol.send_event,
        receive_event=protocol.receive_event,
        receiver=_probed(protocol.path(), protocol.receive_event, probe),
        encode=protocol.encoder(),
    )
