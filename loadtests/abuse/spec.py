"""A configuration's ``[config.abuse]`` table: which hostile clients run beside the load.

```toml
[config.abuse]
kind = "slow_consumer"   # slow_consumer | bad_input | connection_churn | idle_sockets
                         # | upload_flood | polling_abuse
clients = 20             # abusive connections (at once; per storm for connection_churn)
rate_per_s = 0.0         # what it means depends on the kind (below)
start_at_s = 0.0         # seconds into the measurement window
stop_at_s = 10.0         # default: the window's end
# kind-specific keys, each with its default:
#   slow_consumer:    rooms = <all [load] rooms, at most 64>, echo_bytes = 1024,
#                     rcvbuf_bytes = 4096          rate_per_s: echo requests a client a second
#   bad_input:        mix = [every variant]        rate_per_s: bad frames a second, all clients
#   connection_churn: rooms = 1, close = "reset"   rate_per_s: storms a second
#   idle_sockets:     stage = "partial_headers"    rate_per_s: sockets opened a second (0: at once)
#   upload_flood:     frame_bytes = 60000          rate_per_s: frames a client a second
#                                                  (0: as fast as the server reads)
#   polling_abuse:    rooms = 1                    rate_per_s: hostile POSTs a second; clients:
#                                                  sessions that never GET (server: --allow-polling)
```

The abusers are not Locust users and are never counted as such: they run in
their own process (``python -m loadtests.abuse``) so that what they cost is
paid by the server and seen in the measured users' fan-out, not hidden in the
generator. Parsing is strict like the rest of a scenario file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from loadtests.model import strict
from loadtests.model.json_object import JsonObject

KINDS = (
    "slow_consumer",
    "bad_input",
    "connection_churn",
    "idle_sockets",
    "upload_flood",
    "polling_abuse",
)
MAX_CLIENTS = 2000  # the abuse process's own descriptors stay well under its limit
MAX_RATE_PER_S = 1000.0
MAX_ROOMS = 64  # the reference server's rooms-per-client limit
MAX_ECHO_BYTES = 60 * 1024  # under the reference server's 64 KiB message limit
STAGES = ("tcp", "partial_headers", "upgraded")
CLOSES = ("reset", "fin")

# bad_input variants (loadtests/abuse/bad_input.py builds each frame)
VARIANTS = (
    "truncated",
    "bad_json",
    "not_an_event",
    "non_finite",
    "too_deep",
    "reserved_event",
    "binary_event",
    "too_large",
    "bad_frame",
    "frame_too_large",
)

# Kinds whose rate_per_s must be above 0, and what it counts.
RATE_UNITS = {"bad_input": "bad frames", "connection_churn": "storms", "polling_abuse": "POSTs"}

COMMON_KEYS = ("kind", "clients", "rate_per_s", "start_at_s", "stop_at_s")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "slow_consumer": ("rooms", "echo_bytes", "rcvbuf_bytes"),
    "bad_input": ("mix",),
    "connection_churn": ("rooms", "close"),
    "idle_sockets": ("stage",),
    "upload_flood": ("frame_bytes",),
    "polling_abuse": ("rooms",),
}


@dataclass(frozen=True)
class AbuseSpec:
    """One configuration's abusers. ``stop_at_s`` None: until the window's end.

    ``frame_bytes`` (upload_flood): the size of each uploaded event.
    ``rooms`` (slow_consumer, connection_churn, polling_abuse): how many of the load's rooms each
    abusive client joins, from ``room-0`` on; ``mix`` (bad_input): the variants sent
    in turn; ``stage`` (idle_sockets): how far each socket gets before it goes
    silent; ``close`` (connection_churn): ``reset`` (RST, SO_LINGER 0) or ``fin``.
    """

    kind: str
    clients: int
    rate_per_s: float = 0.0
    start_at_s: float = 0.0
    stop_at_s: float | None = None
    rooms: int = 1
    echo_bytes: int = 1024
    rcvbuf_bytes: int = 4096
    mix: tuple[str, ...] = VARIANTS
    close: str = "reset"
    stage: str = "partial_headers"
    frame_bytes: int = 60_000

    def to_dict(self) -> JsonObject:
        """Only the keys this kind uses (what the results' ``config.abuse`` shows)."""
        doc = asdict(self)
        keep = set(COMMON_KEYS) | set(KIND_KEYS[self.kind])
        out = {k: v for k, v in doc.items() if k in keep}
        if "mix" in out:
            out["mix"] = list(self.mix)
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> AbuseSpec:
        """Back from ``to_dict`` (the abuse process's command line)."""
        values = dict(doc)
        if "mix" in values:
            values["mix"] = tuple(values["mix"])
        return cls(**values)

    def stop_s(self, window_s: float) -> float:
        return window_s if self.stop_at_s is None else self.stop_at_s


def _number(table: Mapping[str, Any], key: str, kind: type, where: str, error: Any) -> Any:
    return strict.typed(table[key], kind, f"{where}.{key}", error)


def parse_abuse(
    raw: Any,
    where: str,
    window_s: float,
    load_rooms: int,
    error: type[strict.InputError] = strict.InputError,
) -> AbuseSpec:
    """Validate a ``[config.abuse]`` table against the configuration's window and rooms."""
    table = strict.table_of(raw, where, error)
    if "kind" not in table:
        strict.fail(f"{where}.kind", "missing key 'kind'", ", ".join(KINDS), error)
    kind = strict.one_of(
        strict.typed(table["kind"], str, f"{where}.kind", error), KINDS, f"{where}.kind", error
    )
    strict.check_keys(table, COMMON_KEYS + KIND_KEYS[kind], where, error)
    if "clients" not in table:
        strict.fail(f"{where}.clients", "missing key 'clients'", f"1..{MAX_CLIENTS}", error)
    values: dict[str, Any] = {"kind": kind}  # AbuseSpec's fields, each checked as it is read
    values["clients"] = _number(table, "clients", int, where, error)
    strict.in_range(values["clients"], 1, MAX_CLIENTS, f"{where}.clients", error)
    if "rate_per_s" in table:
        values["rate_per_s"] = _number(table, "rate_per_s", float, where, error)
        strict.in_range(values["rate_per_s"], 0, MAX_RATE_PER_S, f"{where}.rate_per_s", error)
    if kind in RATE_UNITS and values.get("rate_per_s", 0.0) <= 0:
        strict.fail(
            f"{where}.rate_per_s",
            f"{kind} needs a rate above 0 ({RATE_UNITS[kind]} a second)",
            f"(0, {MAX_RATE_PER_S:g}]",
            error,
        )
    start_s = 0.0
    if "start_at_s" in table:
        start_s = values["start_at_s"] = _number(table, "start_at_s", float, where, error)
        strict.in_range(start_s, 0, window_s, f"{where}.start_at_s", error)
        if start_s >= window_s:
            strict.fail(
                f"{where}.start_at_s",
                f"{start_s:g} s is not inside the {window_s:g} s window",
                f"0 <= start_at_s < {window_s:g}",
                error,
            )
    if "stop_at_s" in table:
        stop_s = values["stop_at_s"] = _number(table, "stop_at_s", float, where, error)
        if not start_s < stop_s <= window_s:
            strict.fail(
                f"{where}.stop_at_s",
                f"{stop_s:g} s is not after start_at_s ({start_s:g} s) inside the window",
                f"{start_s:g} < stop_at_s <= {window_s:g}",
                error,
            )
    if "rooms" in table:
        values["rooms"] = _number(table, "rooms", int, where, error)
        high = min(MAX_ROOMS, load_rooms)
        strict.in_range(values["rooms"], 0, high, f"{where}.rooms", error)
    elif kind == "slow_consumer":
        values["rooms"] = min(MAX_ROOMS, load_rooms)
    if "frame_bytes" in table:
        values["frame_bytes"] = _number(table, "frame_bytes", int, where, error)
        strict.in_range(values["frame_bytes"], 1, MAX_ECHO_BYTES, f"{where}.frame_bytes", error)
    if "echo_bytes" in table:
        values["echo_bytes"] = _number(table, "echo_bytes", int, where, error)
        strict.in_range(values["echo_bytes"], 1, MAX_ECHO_BYTES, f"{where}.echo_bytes", error)
    if "rcvbuf_bytes" in table:
        values["rcvbuf_bytes"] = _number(table, "rcvbuf_bytes", int, where, error)
        strict.in_range(values["rcvbuf_bytes"], 1024, 512 * 1024, f"{where}.rcvbuf_bytes", error)
    if "mix" in table:
        mix = strict.string_list(table["mix"], f"{where}.mix", error)
        if not mix:
            strict.fail(f"{where}.mix", "is empty", ", ".join(VARIANTS), error)
        for index, variant in enumerate(mix):
            strict.one_of(variant, VARIANTS, f"{where}.mix[{index}]", error)
        values["mix"] = mix
    for key, choices in (("stage", STAGES), ("close", CLOSES)):
        if key in table:
            text = strict.typed(table[key], str, f"{where}.{key}", error)
            values[key] = strict.one_of(text, choices, f"{where}.{key}", error)
    return AbuseSpec(**values)
