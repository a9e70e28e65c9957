"""What ``run``, ``gate`` and ``gate-selfcheck`` share: a scenario made ready, run into a folder.

``RunSpec`` is their common options (the scenario or ``--target``, ``--only``,
the output folder, the window, repeats, CPU sets, Redis, external workers);
``prepare`` checks all of it before anything starts, ``run_into`` runs a
matrix into a folder and writes its manifest, ``summarize`` builds the HTML
report and prints the summary table in this process (a failure there is
printed and changes no exit code: the results are written already).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from loadtests.cluster.processes import ProcessError
from loadtests.commands.options import (
    CpuSets,
    External,
    Load,
    Output,
    Redis,
    Repeats,
    Selection,
    Target,
)
from loadtests.commands.report import SummaryCommand, run_summary
from loadtests.model.load import ScenarioError
from loadtests.model.profile import ProfileError, load_profile
from loadtests.orchestrate.redis_check import check_queue_urls
from loadtests.orchestrate.runner import Manifest, RunOptions, results_name, run_scenario
from loadtests.orchestrate.scenario_file import Scenario, load_scenario, target_scenario
from reports.build import build_report


@dataclass(frozen=True)
class RunSpec:
    """The options every running subcommand takes, as parsed (``from_namespace``)."""

    scenario: Path | None
    output: Output = Output()
    load: Load = Load()
    repeats: Repeats = Repeats()
    cpu: CpuSets = CpuSets()
    redis: Redis = Redis()
    external: External = External()
    target: Target = Target()
    selection: Selection = Selection()
    command_line: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> RunSpec:
        has = ns.__contains__
        return cls(
            scenario=ns.scenario,
            output=Output.from_namespace(ns),
            load=Load.from_namespace(ns),
            repeats=Repeats.from_namespace(ns),
            cpu=CpuSets.from_namespace(ns),
            redis=Redis.from_namespace(ns),
            external=External.from_namespace(ns) if has("external_workers") else External(),
            target=Target.from_namespace(ns) if has("target") else Target(),
            selection=Selection.from_namespace(ns) if has("only") else Selection(),
            command_line=tuple(getattr(ns, "command_line", ())),
        )


def prepare(spec: RunSpec) -> Scenario:
    """The matrix to run, every option checked before anything starts (ScenarioError)."""
    target = spec.target
    if target.urls and spec.scenario is not None:
        raise ScenarioError(
            "--target: runs a one-off at the default load, without a scenario file; "
            "allowed: --target URL alone, or target = [...] in the scenario's [[config]]"
        )
    if target.urls:
        matrix = target_scenario(list(target.urls), list(target.pids))
    elif spec.scenario is None:
        raise ScenarioError("no scenario: pass a scenario file, or --target URL for a one-off")
    else:
        matrix = load_scenario(spec.scenario)
    if target.pids and not target.urls:
        raise ScenarioError("--target-pid: only with --target; allowed: target_pids in [[config]]")
    if target.profile:
        try:
            matrix = matrix.with_protocol(load_profile(target.profile))
        except ProfileError as exc:
            raise ScenarioError(str(exc)) from exc
    if spec.selection.only:
        matrix = matrix.only(list(spec.selection.only))
    matrix = matrix.with_repeat(spec.repeats.repeat).with_cpu_sets(spec.cpu.cpu_sets)
    if spec.load.duration_s is not None and spec.load.duration_s <= 0:
        raise ScenarioError("--duration must be positive")
    check_queue_urls(matrix.configs, spec.redis.url)  # before any node starts: 1 PING, < 2 s
    spec.external.checked(ScenarioError)  # a --master-bind address this machine lacks
    return matrix


def refuse_overwrite(matrix: Scenario, out_dir: Path) -> None:
    """Results are never overwritten: an --out folder that holds this plan's files is refused."""
    taken = [
        name
        for name in (results_name(c, r, matrix.repeat) for c, r in matrix.plan())
        if (out_dir / f"{name}.json").exists()
    ]
    if taken:
        raise ScenarioError(
            f"--out {out_dir}: {', '.join(f'{n}.json' for n in taken)} "
            f"{'exists' if len(taken) == 1 else 'exist'} (an earlier run); "
            "pass a new --out folder, or leave it out for a fresh one"
        )


def run_into(
    matrix: Scenario, spec: RunSpec, out_dir: Path, manifest: Manifest | None = None
) -> Manifest:
    """Run ``matrix`` into ``out_dir`` (adding to ``manifest`` when given, as a gate's
    later batches do); KeyboardInterrupt and ProcessError propagate."""
    refuse_overwrite(matrix, out_dir)
    duration = spec.load.duration_s
    options = RunOptions(
        out_dir, duration, spec.redis.url, spec.redis.server, spec.external.checked(ScenarioError)
    )
    manifest = manifest or Manifest(
        run_id=out_dir.name,
        scenario_file=str(spec.scenario or "--target " + " ".join(spec.target.urls)),
        command=list(spec.command_line),
        matrix={
            "name": matrix.name,
            "repeat": matrix.repeat,
            "generator_processes": matrix.generator_processes,
            # The load as run: --duration replaces every configuration's window.
            "load": {
                **matrix.load.to_dict(),
                **({} if duration is None else {"window_s": duration}),
            },
            "duration_override_s": duration,
            "configs": [c.to_dict() for c in matrix.configs],
        },
        started_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    print(f"roombench: scenario {matrix.name}, {len(matrix.plan())} run(s), output {out_dir}")
    try:
        run_scenario(matrix, options, manifest)
        manifest.status = "failed" if any(o.error for o in manifest.outcomes) else "ok"
    except KeyboardInterrupt:
        manifest.status = "interrupted"
        raise
    except ProcessError:
        manifest.status = "failed"
        raise
    finally:
        manifest.finished_utc = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        manifest.write(out_dir)
    return manifest


def report_failures(manifest: Manifest, out_dir: Path) -> None:
    for outcome in manifest.outcomes:
        if outcome.error:
            print(
                f"FAILED {outcome.config} (repeat {outcome.repeat}): logs in {out_dir}/logs",
                file=sys.stderr,
            )


def summarize(out_dir: Path) -> None:
    """Build the HTML report, then print the summary table naming it (in this process).

    Either failing is printed and changes nothing else: the results are written
    already, and a broken page must not hide them nor change the run's exit code.
    """
    try:
        build_report([out_dir])
    except Exception as exc:  # noqa: BLE001 - any failure of the page, reported as such
        print(f"report: not built ({type(exc).__name__}: {exc})", file=sys.stderr)
    try:
        run_summary(SummaryCommand((out_dir,)), [])
    except Exception as exc:  # noqa: BLE001 - the same for the table
        print(f"summary: not printed ({type(exc).__name__}: {exc})", file=sys.stderr)


def unfinished(matrix: Scenario, out_dir: Path) -> list[str]:
    """The planned results files an interrupted run did not complete (missing or incomplete)."""
    missing = []
    for config, repeat_index in matrix.plan():
        stem = results_name(config, repeat_index, matrix.repeat)
        path = out_dir / f"{stem}.json"
        try:
            complete = "incomplete" not in json.loads(path.read_text()).get("flags", {})
        except (OSError, ValueError):
            complete = False
        if not complete:
            missing.append(stem)
    return missing
