"""Redis URLs are checked before any node starts: one line naming the URL and the fix, < 2 s."""

from __future__ import annotations

import pytest

from loadtests.cli import main
from loadtests.cluster.ports import free_port
from loadtests.cluster.supervisor import RedisServer
from loadtests.model.load import ScenarioError
from loadtests.orchestrate.redis_check import (
    TIMEOUT_S,
    RedisUrlError,
    check_queue_urls,
    check_redis_url,
    message_queue_urls,
)


def test_a_closed_port_fails_at_once_naming_the_url_and_the_fix() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    # Bounded by construction, not by a wall-clock assertion: a connect that nothing
    # refuses waits at most TIMEOUT_S; a closed port is refused at once.
    assert TIMEOUT_S <= 2.0
    with pytest.raises(RedisUrlError) as exc:
        check_redis_url(url)
    assert str(exc.value).startswith(f"--redis-url {url}: nothing accepts connections there")
    assert "leave out --redis-url" in str(exc.value)
    assert isinstance(exc.value, ScenarioError)  # the CLI's usage error: exit 2


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis://"])
def test_malformed_urls_say_what_a_redis_url_looks_like(url: str) -> None:
    with pytest.raises(RedisUrlError, match="allowed: redis://HOST:PORT/DB"):
        check_redis_url(url)


def test_message_queue_urls_in_server_args_both_spellings() -> None:
    args = ["--gc", "on", "--message-queue", "redis://a:1/0", "--message-queue=redis://b:2/0"]
    assert message_queue_urls(args) == ["redis://a:1/0", "redis://b:2/0"]


class _Config:
    name = "queued"
    server_args = ("--message-queue", "redis://127.0.0.1:1/0")


def test_a_configurations_message_queue_url_is_checked_too() -> None:
    with pytest.raises(RedisUrlError, match="configuration 'queued' server_args --message-queue"):
        check_queue_urls([_Config()], None)


def test_run_exits_2_with_one_line_before_starting_anything(
    capsys: pytest.CaptureFixture[str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    url = f"redis://127.0.0.1:{free_port()}/0"
    out = tmp_path / "out"
    code = main(["run", "loadtests/scenarios/default.toml", "--redis-url", url, "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"roombench run: error: --redis-url {url}: ")
    assert not out.exists()  # nothing was started, not even the output folder


@pytest.mark.slow
def test_a_running_redis_passes(redis_server: RedisServer) -> None:
    check_redis_url(redis_server.url)
