"""config.py and the registries keyed by its choices: no server."""

from __future__ import annotations

from typing import Any

import pytest

from target_app import events, gc_modes, monkey, socket_tuning
from target_app.cli import build_parser, parse_args
from target_app.config import (
    ASYNC_MODES,
    DISPATCHES,
    GC_MODES,
    FaultPlan,
    Limits,
    ServerConfig,
)
from target_app.server import describe
from tests.conftest import ASYNC_MODES as FIXTURE_ASYNC_MODES


def test_defaults_need_no_arguments() -> None:
    config = ServerConfig()
    assert parse_args([]) == config
    assert (config.async_mode, config.port, config.message_queue) == ("eventlet", 5000, None)
    assert config.limits == Limits(128, 64, 65536, 100)
    assert config.max_connections == 100_000 and config.tcp_nodelay and config.gc_mode == "freeze"
    assert not config.faults.active and not config.presence and config.log_level == "WARNING"
    assert config.queue_channel == "flask-socketio" and config.dispatch == "flask-socketio"
    assert not config.manage_session and config.json_module == "json"


def test_the_supervisors_command_line_parses() -> None:
    config = parse_args(
        [
            "--host",
            "127.0.0.1",
            "--port",
            "5123",
            "--async-mode",
            "gevent",
            "--node-id",
            "node-3",
            "--message-queue",
            "redis://127.0.0.1:6390/0",
            "--gc",
            "off",
            "--presence",
            "--inject-delay-ms",
            "5",
            "--inject-drop-rate",
            "0.25",
            "--inject-seed",
            "9",
            "--max-rooms-per-client",
            "8",
            "--no-tcp-nodelay",
            "--max-connections",
            "2048",
        ]
    )
    assert config.port == 5123 and config.async_mode == "gevent" and config.node_id == "node-3"
    assert config.message_queue == "redis://127.0.0.1:6390/0" and config.gc_mode == "off"
    assert config.faults == FaultPlan(delay_ms=5.0, drop_rate=0.25, seed=9)
    assert config.limits.max_rooms_per_client == 8 and config.presence
    assert not config.tcp_nodelay and config.max_connections == 2048


def test_the_queue_channel_and_dispatch_flags_parse() -> None:
    config = parse_args(
        [
            "--message-queue",
            "redis://127.0.0.1:6390/0",
            "--queue-channel",
            "roombench-a",
            "--dispatch",
            "socketio",
        ]
    )
    assert config.queue_channel == "roombench-a" and config.dispatch == "socketio"
    # Flask-SocketIO's own channel, named explicitly, needs no queue.
    assert parse_args(["--queue-channel", "flask-socketio"]) == ServerConfig()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"queue_channel": "roombench-a"}, "--queue-channel needs --message-queue"),
        (
            {"queue_channel": "", "message_queue": "redis://127.0.0.1:6390/0"},
            "--queue-channel must not be empty",
        ),
        ({"queue_channel": ""}, "--queue-channel must not be empty"),
        ({"dispatch": "flask"}, "--dispatch must be one of flask-socketio, socketio"),
    ],
)
def test_queue_channel_and_dispatch_problems_name_the_flags(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ServerConfig(**fields)


@pytest.mark.parametrize(
    ("argv", "flags"),
    [
        (["--queue-channel", "roombench-a"], ("--queue-channel", "--message-queue")),
        (
            ["--message-queue", "redis://127.0.0.1:6390/0", "--queue-channel", ""],
            ("--queue-channel",),
        ),
        (["--dispatch", "flask"], ("--dispatch",)),
    ],
)
def test_queue_channel_and_dispatch_errors_exit_2_naming_the_flags(
    argv: list[str], flags: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err
    for flag in flags:
        assert flag in err.split("error:", 1)[1]


@pytest.mark.parametrize(
    "argv",
    [
        ["--async-mode", "asyncio"],
        ["--port", "0"],
        ["--message-queue", "amqp://x"],
        ["--inject-drop-rate", "1.5"],
        ["--inject-delay-ms", "-1"],
        ["--max-room-chars", "0"],
        ["--gc", "sometimes"],
    ],
)
def test_invalid_options_are_usage_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_help_names_every_option_with_its_default() -> None:
    text = build_parser().format_help()
    for option in (
        "--host",
        "--port",
        "--async-mode",
        "--node-id",
        "--message-queue",
        "--queue-channel",
        "--presence",
        "--max-room-chars",
        "--max-rooms-per-client",
        "--max-message-bytes",
        "--max-member-sids",
        "--max-connections",
        "--tcp-nodelay",
        "--gc",
        "--dispatch",
        "--inject-delay-ms",
        "--inject-drop-rate",
        "--inject-seed",
        "--log-level",
    ):
        assert option in text
    assert text.count("(default:") == len(build_parser()._actions) - 1  # all but --help


def test_registries_cover_every_choice() -> None:
    assert set(ASYNC_MODES) == set(FIXTURE_ASYNC_MODES)
    assert set(monkey.PATCHES) == set(ASYNC_MODES)
    assert set(socket_tuning.SERVER_OPTIONS) == set(ASYNC_MODES)
    assert set(gc_modes.GC_MODES) == set(GC_MODES)
    assert set(events.DIRECT_EVENTS) == set(DISPATCHES)


def test_the_start_up_line_names_every_setting_that_moves_capacity() -> None:
    line = describe(
        parse_args(
            ["--message-queue", "redis://:secret@127.0.0.1:6390/0", "--queue-channel", "bench-a"]
            + ["--dispatch", "socketio", "--manage-session", "--json", "orjson"]
            + ["--ping-interval-s", "5", "--ping-timeout-s", "4", "--gc", "default"]
        )
    )
    assert "message_queue=redis://:***@127.0.0.1:6390/0 (channel bench-a)" in line
    assert "secret" not in line
    assert "dispatch=socketio" in line and "manage_session=True" in line
    assert "json=orjson" in line and "ping=5/4s" in line and "gc=default" in line
