"""How the users talk to a server: the typed ``Protocol`` profile. Pure.

The reference server's protocol is the default (``Protocol()``), and for it
nothing on the wire changes: a ``join`` with ack, a flat ``room_message``
(``{room, sender, seq, t_ns, pad}``) received as it was sent. Any other
Socket.IO server is described by a profile — a scenario file's ``[protocol]``
table, a ``[[config]]``'s ``protocol``, ``--profile NAME|FILE`` or one of the
ready-made ``loadtests/profiles/*.toml`` — built once at the edge and carried
to every Locust process inside the ``Load``.

    >>> p = Protocol.from_dict({"send_event": "chat", "receive_event": "chat_message",
    ...     "send_payload": {"room": "{room}", "body": {}}, "receive_path": "data._rb"})

Templates are JSON values whose strings may hold placeholders: a string that
is exactly one placeholder (``"{rooms}"``, ``"{stamp}"``, ``"{user}"``) is
replaced by the value itself (a list, the stamp object, an integer); inside a
longer string the placeholder is replaced by its text (``"user-{user}"``).
The harness's stamp ``{room, sender, seq, t_ns, pad}`` goes where
``"{stamp}"`` stands in ``send_payload``, else under ``stamp_key`` (``_rb``)
at the payload's top level; ``receive_path`` (dotted keys, digits index a
list) says where it is in what arrives. Unknown keys and unknown
placeholders are errors naming them (``KEY: what is wrong; allowed: …``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtests.model import strict
from loadtests.model.json_object import JsonObject
from loadtests.model.profile_checks import (
    KEY_CHECKS,
    ProfileError,
    count_whole,
    fail,
    render,
)
from loadtests.model.profile_checks import placeholders as placeholders
from loadtests.model.results import ProtocolSummary
from loadtests.model.stamp import Stamp

PROFILES_DIR = Path(__file__).resolve().parents[1] / "profiles"


def _reference_join() -> JsonObject:
    return {"room": "{room}"}


@dataclass(frozen=True)
class Protocol:
    """One server's protocol. Every default is the reference server's.

    ``name`` ("reference"): shown in results and errors. ``namespace`` ("/").
    ``auth`` (None): JSON object sent in the namespace connect packet; ``query``,
    ``headers`` ({}): added to the websocket handshake. ``welcome_event``
    ("welcome"): the event that says the server is ready ("": the namespace
    connect itself). ``join_event`` ("join") with ``join_payload``
    (``{"room": "{room}"}``) per room, or ``join_rooms_payload``
    (``{"rooms": "{rooms}"}``, the reference's; None: one join per room) for a
    user of several rooms. ``join_ack`` (true): a join (and leave) is confirmed
    by its ack; false: the user counts as joined ``join_settle_ms`` (200) after
    sending it — a weaker guarantee the results state. ``leave_event`` ("leave")
    and ``leave_payload``. ``send_event`` ("room_message") with ``send_payload``
    (None: the stamp itself, flat, as the reference server takes it);
    ``stamp_key`` ("_rb"); ``receive_event`` (default: ``send_event``);
    ``receive_path`` ("": the event's first argument is the stamp).
    """

    name: str = "reference"
    namespace: str = "/"
    auth: JsonObject | None = None
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    welcome_event: str = "welcome"
    join_event: str = "join"
    join_payload: Any = field(default_factory=_reference_join)
    join_rooms_payload: Any = field(default_factory=lambda: {"rooms": "{rooms}"})
    join_ack: bool = True
    join_settle_ms: float = 200.0
    leave_event: str = "leave"
    leave_payload: Any = field(default_factory=_reference_join)
    send_event: str = "room_message"
    send_payload: Any = None
    stamp_key: str = "_rb"
    receive_event: str = "room_message"
    receive_path: str = ""

    # -- building ---------------------------------------------------------------------
    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], where: str = "protocol") -> Protocol:
        """Build and check a profile; missing keys take the reference's values.

        Derived defaults: a profile that sets ``join_payload`` but not
        ``join_rooms_payload`` joins one room a call; one that sets ``send_event``
        but not ``receive_event`` receives on ``send_event``.
        """
        table = strict.table_of(mapping, where, ProfileError)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        strict.check_keys(table, set(fields), where, ProfileError)
        values = dict(table)
        if "join_payload" in values and "join_rooms_payload" not in values:
            values["join_rooms_payload"] = None
        if "send_event" in values and "receive_event" not in values:
            values["receive_event"] = values["send_event"]
        kwargs: dict[str, Any] = {}  # Protocol's fields, each checked by its KEY_CHECKS
        for key, value in values.items():
            kwargs[key] = KEY_CHECKS[key](value, f"{where}.{key}")
        protocol = cls(**kwargs)
        protocol.check(where)
        return protocol

    def check(self, where: str = "protocol") -> None:
        """Raise ProfileError on what a value-by-value check cannot see."""
        stamp_places = count_whole(self.send_payload, "stamp")
        if stamp_places > 1:
            fail(f"{where}.send_payload", '"{stamp}" appears more than once', "one place")
        if (
            self.send_payload is not None
            and stamp_places == 0
            and not isinstance(self.send_payload, dict)
        ):
            fail(
                f"{where}.send_payload",
                f"{self.send_payload!r} has no '{{stamp}}' and is not a table to add "
                f"{self.stamp_key!r} to",
                'a table (the stamp goes under stamp_key), or "{stamp}" where it goes',
            )
        if not self.join_ack and self.join_settle_ms <= 0:
            fail(f"{where}.join_settle_ms", "0 with join_ack = false", "> 0 when join_ack = false")

    def to_dict(self) -> JsonObject:
        return dataclasses.asdict(self)

    @property
    def is_reference(self) -> bool:
        return self == REFERENCE

    def summary(self) -> ProtocolSummary:
        """The results' ``protocol`` section: what was spoken and what it guarantees."""
        guarantee = (
            "join acknowledged by the server"
            if self.join_ack
            else f"join not acknowledged: counted as joined {self.join_settle_ms:g} ms after it "
            "was sent (a join the server applied later shows as lost deliveries)"
        )
        return {
            "name": self.name,
            "join_ack": self.join_ack,
            "join_settle_ms": None if self.join_ack else self.join_settle_ms,
            "join_guarantee": guarantee,
            "events": {
                "join": self.join_event,
                "leave": self.leave_event,
                "send": self.send_event,
                "receive": self.receive_event,
                "welcome": self.welcome_event or None,
            },
            "namespace": self.namespace,
            "receive_path": self.receive_path,
        }

    # -- what the users call ----------------------------------------------------------
    def join_payloads(self, rooms: list[str], user: int) -> list[Any]:
        """The join payloads for ``rooms``: one for all when the profile can, else one a room."""
        if len(rooms) > 1 and self.join_rooms_payload is not None:
            return [render(self.join_rooms_payload, {"rooms": rooms, "user": user})]
        return [render(self.join_payload, {"room": room, "user": user}) for room in rooms]

    def leave_payload_for(self, room: str, user: int) -> Any:
        return render(self.leave_payload, {"room": room, "user": user})

    def connect_options(self, user: int) -> tuple[Any, dict[str, str], dict[str, str]]:
        """(auth, query, headers) for user ``user``'s connection."""
        values = {"user": user}
        return (
            None if self.auth is None else render(self.auth, values),
            {k: str(render(v, values)) for k, v in self.query.items()},
            {k: str(render(v, values)) for k, v in self.headers.items()},
        )

    def encoder(self) -> Callable[[Stamp], object]:
        """The send payload from the harness's stamp (the reference's: the stamp itself)."""
        template = self.send_payload
        if template is None:
            return _as_is
        key = self.stamp_key
        placed = count_whole(template, "stamp") == 1

        def encode(stamp: Stamp) -> Any:
            payload = render(
                template, {"room": stamp["room"], "user": stamp["sender"], "stamp": stamp}
            )
            if not placed:
                payload[key] = stamp
            return payload

        return encode

    def path(self) -> tuple[str | int, ...]:
        """``receive_path`` as keys and list indexes (() for the reference's flat stamp)."""
        if not self.receive_path:
            return ()
        return tuple(int(p) if p.isdigit() else p for p in self.receive_path.split("."))


REFERENCE = Protocol()


def _as_is(message: Stamp) -> object:
    return message


# -- profiles by name or file ------------------------------------------------------------
def profile_names() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


def load_profile(spec: str, base_dir: Path = Path("."), where: str = "--profile") -> Protocol:
    """A ready-made profile by name (``loadtests/profiles/NAME.toml``) or a TOML file.

    The file holds the keys of a ``[protocol]`` table at its top level; ``name``
    defaults to the file's stem.
    """
    path = Path(spec)
    if not spec.endswith(".toml") and "/" not in spec:
        path = PROFILES_DIR / f"{spec}.toml"
        if not path.is_file():
            fail(
                where,
                f"no ready-made profile {spec!r}",
                ", ".join(profile_names()) + ", or a .toml file",
            )
    elif not path.is_absolute():
        path = base_dir / path
    doc = strict.read_toml(path, ProfileError, "profile file")
    doc.setdefault("name", path.stem)
    return Protocol.from_dict(doc, f"{path}")


def protocol_from(value: Any, where: str, base_dir: Path = Path(".")) -> Protocol:
    """A scenario's ``protocol``: a profile name or file (a string), or a table."""
    if isinstance(value, str):
        return load_profile(value, base_dir, where)
    return Protocol.from_dict(strict.table_of(value, where, ProfileError), where)
