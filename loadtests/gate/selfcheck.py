"""``gate-selfcheck``: the default A/B gate's measured false-positive rate and power.

A gate whose error rates nobody measured is a guess. This runs, at the shipped
gate load, a *pool* of interleaved runs: base runs, and runs whose server adds
``inject_delay_ms`` = 1 and = 2 to every room delivery. Then it forms many gates
from the pool, each exactly as ``make gate`` would judge them (``repeats`` runs
a side, the shipped rules), and counts:

* A/A gates (base against base): how often the gate exits 1 (false positive)
  and how often 3 (inconclusive);
* +1 ms and +2 ms gates (base against delayed): how often it exits 1 (power).

Two ways to form gates from the pool, both reported:

* **in time**: every window of consecutive runs (ABBA-split for A/A; for a delay,
  each delayed run with the base run nearest in time), as a real gate sees them,
  drift included;
* **random**: random disjoint draws, the sides exchangeable by construction.

Why reusing a pool is still honest (docs/gate.md has the long form): within one
gate no run is used twice and the two sides are disjoint, so every gate sees
independent runs, as a real gate does. Across gates runs are reused, which makes
the gates' outcomes dependent: the rate is then an average over many overlapping
gates (an unbiased estimate of one gate's rate when runs are exchangeable), but
it carries no more information than the pool holds. So the 95 % interval is a
Wilson interval for the number of *disjoint* gates the pool can fill (36 base
runs fill 3 A/A gates of 6 + 6), never for the number of gates judged: by
Hoeffding's bound on U-statistics, the average over overlapping gates varies no
more than the mean of that many independent gates.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypedDict

from loadtests.gate import ab, binomial, power
from loadtests.gate.decision import evaluate
from loadtests.model.exit_codes import EXIT_INCONCLUSIVE, EXIT_REGRESSION
from loadtests.model.load import ScenarioError
from loadtests.model.results import ResultsDoc
from loadtests.orchestrate.config_spec import ReferenceServer
from loadtests.orchestrate.runner import Manifest, RunOptions, run_scenario
from loadtests.orchestrate.scenario_file import Scenario
from reports.loading import load_inputs
from reports.rules import GateRules
from reports.verdict import DIFFERENT

DELAYS_MS = (1.0, 2.0)
POOL_BASE_PER_BLOCK = 3  # base runs per block of the pool, beside one run of each delay


def delayed_name(delay_ms: float) -> str:
    return f"delay-{delay_ms:g}ms"


def pool_scenario(matrix: Scenario, delays_ms: Sequence[float] = DELAYS_MS) -> Scenario:
    """The gate scenario's base configuration, plus one copy per injected delay."""
    base = next(c for c in matrix.configs if c.name == ab.BASE)
    if not isinstance(base, ReferenceServer):  # only target_app injects delays
        raise ScenarioError(
            f"{matrix.source}: the self-check injects delays into target_app, and the "
            f"configuration {ab.BASE!r} is {base.server_text()}"
        )
    delayed = tuple(replace(base, name=delayed_name(d), inject_delay_ms=d) for d in delays_ms)
    return replace(matrix, configs=(base, *delayed))


def pool_order(
    blocks: int, delays_ms: Sequence[float] = DELAYS_MS, seed: int = 0
) -> list[tuple[str, int]]:
    """``blocks`` seeded-random blocks of 3 base runs and one run of each delay."""
    rng = random.Random(seed)
    order: list[tuple[str, int]] = []
    for block in range(blocks):
        names = [ab.BASE] * POOL_BASE_PER_BLOCK + [delayed_name(d) for d in delays_ms]
        rng.shuffle(names)
        counts = {n: 0 for n in names}
        for name in names:
            index = block * (POOL_BASE_PER_BLOCK if name == ab.BASE else 1) + counts[name]
            counts[name] += 1
            order.append((name, index))
    return order


def run_pool(
    matrix: Scenario, blocks: int, options: RunOptions, scenario_file: str, seed: int = 0
) -> Manifest:
    """Run the pool into ``options.out_dir`` (one file per run, ``run.json`` manifest)."""
    pool = pool_scenario(matrix)
    order = pool_order(blocks, seed=seed)
    runnable = ab.planned(pool, order, blocks * POOL_BASE_PER_BLOCK)
    manifest = Manifest(
        run_id=options.out_dir.name,
        scenario_file=scenario_file,
        command=sys.argv,
        matrix={"name": pool.name, "pool_blocks": blocks, "order": order, "seed": seed},
        started_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    print(f"gate-selfcheck: pool of {len(order)} runs into {options.out_dir}")
    try:
        run_scenario(runnable, options, manifest)
        manifest.status = "failed" if any(o.error for o in manifest.outcomes) else "ok"
    finally:
        manifest.finished_utc = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        manifest.write(options.out_dir)
    return manifest


@dataclass(frozen=True)
class FamilyResult:
    """How one family of resampled gates came out."""

    name: str
    gates: int  # resampled gates judged
    disjoint: int  # gates the pool can fill without reusing a run: the interval's n
    regression: float  # fraction exiting 1
    inconclusive: float  # fraction exiting 3
    any_different: float  # fraction with any line "different", either direction
    interval: tuple[float, float]  # 95 % Wilson interval of ``regression``, n = ``disjoint``

    def to_dict(self) -> FamilyDoc:
        return {
            "name": self.name,
            "gates": self.gates,
            "disjoint": self.disjoint,
            "regression": self.regression,
            "inconclusive": self.inconclusive,
            "any_different": self.any_different,
            "interval": self.interval,
        }


class FamilyDoc(TypedDict):
    """A ``FamilyResult`` in ``selfcheck.json`` (its fields)."""

    name: str
    gates: int
    disjoint: int
    regression: float
    inconclusive: float
    any_different: float
    interval: tuple[float, float]  # written as a JSON list


class SelfcheckDoc(TypedDict):
    """``selfcheck.json``: the gate's self-check over a pool of runs (docs/gate.md)."""

    kind: str
    pool: str
    runs: dict[str, int]  # runs of each configuration in the pool
    repeats_a_side: int
    resamples: int
    families: list[FamilyDoc]
    minimum_detectable_effect_pct: dict[str, float | None]  # None: beyond +100 %


def _by_config(pool_dir: Path) -> dict[str, list[ResultsDoc]]:
    docs: dict[str, list[ResultsDoc]] = {}
    for doc in load_inputs([pool_dir], warn=None).results:
        docs.setdefault(str(doc["config_name"]), []).append(doc)
    return docs


def _as_side(docs: Sequence[ResultsDoc], name: str) -> list[ResultsDoc]:
    """Copies renamed to one side of an A/B gate (the gate pairs one configuration a side)."""
    return [{**d, "config_name": name} for d in docs]


Draw = tuple[list[ResultsDoc], list[ResultsDoc]]


def _start(doc: ResultsDoc) -> int:
    return int(doc["window"]["start_ns"])


def random_draws(
    base_pool: Sequence[ResultsDoc],
    cand_pool: Sequence[ResultsDoc] | None,
    repeats: int,
    resamples: int,
    seed: int,
) -> list[Draw]:
    """Gates from random disjoint draws: the sides are exchangeable by construction."""
    rng = random.Random(seed)
    draws = []
    for _ in range(resamples):
        if cand_pool is None:
            drawn = rng.sample(list(base_pool), 2 * repeats)
            draws.append((drawn[:repeats], drawn[repeats:]))
        else:
            draws.append(
                (rng.sample(list(base_pool), repeats), rng.sample(list(cand_pool), repeats))
            )
    return draws


def ordered_draws(
    base_pool: Sequence[ResultsDoc],
    cand_pool: Sequence[ResultsDoc] | None,
    repeats: int,
) -> list[Draw]:
    """Gates as ``make gate`` runs them: consecutive runs in time, so drift stays in.

    A/A: every window of 2 x ``repeats`` consecutive base runs, split ABBA
    (base, candidate, candidate, base ...). Against a delay: every window of
    ``repeats`` consecutive delayed runs, each with the base run nearest in
    time (each base run once a gate).
    """
    base = sorted(base_pool, key=_start)
    abba = [k % 4 in (1, 2) for k in range(2 * repeats)]  # True: the candidate side
    draws: list[Draw] = []
    if cand_pool is None:
        for i in range(len(base) - 2 * repeats + 1):
            window = base[i : i + 2 * repeats]
            draws.append(
                (
                    [d for d, c in zip(window, abba, strict=True) if not c],
                    [d for d, c in zip(window, abba, strict=True) if c],
                )
            )
        return draws
    cand = sorted(cand_pool, key=_start)
    for i in range(len(cand) - repeats + 1):
        window = cand[i : i + repeats]
        free = list(base)
        side = []
        for run in window:
            nearest = min(free, key=lambda d: abs(_start(d) - _start(run)))
            free.remove(nearest)
            side.append(nearest)
        draws.append((side, window))
    return draws


def judge_family(
    name: str,
    draws: Sequence[Draw],
    disjoint: int,
    rules: GateRules,
) -> FamilyResult:
    """Judge every drawn gate; the interval's n is the ``disjoint`` gates the pool can fill."""
    verdicts = [
        evaluate(_as_side(base, ab.BASE), _as_side(cand, ab.CANDIDATE), rules)
        for base, cand in draws
    ]
    codes = [v.exit_code for v in verdicts]
    regression = codes.count(EXIT_REGRESSION) / len(codes)
    different = sum(any(c.outcome == DIFFERENT for c in v.checks) for v in verdicts)
    return FamilyResult(
        name=name,
        gates=len(codes),
        disjoint=disjoint,
        regression=regression,
        inconclusive=codes.count(EXIT_INCONCLUSIVE) / len(codes),
        any_different=different / len(codes),
        interval=binomial.wilson_interval(regression, disjoint),
    )


def judge_pool(
    pool_dir: Path,
    rules: GateRules,
    repeats: int = ab.DEFAULT_REPEATS,
    resamples: int = 200,
    seed: int = 0,
    say: Callable[[str], None] = print,
) -> SelfcheckDoc:
    """Every family's result and the minimum detectable effects, as a JSON-ready document."""
    docs = _by_config(pool_dir)
    base = docs.get(ab.BASE, [])
    if len(base) < 2 * repeats:
        raise ScenarioError(
            f"{pool_dir}: {len(base)} base runs cannot fill one A/A gate of {repeats} a side; "
            "run a larger pool (--blocks) or pass fewer --repeats"
        )
    aa_disjoint = len(base) // (2 * repeats)
    families = [
        judge_family("A/A, ABBA in time", ordered_draws(base, None, repeats), aa_disjoint, rules),
        judge_family(
            "A/A, random split",
            random_draws(base, None, repeats, resamples, seed),
            aa_disjoint,
            rules,
        ),
    ]
    for delay in DELAYS_MS:
        delayed = docs.get(delayed_name(delay), [])
        if len(delayed) < repeats:
            say(f"gate-selfcheck: only {len(delayed)} runs of {delayed_name(delay)}: skipped")
            continue
        disjoint = min(len(base), len(delayed)) // repeats
        families.append(
            judge_family(
                f"+{delay:g} ms, in time",
                ordered_draws(base, delayed, repeats),
                disjoint,
                rules,
            )
        )
        families.append(
            judge_family(
                f"+{delay:g} ms, random",
                random_draws(base, delayed, repeats, resamples, seed + 1),
                disjoint,
                rules,
            )
        )
    mde = power.minimum_detectable_effects(base, rules, repeats, seed=seed)
    return {
        "kind": "roombench.gate-selfcheck",
        "pool": str(pool_dir),
        "runs": {name: len(d) for name, d in sorted(docs.items())},
        "repeats_a_side": repeats,
        "resamples": resamples,
        "families": [f.to_dict() for f in families],
        "minimum_detectable_effect_pct": mde,
    }


def render(doc: SelfcheckDoc) -> str:
    """The selfcheck table (Markdown: the same text goes into docs/gate.md)."""
    lines = [
        f"Pool: {', '.join(f'{n} {k}' for n, k in doc['runs'].items())} runs; gates of "
        f"{doc['repeats_a_side']} runs a side; 'in time': every window of consecutive runs "
        f"(ABBA for A/A), 'random': {doc['resamples']} random disjoint draws.",
        "",
        "| gates | judged | exit 1 (regression) | 95 % interval | disjoint gates (interval's n) "
        "| exit 3 (inconclusive) | any line different |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for fam in doc["families"]:
        low, high = fam["interval"]
        lines.append(
            f"| {fam['name']} | {fam['gates']} | {fam['regression']:.1%} | {low:.0%} .. {high:.0%} "
            f"| {fam['disjoint']} | {fam['inconclusive']:.1%} | {fam['any_different']:.1%} |"
        )
    lines += ["", "Minimum detectable effect (80 % power, shift model on the base runs):"]
    for metric, pct in doc["minimum_detectable_effect_pct"].items():
        lines.append(f"- {metric}: " + ("none up to +100 %" if pct is None else f"+{pct:g} %"))
    return "\n".join(lines) + "\n"


def write(doc: SelfcheckDoc, out_dir: Path) -> None:
    (out_dir / "selfcheck.json").write_text(json.dumps(doc, indent=1) + "\n")
    (out_dir / "selfcheck.md").write_text(render(doc))
