"""``roombench run``: results are never overwritten, by refusing a used --out folder."""

from __future__ import annotations

import pytest

from loadtests.cli import main


def test_run_refuses_an_out_folder_holding_its_results(
    capsys: pytest.CaptureFixture[str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    out.mkdir()
    (out / "single.json").write_text("{}")
    code = main(["run", "loadtests/scenarios/default.toml", "--out", str(out)])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"roombench run: error: --out {out}: single.json exists (an earlier run); "
        "pass a new --out folder, or leave it out for a fresh one"
    )
    assert (out / "single.json").read_text() == "{}"
