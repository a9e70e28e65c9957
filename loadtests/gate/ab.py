"""The regression gate's A/B mode: base and candidate in one job, interleaved.

The independent run (a repeat) is the gate's unit of evidence, so both sides
run several short repeats on the same machine, interleaved in ABBA blocks
(A B B A A B B A ...) or in a seeded random order: drift, a noisy neighbour or
a warming cache then hits both sides alike instead of biasing one. Then
``python -m reports gate`` judges them (the gate reads only results files, so
it runs as its own process). The scenario names its two configurations
``base`` and ``candidate``. With ``--base-ref`` the base runs ``target_app``
from a temporary git worktree of that commit, so a change to the server is
gated against the code it changes. With ``--adaptive`` an inconclusive answer
buys another ABBA block, up to ``--max-repeats`` a side (docs/gate.md says how
the false-positive rate stays bounded over those looks).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from loadtests.model.exit_codes import EXIT_INCONCLUSIVE, EXIT_REGRESSION
from loadtests.model.load import ScenarioError
from loadtests.orchestrate.config_spec import ConfigSpec, ReferenceServer
from loadtests.orchestrate.scenario_file import MAX_REPEAT, Scenario

BASE, CANDIDATE = "base", "candidate"
ORDERS = ("abba", "random")
# The default A/B gate: 6 repeats a side of the scenario's (15 s) window, about
# 5 min on a 2-core machine (docs/gate.md). 6 against 6 is the smallest balanced
# design whose smallest possible Mann-Whitney p (2/924) clears the Holm
# threshold of the shipped family of five metrics split over three adaptive looks.
DEFAULT_REPEATS = 6
ADAPTIVE_STEP = 2


@dataclass(frozen=True)
class PlannedScenario(Scenario):
    """A matrix whose runs happen in an explicit order (``plan`` returns it).

    ``order`` lists (configuration name, repeat index); ``repeat`` stays the
    largest count a side so results files keep stable ``NAME.K.json`` names
    across batches (``runner.results_name``).
    """

    order: tuple[tuple[str, int], ...] = ()

    def plan(self) -> list[tuple[ConfigSpec, int]]:
        by_name = {c.name: c for c in self.configs}
        return [(by_name[name], k) for name, k in self.order]


def interleave(
    names: Sequence[str], first: int, count: int, how: str = "abba", seed: int = 0
) -> list[tuple[str, int]]:
    """Run order of repeats ``first .. first+count-1`` of every name in ``names``.

    ``abba``: blocks alternate the order (A B, B A, A B ...), so a linear drift
    cancels between the sides within every two blocks. ``random``: each block
    is a seeded random permutation of ``names`` (block k uses ``seed`` and k,
    so a batch added later does not repeat an earlier block's order).
    """
    if how not in ORDERS:
        raise ScenarioError(f"--order {how!r} is not allowed; allowed: {', '.join(ORDERS)}")
    order: list[tuple[str, int]] = []
    for k in range(first, first + count):
        block = list(names)
        if how == "abba":
            if k % 2:
                block.reverse()
        else:
            random.Random(seed * 100_003 + k).shuffle(block)
        order += [(name, k) for name in block]
    return order


def planned(
    matrix: Scenario, order: Sequence[tuple[str, int]], max_repeats: int
) -> PlannedScenario:
    """``matrix`` with an explicit run ``order`` and files named for ``max_repeats`` a side."""
    return PlannedScenario(
        name=matrix.name,
        load=matrix.load,
        configs=matrix.configs,
        repeat=max(2, max_repeats),
        generator_processes=matrix.generator_processes,
        source=matrix.source,
        order=tuple(order),
    )


def check_sides(matrix: Scenario) -> None:
    """An A/B scenario has exactly the configurations ``base`` and ``candidate``."""
    names = sorted(c.name for c in matrix.configs)
    if names != [BASE, CANDIDATE]:
        raise ScenarioError(
            f"{matrix.source}: an A/B gate scenario needs configurations named "
            f"'{BASE}' and '{CANDIDATE}', found {names}"
        )


def with_base_app(matrix: Scenario, app_dir: Path) -> Scenario:
    """The same matrix with the base configuration running ``app_dir``'s target_app."""
    if not (app_dir / "target_app" / "__main__.py").is_file():
        raise ScenarioError(
            f"the base checkout {app_dir} has no target_app package: "
            "choose a --base-ref that has one"
        )
    configs = tuple(with_app_dir(c, app_dir) if c.name == BASE else c for c in matrix.configs)
    return replace(matrix, configs=configs)


def with_app_dir(config: ConfigSpec, app_dir: Path) -> ConfigSpec:
    """``config`` running ``app_dir``'s target_app; a command or a running target has no
    target_app to swap, and stays as it is."""
    return replace(config, app_dir=app_dir) if isinstance(config, ReferenceServer) else config


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


def judge(out_dir: Path, rules: Path | None = None, looks: int = 1) -> int:
    """Run ``roombench gate --baseline`` on ``out_dir``'s two sides; return its exit code.

    A candidate that wrote no results at all failed every run: exit 1. A
    baseline that wrote none leaves nothing to compare with: exit 3.
    """
    base, candidate = side_files(out_dir, BASE), side_files(out_dir, CANDIDATE)
    if not candidate:
        print(
            f"gate: the candidate wrote no results in {out_dir}: every run failed", file=sys.stderr
        )
        return EXIT_REGRESSION
    if not base:
        print(
            f"gate: the baseline wrote no results in {out_dir}: nothing to compare with, "
            "inconclusive",
            file=sys.stderr,
        )
        return EXIT_INCONCLUSIVE
    argv = [
        sys.executable,
        "-m",
        "loadtests.cli",  # roombench (its stored gate)
        "gate",
        "--baseline",
        *map(str, base),
        "--candidate",
        *map(str, candidate),
        "--json-out",
        str(out_dir / "gate.json"),
        "--markdown-out",
        str(out_dir / "gate.md"),
        "--looks",
        str(looks),
    ]
    if (out_dir / "run.json").is_file():
        argv += ["--manifest", str(out_dir / "run.json")]
    if rules is not None:
        argv += ["--rules", str(rules)]
    return subprocess.run(argv, check=False).returncode


def more_repeats_can_help(out_dir: Path) -> bool:
    """Whether the last verdict was inconclusive only for want of evidence.

    True when every undecided line is a timing line whose outcome is unknown
    or untestable and nothing else (a flag, a different scenario) blocked it:
    more repeats cannot cure a saturated generator.
    """
    try:
        verdict = json.loads((out_dir / "gate.json").read_text())
    except (OSError, json.JSONDecodeError):
        return False
    undecided = [c for c in verdict.get("checks", []) if c.get("verdict") == "inconclusive"]
    return bool(undecided) and len(verdict.get("reasons", [])) == len(undecided)


def looks_for(repeats: int, max_repeats: int, adaptive: bool) -> int:
    """How many times an adaptive gate may look: the first batch, then one per added block."""
    if not adaptive or max_repeats <= repeats:
        return 1
    return 1 + -(-(max_repeats - repeats) // ADAPTIVE_STEP)


@dataclass(frozen=True)
class GatePlan:
    """How ``python -m loadtests gate`` runs: repeats a side, order, adaptivity."""

    repeats: int = DEFAULT_REPEATS
    order: str = "abba"
    seed: int = 0
    adaptive: bool = False
    max_repeats: int = DEFAULT_REPEATS + 4

    def check(self) -> None:
        if not 1 <= self.repeats <= MAX_REPEAT:
            raise ScenarioError(
                f"--repeat {self.repeats} is out of range; allowed: 1..{MAX_REPEAT}"
            )
        if self.adaptive and not self.repeats <= self.max_repeats <= MAX_REPEAT:
            raise ScenarioError(
                f"--max-repeats {self.max_repeats} is out of range; allowed: "
                f"{self.repeats}..{MAX_REPEAT} (at least --repeat)"
            )
        if self.order not in ORDERS:
            raise ScenarioError(
                f"--order {self.order!r} is not allowed; allowed: {', '.join(ORDERS)}"
            )


def batches(plan: GatePlan) -> Iterator[tuple[int, list[tuple[str, int]]]]:
    """(repeats a side after the batch, run order of the batch): the first, then added blocks."""
    done = plan.repeats
    yield done, interleave([BASE, CANDIDATE], 0, plan.repeats, plan.order, plan.seed)
    while plan.adaptive and done < plan.max_repeats:
        step = min(ADAPTIVE_STEP, plan.max_repeats - done)
        yield done + step, interleave([BASE, CANDIDATE], done, step, plan.order, plan.seed)
        done += step


def run_gate(
    plan: GatePlan,
    run_batch: Callable[[list[tuple[str, int]]], None],
    judge_now: Callable[[int], int],
    can_help: Callable[[], bool],
    say: Callable[[str], None] = print,
) -> int:
    """Run the plan's batches, judging after each; return the last exit code.

    ``run_batch(order)`` runs one batch; ``judge_now(looks)`` judges all runs so
    far with alpha split over ``looks``; ``can_help()`` says whether the last
    inconclusive verdict wanted only more repeats. Without ``adaptive`` there is
    one batch and one look.
    """
    looks = looks_for(plan.repeats, plan.max_repeats, plan.adaptive)
    code = EXIT_INCONCLUSIVE
    for repeats, order in batches(plan):
        run_batch(order)
        code = judge_now(looks)
        if code != EXIT_INCONCLUSIVE or not can_help():
            break
        if repeats < plan.max_repeats and plan.adaptive:
            say(f"gate: inconclusive at {repeats} repeats a side: adding {ADAPTIVE_STEP} more")
    return code
