"""The regression gate's A/B mode: base and candidate in one job, interleaved.

Both sides run on the same machine in A B A B order, so drift and noisy
neighbours hit them alike; then ``python -m reports gate`` judges them (the
gate reads only results files, so it runs as its own process). The scenario
names its two configurations ``base`` and ``candidate``. With ``--base-ref``
the base runs ``target_app`` from a temporary git worktree of that commit, so
a change to the server is gated against the code it changes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from loadtests.orchestrate.matrix import Matrix
from loadtests.orchestrate.scenario import ScenarioError

BASE, CANDIDATE = "base", "candidate"


def check_sides(matrix: Matrix) -> None:
    """An A/B scenario has exactly the configurations ``base`` and ``candidate``."""
    names = sorted(c.name for c in matrix.configs)
    if names != [BASE, CANDIDATE]:
        raise ScenarioError(
            f"{matrix.source}: an A/B gate scenario needs configurations named "
            f"'{BASE}' and '{CANDIDATE}', found {names}"
        )


def with_base_app(matrix: Matrix, app_dir: Path) -> Matrix:
    """The same matrix with the base configuration running ``app_dir``'s target_app."""
    if not (app_dir / "target_app" / "__main__.py").is_file():
        raise ScenarioError(
            f"the base checkout {app_dir} has no target_app package: "
            "choose a --base-ref that has one"
        )
    configs = tuple(replace(c, app_dir=app_dir) if c.name == BASE else c for c in matrix.configs)
    return replace(matrix, configs=configs)


@contextmanager
def worktree(ref: str, repo: Path = Path(".")) -> Iterator[Path]:
    """A detached git worktree of ``ref`` in a temporary folder, removed afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="roombench-base-"))
    path = parent / "checkout"
    made = subprocess.run(
        ["git", "-C", str(repo), "worktree", "add", "--detach", str(path), ref],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        raise ScenarioError(f"--base-ref {ref}: git worktree add failed: {made.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "remove", "--force", str(path)],
            capture_output=True,
        )
        subprocess.run(["git", "-C", str(repo), "worktree", "prune"], capture_output=True)
        shutil.rmtree(parent, ignore_errors=True)


def side_files(out_dir: Path, side: str) -> list[Path]:
    """The results files one side wrote (``base.json`` or ``base.0.json``, ``base.1.json`` ...)."""
    return sorted(p for p in out_dir.glob(f"{side}*.json") if p.stem.split(".")[0] == side)


def judge(out_dir: Path, rules: Path | None = None) -> int:
    """Run ``python -m reports gate`` on ``out_dir``'s two sides; return its exit code."""
    base, candidate = side_files(out_dir, BASE), side_files(out_dir, CANDIDATE)
    if not base or not candidate:
        print(
            f"gate: a side wrote no results in {out_dir} (base {len(base)}, candidate "
            f"{len(candidate)} files): inconclusive",
            file=sys.stderr,
        )
        return 3
    argv = [
        sys.executable,
        "-m",
        "reports",
        "gate",
        "--baseline",
        *map(str, base),
        "--candidate",
        *map(str, candidate),
        "--json-out",
        str(out_dir / "gate.json"),
        "--markdown-out",
        str(out_dir / "gate.md"),
    ]
    if rules is not None:
        argv += ["--config", str(rules)]
    return subprocess.run(argv, check=False).returncode
