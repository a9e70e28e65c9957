"""A protocol profile's values, checked one key at a time, and its templates. Pure.

Templates are JSON values whose strings may hold placeholders (``{room}``):
``render`` fills them, ``placeholders`` lists them so a profile naming an
unknown one is refused before anything runs. Each profile key has a check
here (``KEY_CHECKS``) that returns the value to keep or raises
``ProfileError`` in the one wording (``KEY: what is wrong; allowed: …``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from loadtests.model import strict
from loadtests.model.json_object import JsonObject

_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_EVENT = re.compile(r"^[^\s\"\\][^\"\\\x00-\x1f]{0,126}(?<! )$")
# The placeholders each template may use.
CONNECT_PLACEHOLDERS = ("user",)
JOIN_PLACEHOLDERS = ("room", "user")
JOIN_ROOMS_PLACEHOLDERS = ("rooms", "user")
SEND_PLACEHOLDERS = ("room", "user", "stamp")
# Headers the websocket upgrade itself sets: a profile may not replace them.
_RESERVED_HEADERS = frozenset(
    ("host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version")
)


class ProfileError(strict.InputError):
    """A profile key is unknown or its value is wrong; the message names it."""


def render(template: Any, values: Mapping[str, Any]) -> Any:
    """``template`` with its placeholders replaced from ``values`` (a new value)."""
    if isinstance(template, str):
        if "{" not in template:
            return template
        whole = _PLACEHOLDER.fullmatch(template)
        if whole is not None:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)
    if isinstance(template, dict):
        return {k: render(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, values) for v in template]
    return template


def placeholders(template: Any) -> list[tuple[str, bool]]:
    """Every placeholder of ``template``: (name, stands alone as a whole string)."""
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template) is not None
        return [(m.group(1), whole) for m in _PLACEHOLDER.finditer(template)]
    if isinstance(template, dict):
        return [p for v in template.values() for p in placeholders(v)]
    if isinstance(template, list):
        return [p for v in template for p in placeholders(v)]
    return []


def count_whole(template: Any, name: str) -> int:
    return sum(1 for n, whole in placeholders(template) if n == name and whole)


def fail(key: str, problem: str, allowed: str) -> None:
    strict.fail(key, problem, allowed, ProfileError)


def _template(
    allowed: tuple[str, ...], whole_only: tuple[str, ...] = ()
) -> Callable[[Any, str], Any]:
    def check(value: Any, key: str) -> Any:
        _check_json(value, key)
        for name, whole in placeholders(value):
            if name not in allowed:
                fail(
                    key,
                    f"unknown placeholder {{{name}}}",
                    ", ".join(f"{{{n}}}" for n in allowed),
                )
            if name in whole_only and not whole:
                fail(key, f"{{{name}}} inside a longer string", f'"{{{name}}}" as a whole value')
        return value

    return check


def _check_json(value: Any, key: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _check_json(v, f"{key}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_json(v, f"{key}[{i}]")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        fail(key, f"{value!r} is not a JSON value", "strings, numbers, booleans, tables, lists")


def _event(value: Any, key: str, *, may_be_empty: bool = False) -> str:
    name = strict.typed(value, str, key, ProfileError)
    if may_be_empty and name == "":
        return name
    if not _EVENT.match(name) or name in ("connect", "disconnect", "connect_error"):
        fail(
            key,
            f"{name!r} is not a usable event name",
            "1-127 characters without quotes, backslashes or a space at either end; "
            "not connect/disconnect/connect_error",
        )
    return name


def _string_table(value: Any, key: str) -> dict[str, str]:
    table = strict.table_of(value, key, ProfileError)
    for name, item in table.items():
        if not isinstance(item, str):
            fail(f"{key}.{name}", f"{item!r} is not a string", "string values")
    _template(CONNECT_PLACEHOLDERS)(dict(table), key)
    return dict(table)


def _headers(value: Any, key: str) -> dict[str, str]:
    table = _string_table(value, key)
    for name, item in table.items():
        if name.lower() in _RESERVED_HEADERS or not re.fullmatch(
            r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", name
        ):
            fail(f"{key}.{name}", "not a header a profile may set", "any other header name")
        if "\r" in item or "\n" in item:
            fail(f"{key}.{name}", "a line break in the value", "one-line values")
    return table


def _namespace(value: Any, key: str) -> str:
    name = strict.typed(value, str, key, ProfileError)
    if not re.fullmatch(r"/[^,\s]*", name):
        fail(key, f"{name!r} is not a namespace", '"/" or "/name" (no commas or spaces)')
    return name


def _receive_path(value: Any, key: str) -> str:
    path = strict.typed(value, str, key, ProfileError)
    if path and not all(path.split(".")):
        fail(key, f"{path!r} has an empty segment", 'dotted keys like "data._rb" or "1.msg"')
    return path


def _auth(value: Any, key: str) -> JsonObject | None:
    if value is None:  # JSON null (a profile carried to Locust): no auth
        return None
    table = dict(strict.table_of(value, key, ProfileError))
    return dict(_template(CONNECT_PLACEHOLDERS)(table, key))


def _join_rooms(value: Any, key: str) -> Any:
    if value is False or value is None:  # TOML has no null: false says "one join per room"
        return None
    return _template(JOIN_ROOMS_PLACEHOLDERS, ("rooms",))(value, key)


def _stamp_key(value: Any, key: str) -> str:
    name = strict.typed(value, str, key, ProfileError)
    if not name:
        fail(key, "empty", "a key name such as _rb")
    return name


def _settle(value: Any, key: str) -> float:
    return float(
        strict.in_range(strict.typed(value, float, key, ProfileError), 0, 60_000, key, ProfileError)
    )


def _name(value: Any, key: str) -> str:
    name = strict.typed(value, str, key, ProfileError)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", name):
        fail(key, f"{name!r} is not a valid name", "1-64 of letters, digits, '_', '.', '-'")
    return name


KEY_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "name": _name,
    "namespace": _namespace,
    "auth": _auth,
    "query": _string_table,
    "headers": _headers,
    "welcome_event": lambda v, k: _event(v, k, may_be_empty=True),
    "join_event": _event,
    "join_payload": _template(JOIN_PLACEHOLDERS),
    "join_rooms_payload": _join_rooms,
    "join_ack": lambda v, k: strict.typed(v, bool, k, ProfileError),
    "join_settle_ms": _settle,
    "leave_event": _event,
    "leave_payload": _template(JOIN_PLACEHOLDERS),
    "send_event": _event,
    "send_payload": lambda v, k: (
        None if v is None else _template(SEND_PLACEHOLDERS, ("stamp",))(v, k)
    ),
    "stamp_key": _stamp_key,
    "receive_event": _event,
    "receive_path": _receive_path,
}
