"""The capacity search, run: for each configuration, step the load until it breaks.

One cluster per configuration stays up for every step. On the rate axis the
users stay too: a stepped session (``session``) changes only their rate from
one passing step to the next; elsewhere (and after a failing step) a step
starts Locust afresh and its users connect and join again. Each step is a
short measured run (settle = the scenario's ``warmup_s``, then ``window_s``),
judged by ``evaluate`` and fed to the ``Search``; a window the machine
disturbed (``noisy_machine``) is measured again instead (a bounded number of
times). The search's boundary is then confirmed (``bracket``): its two loads
are measured again, interleaved, until each verdict holds in 2 of 3 windows.
Servers and generator run on the configuration's CPU sets, and the machine's
speed is probed before, after, and before every window. The capacity document is
rewritten after every step, so an interrupted search keeps its finished
steps (marked ``incomplete``). A configuration whose node or redis-server
died is not stepped further: later steps would measure a broken cluster.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from loadtests.capacity import document, plan
from loadtests.capacity.axes import Axis
from loadtests.capacity.bracket import DEFAULT_BUDGET, Confirmation
from loadtests.capacity.evaluate import evaluate, machine_limited
from loadtests.capacity.search import Outcome, Search
from loadtests.capacity.session import StepRunner
from loadtests.capacity.slo import Term
from loadtests.capacity.steps import summarise
from loadtests.cluster import neighbour
from loadtests.cluster.processes import ProcessError
from loadtests.cluster.supervisor import Cluster, cluster
from loadtests.measure import results, speed
from loadtests.model.capacity import CapacityDoc, ConfigEntry
from loadtests.model.load import Load
from loadtests.orchestrate.config_spec import ConfigSpec, ReferenceServer
from loadtests.orchestrate.external_workers import ExternalWorkers
from loadtests.orchestrate.locust_step import StepRun
from loadtests.orchestrate.progress import Progress
from loadtests.orchestrate.runner import add_protocol
from loadtests.orchestrate.scenario_file import Scenario

STEP_PROBE_REPEATS = 5  # a step's probe: shorter than a run's, it runs between windows


@dataclass(frozen=True)
class CapacityOptions:
    """``max_steps`` (default 10) per configuration; ``factor`` (2.0) of the coarse steps;
    ``resolution`` (0.10) where bisection stops; ``start`` overrides the axis's first load."""

    out_dir: Path
    axis: Axis
    terms: tuple[Term, ...]
    slo_text: str
    max_steps: int = 10
    factor: float = 2.0
    resolution: float = 0.10
    start: float | None = None
    redis_url: str | None = None
    redis_binary: str | None = None
    confirm_windows: int = DEFAULT_BUDGET  # extra windows to confirm the knee (bracket.py)
    noisy_remeasures: int = 3  # windows measured again, a search, because the machine was noisy
    external: ExternalWorkers | None = None  # every step's workers started elsewhere
    neighbour: bool = False  # a busy loop on the servers' CPUs (cluster/neighbour.py)


def raise_open_files_limit() -> int:
    """Raise this process's soft RLIMIT_NOFILE to the hard limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def _cluster_alive(running: Cluster) -> str | None:
    """The name of a dead server process, or None."""
    for node in running.nodes:
        if not node.process.alive():
            return f"node-{node.index}"
    if running.redis is not None and not running.redis.process.alive():
        return "redis-server"
    return None


def _measured_cost(entry: ConfigEntry) -> float | None:
    """The generator's CPU per delivery at the last step that delivered (µs), if any."""
    for point in reversed(entry["steps"]):
        cost = point.get("generator_cpu_us_per_delivery")
        if cost:
            return float(cost)
    return None


def search_config(
    matrix: Scenario,
    config: ConfigSpec,
    options: CapacityOptions,
    record: Callable[[ConfigEntry], None],
    say: Callable[[str], None],
    repeat: int = 1,
) -> ConfigEntry:
    """Step one configuration's load (its ``repeat``-th search, from 1), then confirm the
    knee (``bracket``); ``record`` is called with the entry after every window."""
    base = matrix.load_for(config)
    axis = options.axis
    top, top_reason = plan.ceiling(axis, base, config, plan.fixed_processes(matrix))
    search = Search(
        start=options.start if options.start is not None else axis.start(base),
        factor=options.factor,
        resolution=options.resolution,
        max_steps=options.max_steps,
        ceiling=top,
        ceiling_reason=top_reason,
        integer=axis.integer,
    )
    entry = document.config_entry(config, matrix.generator_processes, repeat, matrix.repeat)
    stem = document.file_stem(entry)
    log_dir = options.out_dir / "logs" / stem
    cpu_plan = matrix.cpu_plan_for(config)
    entry["cpu_sets"] = cpu_plan.to_schema()
    spec = replace(config.cluster_spec(options.redis_url, options.redis_binary), cpu_plan=cpu_plan)
    with ExitStack() as around:  # --cpu-neighbour: from the first probe to the last
        if options.neighbour:
            entry["neighbour"] = around.enter_context(neighbour.running(cpu_plan, log_dir))
        before = speed.probe_schema("before", cpu_plan)
        confirm = Confirmation([], options.confirm_windows)
        try:
            with (
                cluster(log_dir, spec) as running,
                StepRunner(running, stem, axis.reuses_users) as steps,
            ):
                windows = _Windows(matrix, config, options, entry, running, steps, say, record)
                while (load := search.next_load()) is not None:
                    got = windows.measure(load, base, "search")
                    if got is None:
                        break
                    search.record(load, *got)
                    document.answer_into(entry, search, axis)
                    record(entry)
                confirm = Confirmation(search.steps, options.confirm_windows)
                while not entry.get("incomplete") and (load := confirm.next_load()) is not None:
                    got = windows.measure(load, base, "confirm")
                    if got is None:
                        break
                    confirm.record(load, *got)
                    document.answer_into(entry, confirm.answer(search.answer()), axis)
                    entry["bracket"] = confirm.to_schema()
                    record(entry)
        except ProcessError as exc:
            entry["incomplete"] = str(exc).splitlines()[0]
            say(f"{document.label(entry)}: FAILED: {exc}")
        document.answer_into(entry, confirm.answer(search.answer()), axis)
        entry["bracket"] = confirm.to_schema()
        entry["speed"] = speed.combined([before, speed.probe_schema("after", cpu_plan)])
    document.normalise_into(entry)
    record(entry)
    return entry


@dataclass
class _Windows:
    """Measures one window of a configuration's search: a step, again when it did not pass
    while the machine was noisy (up to ``options.noisy_remeasures`` times a search), with
    a speed probe before it."""

    matrix: Scenario
    config: ConfigSpec
    options: CapacityOptions
    entry: ConfigEntry
    running: Cluster
    steps: StepRunner
    say: Callable[[str], None]
    record: Callable[[ConfigEntry], None]
    noisy_left: int = -1

    def __post_init__(self) -> None:
        self.noisy_left = self.options.noisy_remeasures

    def measure(self, load: float, base: Load, role: str) -> tuple[Outcome, str] | None:
        """The outcome of ``load`` (None: the cluster died, the entry says so)."""
        entry, axis = self.entry, self.options.axis
        stem = document.file_stem(entry)
        while True:
            dead = _cluster_alive(self.running)
            if dead is not None:
                entry["incomplete"] = f"{dead} died; the search stopped there"
                return None
            index = len(entry["steps"]) + 1
            scenario = axis.scenario(base, load)
            processes, why = self.matrix.processes_for(self.config, scenario, _measured_cost(entry))
            external = self.options.external
            if external is not None:
                processes, why = external.count, f"external workers, master at {external.address}"
            step = StepRun(
                out=self.options.out_dir / "steps",
                stem=f"{stem}.step{index:02d}",
                log_dir=self.options.out_dir / "logs" / stem,
                config_doc={
                    **entry["config"],
                    "capacity_step": index,
                    "load": load,
                    "generator_processes": processes,
                    **({"generator_processes_auto": why} if why else {}),
                },
                processes=processes,
                run_id=self.options.out_dir.name,
                external=external,
            )
            probe = speed.probe_schema(f"step {index}", self.running.cpu_plan, STEP_PROBE_REPEATS)
            label = f"{document.label(entry)} step {index} ({load:,.0f} {axis.unit})"
            progress = Progress(label, scenario.warmup_s + scenario.window_s + scenario.drain_s)
            last = entry["steps"][-1] if entry["steps"] else None
            try:
                doc = self.steps.measure(
                    scenario, step, progress, keep_users=last is None or last["outcome"] == "pass"
                )
            finally:
                progress.done()
            add_protocol(doc, self.config, self.running.targets)  # what a foreign server leaves out
            doc["machine"]["speed"] = speed.combined([probe])
            if "neighbour" in entry:  # the experiment is said in every window it ran in
                doc["flags"][neighbour.FLAG] = neighbour.flag_text(entry["neighbour"]["cpus"])
            results.dump(doc, step.results_path)
            outcome, reason = evaluate(doc, list(self.options.terms))
            # Another process can only slow a window down: a noisy pass is still a pass,
            # a noisy failure may be the neighbour's, so it is measured again.
            noisy = "noisy_machine" in doc["flags"] and outcome is not Outcome.PASS
            again = noisy and self.noisy_left > 0
            if not again:
                outcome, reason = machine_limited(doc, outcome, reason)
            point = summarise(
                load, scenario, doc, outcome, reason, f"steps/{step.results_path.name}"
            )
            point["role"] = "noisy" if again else role
            point["speed_index"] = probe["index"]
            entry["steps"].append(point)
            self.say(document.step_line(document.label(entry), index, axis, point))
            self.record(entry)
            if not again:
                return outcome, reason
            self.noisy_left -= 1
            self.say(f"{label}: the machine was noisy; measured again (not decided on)")


def run_capacity(
    matrix: Scenario, options: CapacityOptions, say: Callable[[str], None] = print
) -> CapacityDoc:
    """Search every configuration in turn, ``matrix.repeat`` times interleaved (A B A B);
    return (and keep writing) the capacity document."""
    raise_open_files_limit()
    doc = document.new(matrix, options.axis, options.slo_text, options.out_dir)
    path = options.out_dir / "capacity.json"
    started = time.monotonic()

    def record(entry: ConfigEntry) -> None:
        key = document.entry_key(entry)
        others = [c for c in doc["configs"] if document.entry_key(c) != key]
        doc["configs"] = [*others, entry]
        doc["wall_s"] = round(time.monotonic() - started, 1)
        document.write(doc, path)

    try:
        for config, k in matrix.plan():
            of_n = f" (search {k + 1} of {matrix.repeat})" if matrix.repeat > 1 else ""
            # target_app: its async mode, as always; another server: what it is
            server = (
                config.async_mode if isinstance(config, ReferenceServer) else config.server_text()
            )
            say(
                f"{config.name}{of_n}: {config.nodes} node(s), queue {config.queue}, "
                f"{server}; axis {options.axis.name}, SLO {options.slo_text}"
            )
            search_config(matrix, config, options, record, say, repeat=k + 1)
        doc["incomplete"] = any(c.get("incomplete") for c in doc["configs"])
    except KeyboardInterrupt:
        doc["incomplete"] = True
        doc["interrupted"] = True
        document.write(doc, path)
        raise
    document.write(doc, path)
    return doc
