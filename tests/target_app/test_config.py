"""config.py and the registries keyed by its choices: no server."""

from __future__ import annotations

import pytest

from target_app import gc_modes, monkey, socket_tuning
from target_app.cli import build_parser, parse_args
from target_app.config import (
    ASYNC_MODES,
    GC_MODES,
    FaultPlan,
    Limits,
    ServerConfig,
)
from tests.conftest import ASYNC_MODES as FIXTURE_ASYNC_MODES


def test_defaults_need_no_arguments() -> None:
    config = ServerConfig()
    assert parse_args([]) == config
    assert (config.async_mode, config.port, config.message_queue) == ("eventlet", 5000, None)
    assert config.limits == Limits(128, 64, 65536, 100)
    assert config.max_connections == 100_000 and config.tcp_nodelay and config.gc_mode == "freeze"
    assert not config.faults.active and not config.presence and config.log_level == "WARNING"
    assert config.queue_channel == "flask-socketio"


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
        "--presence",
        "--max-room-chars",
        "--max-rooms-per-client",
        "--max-message-bytes",
        "--max-member-sids",
        "--max-connections",
        "--tcp-nodelay",
        "--gc",
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
