"""The Locust command line: the master listens on loopback, on a port of its own."""

from __future__ import annotations

from pathlib import Path

from loadtests.cluster.ports import port_in_use
from loadtests.model.load import Load
from loadtests.orchestrate.locust_cmd import LocustRun, build_argv


def _value(argv: list[str], option: str) -> str:
    return argv[argv.index(option) + 1]


def test_the_master_binds_loopback_on_a_free_port_its_workers_connect_to(tmp_path: Path) -> None:
    run = LocustRun(Load(), ["http://127.0.0.1:9"], tmp_path / "r.json", processes=2)
    first = build_argv(run)
    assert _value(first, "--processes") == "2"
    assert _value(first, "--master-bind-host") == "127.0.0.1"
    port = _value(first, "--master-bind-port")
    assert _value(first, "--master-port") == port  # the forked workers inherit it
    assert not port_in_use(int(port))


def test_a_single_process_run_has_no_master_socket(tmp_path: Path) -> None:
    run = LocustRun(Load(), ["http://127.0.0.1:9"], tmp_path / "r.json", processes=0)
    argv = build_argv(run)
    assert "--processes" not in argv and "--master-bind-port" not in argv
