"""``roombench run --target URL``: usage errors before anything starts (exit 2, one line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests.cli import main
from loadtests.cluster.ports import free_port


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["run", "--target", "https://127.0.0.1:5000"],
            "error: --target: 'https://127.0.0.1:5000': scheme 'https' is not supported",
        ),
        (
            ["run", "--target", "http://127.0.0.1:5000", "--target-pid", "1", "2"],
            "error: --target-pid: 2 pid(s) for 1 target URL(s)",
        ),
        (
            ["run"],
            "error: no scenario: pass a scenario file, or --target URL for a one-off",
        ),
        (
            ["run", "loadtests/scenarios/default.toml", "--target", "http://127.0.0.1:5000"],
            "error: --target: runs a one-off at the default load, without a scenario file",
        ),
        (
            ["run", "loadtests/scenarios/default.toml", "--target-pid", "5"],
            "error: --target-pid: only with --target",
        ),
        (
            ["run", "--target", "http://127.0.0.1:5000", "--profile", "nodejs"],
            "error: --profile: no ready-made profile 'nodejs'",
        ),
    ],
)
def test_usage_errors_name_the_option(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(f"roombench run: {message}")


def test_a_target_nobody_answers_fails_the_run_naming_the_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code = main(["run", "--target", url, "--out", str(tmp_path), "--no-summary"])
    out = capsys.readouterr()
    assert code == 1
    assert f"{url}: ConnectionRefusedError" in out.out
    assert "FAILED target (repeat 0)" in out.err
