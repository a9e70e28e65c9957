"""Pure pieces of the hostile-client guards (issue 18), without a server."""

from __future__ import annotations

import logging

import pytest

from target_app.cli import parse_args
from target_app.config import Limits, ServerConfig
from target_app.log_limit import RateLimitedLog
from target_app.packet_guard import is_reserved
from target_app.stats import Counters
from target_app.transport_guard import ConnectionGuard, TransportGuard, frame_problem
from target_app.validation import check_plain_json, check_room, is_sid_shaped


@pytest.mark.parametrize("frame", ["2probe", "3", "3probe", "40", '42["x"]', "5", "6", b"\x00"])
def test_frames_a_client_may_send(frame: str | bytes) -> None:
    assert frame_problem(frame) is None


@pytest.mark.parametrize("frame", ["", "x", "0", "0{}", "4", "4x", "b4", "7", "3" + "[" * 10])
def test_frames_that_close_the_session(frame: str) -> None:
    assert frame_problem(frame) is not None


@pytest.mark.parametrize(
    "args",
    [
        (float("nan"),),
        ({"x": float("inf")},),
        ({"x": [-float("inf")]},),
        ({"b": b"\x00"},),
        ([[[[1]]]],),
    ],
)
def test_not_plain_json(args: tuple) -> None:
    rejection = check_plain_json(args, max_depth=3)
    assert rejection is not None and rejection.code == "bad_payload"


def test_plain_json_up_to_the_depth_limit() -> None:
    assert check_plain_json(({"a": [[1.5, "x", None, True]]},), max_depth=3) is None
    assert check_plain_json(({"a": [[[1]]]},), max_depth=3) is not None
    deep: list = []
    for _ in range(100_000):  # iterative: no recursion limit to hit
        deep = [deep]
    assert check_plain_json((deep,), max_depth=32) is not None


def test_sid_shaped_room_names_are_reserved() -> None:
    assert is_sid_shaped("AbCdEfGhIjKlMnOp-_09")
    assert not is_sid_shaped("AbCdEfGhIjKlMnOp-_0")  # 19
    assert not is_sid_shaped("AbCdEfGhIjKlMnOp-_09x")  # 21
    assert not is_sid_shaped("room with spaces 012")
    rejection = check_room("AbCdEfGhIjKlMnOp-_09", Limits())
    assert rejection is not None and rejection.code == "bad_room"


@pytest.mark.parametrize("name", ["connect", "disconnect", "connect_error", "*", "_x", "__init__"])
def test_reserved_event_names(name: str) -> None:
    assert is_reserved(name)


@pytest.mark.parametrize("name", ["join", "message", "room_message", "error", "x_"])
def test_ordinary_event_names(name: str) -> None:
    assert not is_reserved(name)


def test_the_log_is_rate_limited_per_kind(caplog: pytest.LogCaptureFixture) -> None:
    log = RateLimitedLog(logging.getLogger("test.guard"), interval_s=3600.0)
    with caplog.at_level(logging.WARNING, logger="test.guard"):
        for _ in range(50):
            log.warn("bad_frame", "x %s", 1)
        log.warn("binary", "y")
    assert [r.getMessage() for r in caplog.records] == ["bad_frame: x 1", "binary: y"]


def test_outbound_cap_condemns_once_and_counts_once() -> None:
    counters = Counters()
    aborted: list[bool] = []
    shared = TransportGuard(
        counters, RateLimitedLog(logging.getLogger("t"), 60.0), 100, 1000, 10_000, 5.0
    )
    guard = ConnectionGuard(shared, lambda: aborted.append(True))
    assert guard.reserve(600) and guard.reserve(400)
    guard.written(500)
    assert guard.reserve(500)
    assert not guard.reserve(1) and guard.condemned
    assert not guard.reserve(1)
    assert counters.snapshot()["slow_consumer_disconnects"] == 1


def test_new_limits_have_flags_and_defaults() -> None:
    default = ServerConfig()
    assert default.limits.max_depth == 32
    assert default.max_frame_bytes == 64 * 1024 + 4096
    assert (default.guards.ping_interval_s, default.guards.ping_timeout_s) == (25.0, 20.0)
    assert default.guards.header_timeout_s == 10.0
    assert default.guards.max_outbound_bytes == 8 * 1024 * 1024
    assert default.guards.max_open_files == 0
    config = parse_args(
        [
            "--max-depth",
            "8",
            "--ping-interval-s",
            "1",
            "--ping-timeout-s",
            "2",
            "--header-timeout-s",
            "3",
            "--max-outbound-bytes",
            "4096",
            "--log-interval-s",
            "0",
            "--max-open-files",
            "256",
        ]
    )
    assert config.limits.max_depth == 8
    guards = config.guards
    assert (guards.ping_interval_s, guards.ping_timeout_s, guards.header_timeout_s) == (1, 2, 3)
    assert (guards.max_outbound_bytes, guards.log_interval_s, guards.max_open_files) == (
        4096,
        0,
        256,
    )
    with pytest.raises(SystemExit):
        parse_args(["--max-outbound-bytes", "0"])


def test_a_connection_over_its_inbound_bound_for_the_flood_time_is_counted_once() -> None:
    counters = Counters()
    slept_s: list[float] = []
    shared = TransportGuard(
        counters, RateLimitedLog(logging.getLogger("t"), 60.0), 100, 1000, 1000, 0.0
    )
    shared.sleep = slept_s.append
    guard = ConnectionGuard(shared, lambda: None)
    assert guard.inbound(100)  # within the burst (two whole messages)
    assert not guard.inbound(10_000)  # over, and the flood time (0 s) is up
    assert counters.snapshot()["inbound_flood_disconnects"] == 1
    assert slept_s == []


def test_polling_and_inbound_flags_have_defaults() -> None:
    default = ServerConfig()
    assert default.transports == ("websocket",)
    assert ServerConfig(allow_polling=True).transports == ("polling", "websocket")
    assert default.guards.max_inbound_bytes_per_s == 4 * 1024 * 1024
    assert default.guards.inbound_flood_s == 5.0
    parsed = parse_args(
        ["--allow-polling", "--max-inbound-bytes-per-s", "5", "--inbound-flood-s", "2"]
    )
    assert parsed.allow_polling
    assert (parsed.guards.max_inbound_bytes_per_s, parsed.guards.inbound_flood_s) == (5, 2.0)
