"""Where a run's output goes: ``reports/runs/<UTC timestamp>/`` and ``reports/runs/latest``."""

from __future__ import annotations

import time
from pathlib import Path

RUNS_ROOT = Path("reports") / "runs"


def new_run_dir(root: Path = RUNS_ROOT) -> Path:
    """Create ``root/<UTC timestamp>`` (suffixed when taken) and point ``root/latest`` at it."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    root.mkdir(parents=True, exist_ok=True)
    path = root / stamp
    suffix = 1
    while path.exists():
        suffix += 1
        path = root / f"{stamp}-{suffix}"
    path.mkdir()
    point_latest(path)
    return path


def point_latest(path: Path) -> None:
    """Make ``<parent>/latest`` a relative symlink to ``path`` (replaced atomically)."""
    link = path.parent / "latest"
    tmp = path.parent / f".latest-{path.name}"
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(path.name)
    tmp.replace(link)
