"""validation.py: every rule, no server."""

from __future__ import annotations

from typing import Any

import pytest

from target_app.config import Limits
from target_app.validation import (
    Rejection,
    check_room,
    check_room_budget,
    check_size,
    parse_broadcast,
    parse_join,
    parse_message,
    parse_room_field,
    parse_room_message,
    unknown_event,
)

LIMITS = Limits()


def code(result: Any) -> str | None:
    return result.code if isinstance(result, Rejection) else None


@pytest.mark.parametrize(
    ("room", "expected"),
    [
        ("lobby", None),
        ("r" * 128, None),
        ("r" * 129, "bad_room"),
        ("", "bad_room"),
        (None, "bad_room"),
        (5, "bad_room"),
        (["a"], "bad_room"),
    ],
)
def test_check_room(room: Any, expected: str | None) -> None:
    assert code(check_room(room, LIMITS)) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (({"room": "a"},), ["a"]),
        (({"rooms": ["a", "b", "a"]},), ["a", "b"]),
        ((), "bad_payload"),
        (({"room": "a"}, {"room": "b"}), "bad_payload"),
        ((5,), "bad_payload"),
        (("a",), "bad_payload"),
        (({},), "bad_payload"),
        (({"room": "a", "rooms": ["b"]},), "bad_payload"),
        (({"room": ""},), "bad_room"),
        (({"rooms": []},), "bad_room"),
        (({"rooms": "a"},), "bad_room"),
        (({"rooms": ["a", None]},), "bad_room"),
        (({"rooms": [f"r{i}" for i in range(65)]},), "too_many_rooms"),
    ],
)
def test_parse_join(args: tuple[Any, ...], expected: Any) -> None:
    result = parse_join(args, LIMITS)
    if isinstance(expected, list):
        assert result == expected
    else:
        assert code(result) == expected


def test_room_budget() -> None:
    assert check_room_budget(60, 4, LIMITS) is None
    assert code(check_room_budget(60, 5, LIMITS)) == "too_many_rooms"
    assert check_room_budget(0, 2, Limits(max_rooms_per_client=2)) is None


def test_parse_room_message_passes_the_payload_through_unchanged() -> None:
    payload = {"room": "a", "sender": "s", "seq": 3, "t_ns": 10, "pad": "p"}
    room, out = parse_room_message((payload,), LIMITS)  # type: ignore[misc]
    assert room == "a" and out is payload


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("text",), "bad_payload"),
        (([1],), "bad_payload"),
        (({"seq": 1},), "bad_room"),
        (({"room": 3},), "bad_room"),
        (({"room": "a", "pad": "x" * 65536},), "too_large"),
        (({"room": "a", "blob": b"\x00"},), "bad_payload"),
    ],
)
def test_parse_room_message_rejects(args: tuple[Any, ...], expected: str) -> None:
    assert code(parse_room_message(args, LIMITS)) == expected


def test_size_is_measured_on_compact_json() -> None:
    limits = Limits(max_message_bytes=13)
    assert check_size({"a": "12345"}, limits) is None  # {"a":"12345"}: 13 bytes, no spaces
    assert code(check_size({"a": "123456"}, limits)) == "too_large"


def test_size_limit_boundary() -> None:
    payload = {"room": "a", "pad": ""}
    base = len('{"room":"a","pad":""}')
    exact = {**payload, "pad": "x" * (100 - base)}
    assert check_size(exact, Limits(max_message_bytes=100)) is None
    one_more = {**exact, "pad": exact["pad"] + "x"}
    assert code(check_size(one_more, Limits(max_message_bytes=100))) == "too_large"
    # Non-ASCII is escaped on the wire (\\u00e9 = 6 bytes), and measured so.
    assert code(check_size("é" * 20, Limits(max_message_bytes=100))) == "too_large"


def test_broadcast_message_members_and_unknown() -> None:
    assert parse_broadcast(({"x": 1},), LIMITS) == {"x": 1}
    assert code(parse_broadcast(([],), LIMITS)) == "bad_payload"
    assert code(parse_broadcast((), LIMITS)) == "bad_payload"
    assert parse_message(("hi",), LIMITS) == "hi"
    assert code(parse_message((1,), LIMITS)) == "bad_payload"
    assert code(parse_message(("x" * 70000,), LIMITS)) == "too_large"
    assert parse_room_field(({"room": "r"},), LIMITS) == "r"
    assert code(parse_room_field(({"room": ""},), LIMITS)) == "bad_room"
    rejection = unknown_event("x" * 500)
    assert rejection.code == "unknown_event" and len(rejection.detail) < 100
    assert rejection.reply() == {"ok": False, "error": "unknown_event", "detail": rejection.detail}
