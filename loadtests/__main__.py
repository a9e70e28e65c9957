"""``python -m loadtests``: run and compare server configurations, or A/B-gate two.

``run SCENARIO.toml`` runs every configuration of a scenario file and writes
results; ``gate [SCENARIO.toml]`` runs an A/B scenario (configurations ``base``
and ``candidate``, several repeats interleaved ABBA) and exits with the
regression gate's verdict: 0 pass, 1 regression, 3 inconclusive, 2 usage error;
``gate-selfcheck`` measures that gate's false-positive rate and power.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from loadtests.cluster.processes import ProcessError
from loadtests.interrupts import stop_on_interrupts
from loadtests.model.load import ScenarioError
from loadtests.model.profile import ProtocolError, load_profile
from loadtests.orchestrate import ab, external_workers, selfcheck
from loadtests.orchestrate.cli_args import build_parser
from loadtests.orchestrate.external_workers import ExternalWorkers
from loadtests.orchestrate.redis_check import check_queue_urls
from loadtests.orchestrate.rundir import RUNS_ROOT, new_run_dir, point_latest
from loadtests.orchestrate.runner import Manifest, RunOptions, results_name, run_scenario
from loadtests.orchestrate.scenario_file import Scenario, load_scenario, target_scenario
from reports.gate.exit_codes import EXIT_USAGE
from reports.gate.rules import RulesError, load_rules


def _prepare(args: argparse.Namespace) -> Scenario:
    target = getattr(args, "target", None)
    if target and args.scenario is not None:
        raise ScenarioError(
            "--target: runs a one-off at the default load, without a scenario file; "
            "allowed: --target URL alone, or target = [...] in the scenario's [[config]]"
        )
    if target:
        matrix = target_scenario(target, getattr(args, "target_pid", None) or [])
    elif args.scenario is None:
        raise ScenarioError("no scenario: pass a scenario file, or --target URL for a one-off")
    else:
        matrix = load_scenario(args.scenario)
    if getattr(args, "target_pid", None) and not target:
        raise ScenarioError("--target-pid: only with --target; allowed: target_pids in [[config]]")
    if getattr(args, "profile", None):
        try:
            matrix = matrix.with_protocol(load_profile(args.profile))
        except ProtocolError as exc:
            raise ScenarioError(str(exc)) from exc
    if getattr(args, "only", None):
        matrix = matrix.only(args.only)
    matrix = matrix.with_repeat(args.repeat).with_cpu_sets(getattr(args, "cpu_sets", None))
    if args.duration is not None and args.duration <= 0:
        raise ScenarioError("--duration must be positive")
    check_queue_urls(matrix.configs, args.redis_url)  # before any node starts: 1 PING, < 2 s
    _external(args)  # a --master-bind address this machine lacks: before anything starts
    return matrix


def _external(args: argparse.Namespace) -> ExternalWorkers | None:
    """``--external-workers K --master-bind ADDR[:PORT]`` checked (None: local workers)."""
    return external_workers.from_args(
        getattr(args, "external_workers", None),
        getattr(args, "master_bind", None),
        getattr(args, "workers_timeout", None),
        ScenarioError,
    )


def _out_dir(args: argparse.Namespace) -> Path:
    if args.out is None:
        return new_run_dir()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.out.resolve().parent == RUNS_ROOT.resolve():
        point_latest(args.out)
    return Path(args.out)


def _refuse_overwrite(matrix: Scenario, out_dir: Path) -> None:
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


def _run(
    matrix: Scenario, args: argparse.Namespace, out_dir: Path, manifest: Manifest | None = None
) -> Manifest:
    """Run ``matrix`` into ``out_dir`` (adding to ``manifest`` when given, as a gate's
    later batches do); KeyboardInterrupt and ProcessError propagate."""
    _refuse_overwrite(matrix, out_dir)
    options = RunOptions(out_dir, args.duration, args.redis_url, args.redis_server, _external(args))
    manifest = manifest or Manifest(
        run_id=out_dir.name,
        scenario_file=str(args.scenario or "--target " + " ".join(args.target or [])),
        command=sys.argv,
        matrix={
            "name": matrix.name,
            "repeat": matrix.repeat,
            "generator_processes": matrix.generator_processes,
            # The load as run: --duration replaces every configuration's window.
            "load": {
                **matrix.load.to_dict(),
                **({} if args.duration is None else {"window_s": args.duration}),
            },
            "duration_override_s": args.duration,
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


def _report_failures(manifest: Manifest, out_dir: Path) -> None:
    for outcome in manifest.outcomes:
        if outcome.error:
            print(
                f"FAILED {outcome.config} (repeat {outcome.repeat}): logs in {out_dir}/logs",
                file=sys.stderr,
            )


def _summarize(out_dir: Path) -> None:
    """Build the HTML report, then print the summary table naming it (reports' commands).

    They run as their own processes: reports reads only results files, and a
    failure there must not hide the results already written.
    """
    built = subprocess.run(
        [sys.executable, "-m", "reports", "build", str(out_dir)],
        check=False,
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        sys.stderr.write(built.stderr)
    subprocess.run([sys.executable, "-m", "reports", "summary", str(out_dir)], check=False)


def _unfinished(matrix: Scenario, out_dir: Path) -> list[str]:
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


def cmd_run(args: argparse.Namespace) -> int:
    matrix = _prepare(args)
    out_dir = _out_dir(args)
    try:
        manifest = _run(matrix, args, out_dir)
    except KeyboardInterrupt:
        # Every process is stopped by now; report what finished and say what did not.
        print("\ninterrupted: every process started was stopped", file=sys.stderr)
        unfinished = _unfinished(matrix, out_dir)
        if len(unfinished) < len(matrix.plan()) and not args.no_summary:
            _summarize(out_dir)
        print(f"results: {out_dir}")
        print(f"not finished: {', '.join(unfinished)}", file=sys.stderr)
        return 130
    if any(o.results_path for o in manifest.outcomes) and not args.no_summary:
        _summarize(out_dir)
    print(f"results: {out_dir}")
    if manifest.status != "ok":
        _report_failures(manifest, out_dir)
        return 1
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    matrix = _prepare(args)
    ab.check_sides(matrix)
    plan = ab.GatePlan(
        repeats=matrix.repeat,
        order=args.order,
        seed=args.seed,
        adaptive=args.adaptive,
        max_repeats=args.max_repeats or matrix.repeat + 4,
    )
    plan.check()
    manifest: Manifest | None = None
    with ExitStack() as stack:
        if args.base_ref:
            matrix = ab.with_base_app(matrix, stack.enter_context(ab.worktree(args.base_ref)))
        out_dir = _out_dir(args)
        names = plan.max_repeats if plan.adaptive else plan.repeats

        def run_batch(order: list[tuple[str, int]]) -> None:
            nonlocal manifest  # later batches add to the first batch's manifest
            manifest = _run(ab.planned(matrix, order, names), args, out_dir, manifest)

        code = ab.run_gate(
            plan,
            run_batch,
            lambda looks: ab.judge(out_dir, args.rules, looks),
            lambda: ab.more_repeats_can_help(out_dir),
        )
    assert manifest is not None  # run_gate runs at least one batch
    if manifest.status != "ok":
        _report_failures(manifest, out_dir)
    if not args.no_summary and any(o.results_path for o in manifest.outcomes):
        _summarize(out_dir)
    return code


def cmd_gate_selfcheck(args: argparse.Namespace) -> int:
    try:
        rules = load_rules(args.rules)
    except RulesError as exc:
        raise ScenarioError(str(exc)) from exc
    matrix = _prepare(args)
    ab.check_sides(matrix)
    if args.pool is not None:
        out_dir = args.pool
    else:
        if not 1 <= args.blocks <= 100:
            raise ScenarioError(f"--blocks {args.blocks} is out of range; allowed: 1..100")
        with ExitStack() as stack:
            if args.app_ref:
                app_dir = stack.enter_context(ab.worktree(args.app_ref))
                matrix = replace(
                    matrix, configs=tuple(ab.with_app_dir(c, app_dir) for c in matrix.configs)
                )
            out_dir = _out_dir(args)
            options = RunOptions(out_dir, args.duration, args.redis_url, args.redis_server)
            selfcheck.run_pool(matrix, args.blocks, options, str(args.scenario), args.seed)
    doc = selfcheck.judge_pool(out_dir, rules, matrix.repeat, args.resamples, args.seed)
    selfcheck.write(doc, out_dir)
    sys.stdout.write(selfcheck.render(doc))
    print(f"selfcheck written to {out_dir}/selfcheck.md")
    return 0


COMMANDS = {"run": cmd_run, "gate": cmd_gate, "gate-selfcheck": cmd_gate_selfcheck}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    stop_on_interrupts()
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\ninterrupted: every process started was stopped", file=sys.stderr)
        return 130
    except ProcessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1  # run: failed; gate: a run that cannot complete fails the gate too


if __name__ == "__main__":
    sys.exit(main())
