"""The load one configuration run applies: the typed ``Load``.

Built once at the edge (a scenario file's ``[load]`` table, or the
``--roombench-scenario`` JSON given to the locustfile) and passed down as a
frozen value. ``Load.from_dict`` is strict: an unknown key or a bad value
raises ``ScenarioError`` naming it, so a typo never falls back to a default
and silently measures something else.

    >>> Load.from_dict({"users": 20, "rooms": 2, "churn": {"reconnect_per_user_per_min": 1}})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loadtests.model import strict
from loadtests.model.churn import Churn
from loadtests.model.json_object import JsonObject
from loadtests.model.profile import REFERENCE, ProfileError, Protocol

USER_CLASSES = ("room", "broadcast", "echo")
RECONNECT_TARGETS = ("same", "any")
MAX_ROOMS_PER_USER = 64  # the reference server's default per-client limit
MAX_PAYLOAD_BYTES = 64 * 1024  # the reference server's default message limit
MAX_RATE_PER_SENDER_PER_S = 10_000  # the most the send schedule takes


class ScenarioError(strict.InputError):
    """A scenario key is unknown or its value is out of range; the message names it."""


@dataclass(frozen=True)
class Load:
    """One load. Defaults are those of ``loadtests/scenarios/default.toml``.

    ``user_class``: ``room`` (join rooms, send ``room_message``), ``broadcast``
    (send ``broadcast`` to everyone) or ``echo`` (``message`` -> ``Received: ...``).
    ``users`` users are spread round-robin over the nodes and over ``rooms`` rooms
    (each joins ``rooms_per_user``); the first ``senders`` of them send at
    ``rate_per_sender_per_s`` on a fixed open-model schedule, ``payload_bytes``
    of JSON each. Only messages sent inside the ``window_s`` window (after every
    user joined and ``warmup_s`` passed) count; ``drain_s`` collects late deliveries.
    A fractional ``window_s`` is rounded up to whole seconds (the per-second
    series needs whole-second buckets). ``join_timeout_s`` (default 60 s) bounds
    the wait for every user to join; ``churn_grace_s`` (default 1 s) is how long
    before a leave a message stops being strictly expected. ``reconnect``
    (default "same") is where a user whose connection dropped reconnects: its
    own node, or "any" node, round robin from the next, as a load balancer would.
    ``protocol`` (default: the reference server's) is how users talk to the server
    (``loadtests.model.profile``); ``to_dict`` leaves it out when it is the
    reference's, so those results and the locust command line stay as they were.
    """

    name: str = "default"
    user_class: str = "room"
    users: int = 200
    rooms: int = 10
    rooms_per_user: int = 1
    senders: int = 200
    rate_per_sender_per_s: float = 1.0
    payload_bytes: int = 64
    warmup_s: float = 5.0
    window_s: float = 30.0
    drain_s: float = 3.0
    churn: Churn = field(default_factory=Churn)
    join_timeout_s: float = 60.0
    churn_grace_s: float = 1.0
    reconnect: str = "same"
    protocol: Protocol = REFERENCE

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any]) -> Load:
        """Build and validate a Load; missing keys take their defaults.

        ``senders`` defaults to every user, whatever ``users`` is.
        """
        values = dict(strict.table_of(mapping, "scenario", ScenarioError))
        churn_value = values.pop("churn", {})
        if isinstance(churn_value, Churn):
            churn = churn_value
        else:
            churn = _build(
                Churn, strict.table_of(churn_value, "scenario.churn", ScenarioError), "churn."
            )
        if "senders" not in values and "users" in values:
            values["senders"] = values["users"]
        protocol = values.pop("protocol", REFERENCE)
        if not isinstance(protocol, Protocol):
            try:
                protocol = Protocol.from_dict(protocol, "scenario.protocol")
            except ProfileError as exc:
                raise ScenarioError(str(exc)) from exc
        scenario = _build(cls, values, "", churn=churn, protocol=protocol)
        scenario.check()
        return scenario

    @property
    def room_size(self) -> float:
        """Members of each room (every user joins ``rooms_per_user`` of ``rooms``)."""
        return self.users * self.rooms_per_user / self.rooms

    @property
    def offered_deliveries_per_s(self) -> float:
        """Deliveries/s the schedule offers: each message reaches every member of its room."""
        return self.senders * self.rate_per_sender_per_s * self.room_size

    def to_dict(self) -> JsonObject:
        doc: JsonObject = dataclasses.asdict(self)
        if self.protocol.is_reference:
            del doc["protocol"]
        return doc

    def check(self) -> None:
        """Raise ScenarioError naming the first value out of range."""
        rules: list[tuple[str, bool, str]] = [
            ("name", bool(self.name), "a non-empty name"),
            (
                "user_class",
                self.user_class in USER_CLASSES,
                ", ".join(USER_CLASSES),
            ),
            ("reconnect", self.reconnect in RECONNECT_TARGETS, ", ".join(RECONNECT_TARGETS)),
            ("users", self.users >= 1, ">= 1"),
            ("rooms", self.rooms >= 1, ">= 1"),
            (
                "rooms_per_user",
                1 <= self.rooms_per_user <= min(self.rooms, MAX_ROOMS_PER_USER),
                f"1..min(rooms, {MAX_ROOMS_PER_USER})",
            ),
            (
                "senders",
                0 <= self.senders <= self.users,
                f"0..users ({self.users}); leave it out for all users",
            ),
            (
                "rate_per_sender_per_s",
                0 < self.rate_per_sender_per_s <= MAX_RATE_PER_SENDER_PER_S,
                f"(0, {MAX_RATE_PER_SENDER_PER_S}]",
            ),
            (
                "payload_bytes",
                0 <= self.payload_bytes <= MAX_PAYLOAD_BYTES,
                f"0..{MAX_PAYLOAD_BYTES}",
            ),
            ("warmup_s", 0 <= self.warmup_s <= 3600, "0..3600"),
            ("window_s", 0 < self.window_s <= 24 * 3600, "(0, 86400]"),
            ("drain_s", 0 <= self.drain_s <= 600, "0..600"),
            ("join_timeout_s", 0 < self.join_timeout_s <= 3600, "(0, 3600]"),
            ("churn_grace_s", 0 <= self.churn_grace_s <= 60, "0..60"),
            (
                "churn.leave_rejoin_per_user_per_min",
                0 <= self.churn.leave_rejoin_per_user_per_min <= 600,
                "0..600",
            ),
            (
                "churn.reconnect_per_user_per_min",
                0 <= self.churn.reconnect_per_user_per_min <= 600,
                "0..600",
            ),
        ]
        for key, ok, rule in rules:
            if not ok:
                owner, attr = (self.churn, key[6:]) if key.startswith("churn.") else (self, key)
                strict.fail(
                    f"scenario.{key}",
                    f"{getattr(owner, attr)!r} is out of range",
                    rule,
                    ScenarioError,
                )
        if self.churn.leave_rejoin_per_user_per_min and self.user_class != "room":
            strict.fail(
                "scenario.churn.leave_rejoin_per_user_per_min",
                f"set for user_class {self.user_class!r}, which joins no rooms",
                "0, or user_class = 'room'",
                ScenarioError,
            )


def _build(cls: type[Any], values: Mapping[str, Any], prefix: str, **extra: Any) -> Any:
    """Construct dataclass ``cls`` from ``values``, checking key names and value types."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    strict.check_keys(
        {prefix + k: v for k, v in values.items() if k not in extra},
        {prefix + name for name in fields},
        "scenario",
        ScenarioError,
    )
    kinds: dict[Any, type] = {"str": str, "int": int, "float": float}
    kwargs = {
        key: strict.typed(value, kinds[fields[key].type], f"scenario.{prefix}{key}", ScenarioError)
        for key, value in values.items()
    }
    return cls(**kwargs, **extra)
