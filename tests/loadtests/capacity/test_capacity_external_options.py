"""``roombench capacity --external-workers K --master-bind ADDR``: the same bad-input errors as
run and gate, before anything starts (no server, no output folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests.cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # 198.18.255.254: a test-host address no test here ever gives this machine
        (
            ["--external-workers", "2", "--master-bind", "198.18.255.254"],
            "roombench capacity: error: --master-bind: 198.18.255.254 is not an address of this "
            "machine",
        ),
        (["--external-workers", "2"], "roombench capacity: error: --master-bind: missing"),
        (
            ["--external-workers", "0", "--master-bind", "127.0.0.1"],
            "roombench capacity: error: --external-workers: 0 is out of range; allowed: 1..256",
        ),
        (["--workers-timeout", "5"], "roombench capacity: error: --workers-timeout: without"),
        (
            ["--external-workers", "1", "--master-bind", "127.0.0.1:0"],
            "roombench capacity: error: --master-bind: port '0' is not a port number",
        ),
    ],
)
def test_bad_external_worker_options_name_the_option(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["capacity", *args, "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith(message)
    assert not out.exists()  # refused before anything started
