"""The progress file's window start, as the fault timeline and the abuse process read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loadtests.coordination.progress_file import read_window_start_ns, window_start_ns

S = 1_000_000_000


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        ({"phase": "joining", "joined": 3}, None),  # the master has not planned it yet
        ({"window": None}, None),
        ({"window": {"end_ns": 5}}, None),
        ({"window": {"start_ns": "soon"}}, None),
        ({"window": {"start_ns": True}}, None),
        ({"window": {"start_ns": 17 * S, "end_ns": 37 * S}}, 17 * S),
    ],
)
def test_window_start_is_read_defensively(progress: dict[str, Any], expected: int | None) -> None:
    assert window_start_ns(progress) == expected


def test_progress_file_missing_or_half_written(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    assert read_window_start_ns(path) is None
    path.write_text('{"window": {"start_ns": 12')
    assert read_window_start_ns(path) is None
    path.write_text("[1, 2]")
    assert read_window_start_ns(path) is None
    path.write_text(json.dumps({"window": {"start_ns": 12 * S}}))
    assert read_window_start_ns(path) == 12 * S
