"""``--external-workers K --master-bind ADDR`` and ``roombench worker``: options, checks and
the never-arrived error (pure, on canned Locust logs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests.cluster.ports import free_port
from loadtests.model.load import Load, ScenarioError
from loadtests.orchestrate.external_workers import (
    ExternalWorkers,
    from_args,
    split_host_port,
    worker_argv,
)
from loadtests.orchestrate.locust_cmd import LocustRun, build_argv


def test_master_addresses_with_and_without_a_port() -> None:
    assert split_host_port("198.18.0.1", "--master", ScenarioError) == ("198.18.0.1", 5557)
    assert split_host_port("198.18.0.1:6000", "--master", ScenarioError) == ("198.18.0.1", 6000)
    assert split_host_port("[::1]:6000", "--master", ScenarioError) == ("::1", 6000)
    assert split_host_port("load-a.example", "--master", ScenarioError) == ("load-a.example", 5557)
    with pytest.raises(ScenarioError, match=r"^--master: port 'x' is not a port number"):
        split_host_port("a:x", "--master", ScenarioError)
    with pytest.raises(ScenarioError, match=r"^--master: ':5557' has no host"):
        split_host_port(":5557", "--master", ScenarioError)


def test_the_worker_command_is_a_locust_worker_pointed_at_the_master() -> None:
    assert worker_argv("198.18.0.1", ["--processes", "2"]) == [
        "--worker",
        "--master-host",
        "198.18.0.1",
        "--master-port",
        "5557",
        "--processes",
        "2",
    ]


@pytest.mark.parametrize(
    ("count", "bind", "wait_s", "message"),
    [
        (2, None, None, "--master-bind: missing: --external-workers K and --master-bind"),
        (None, "127.0.0.1", None, "--external-workers: missing"),
        (0, "127.0.0.1", None, "--external-workers: 0 is out of range; allowed: 1..256"),
        (2, "127.0.0.1", 0.5, "--workers-timeout: 0.5 is out of range"),
        (None, None, 5.0, "--workers-timeout: without --external-workers"),
        # 198.18.255.254: a test-host address no test here ever gives this machine
        (2, "198.18.255.254", None, "--master-bind: 198.18.255.254 is not an address of this"),
    ],
)
def test_bad_options_name_the_key_before_anything_starts(
    count: int | None, bind: str | None, wait_s: float | None, message: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        from_args(count, bind, wait_s, ScenarioError)
    assert str(caught.value).startswith(message), caught.value


def test_good_options_and_the_masters_locust_arguments() -> None:
    assert from_args(None, None, None, ScenarioError) is None
    port = free_port()
    workers = from_args(2, f"127.0.0.1:{port}", None, ScenarioError)
    assert workers == ExternalWorkers(2, "127.0.0.1", port, 60.0)
    run = LocustRun(
        scenario=Load(), node_urls=["http://127.0.0.1:5000"], results_path=Path("r.json")
    )
    argv = build_argv(LocustRun(**{**run.__dict__, "processes": 2, "external": workers}))
    assert "--processes" not in argv
    at = argv.index("--master")
    assert argv[at : at + 9] == [
        "--master",
        "--expect-workers",
        "2",
        "--expect-workers-max-wait",
        "60",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        str(port),
    ]


def test_a_count_that_never_arrives_says_how_many_came(tmp_path: Path) -> None:
    workers = ExternalWorkers(3, "198.18.0.1", 5557, 8.0)
    log = tmp_path / "locust.log"
    assert workers.never_arrived(log) is None  # no log: not this failure
    log.write_text(
        "[2026-12-07 18:00:00] a/INFO/locust.runners: b_12 (index 0) reported as ready. "
        "1 workers connected.\n"
        "[2026-12-07 18:00:00] a/INFO/locust.runners: c_34 (index 1) reported as ready. "
        "2 workers connected.\n"
        "[2026-12-07 18:00:06] a/INFO/root: Waiting for workers to be ready, 2 of 3 connected\n"
    )
    assert workers.never_arrived(log) is None  # still waiting
    with log.open("a") as out:
        out.write("[2026-12-07 18:00:08] a/ERROR/root: Gave up waiting for workers to connect\n")
    assert workers.never_arrived(log) == (
        "--external-workers 3: 2 of 3 worker(s) connected to 198.18.0.1:5557 within 8 s "
        "(--workers-timeout); start each with `roombench worker --master 198.18.0.1:5557` "
        "on a host that reaches it"
    )
