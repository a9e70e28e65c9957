"""Everything the runner watches while a configuration runs, and what it adds to the results.

Locust's master writes the results document; only the runner knows the server
side. ``Supervision`` owns three background threads for one run — the
per-second ``Sampler`` (node and redis CPU, RSS, run-queue wait, host load
and steal), the ``ProcessWatcher`` (every exit of a node, redis-server or
Locust, planned or not) and the fault ``Timeline`` — and ``complete`` folds
what they saw into the document: ``resources``, ``host``, ``process_exits``,
``events``, ``faults`` and the flags ``node_died``, ``redis_died``,
``server_saturated`` and ``events_failed``; and (issue 22) what else used the
machine (``NoiseWatch``: ``noise``, ``noisy_machine``) and where the processes
were pinned (``machine.cpu_sets``, ``shared_cpus``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loadtests.cluster.cpusets import CpuPlan
from loadtests.cluster.processes import ManagedProcess
from loadtests.cluster.supervisor import Cluster
from loadtests.cluster.targets import read_stats
from loadtests.cluster.watcher import ProcessWatcher, death_flags
from loadtests.measure import faults, machine_noise
from loadtests.measure.machine_noise import NoiseWatch
from loadtests.measure.sampling import Sampler
from loadtests.model.results import ResultsDoc
from loadtests.orchestrate.timeline import FaultEvent, LinkTarget, Target, Timeline

# DESIGN rule 6: a node at >= 90 % of a core for more than 10 % of the window.
SATURATED_PERCENT = 90.0
SATURATED_SHARE = 0.10


@dataclass
class Supervision:
    """Sampler, watcher and timeline of one configuration run; ``stop`` is idempotent."""

    sampler: Sampler = field(default_factory=lambda: Sampler(host=True, read_stats=read_stats))
    watcher: ProcessWatcher = field(default_factory=ProcessWatcher)
    timeline: Timeline | None = None
    noise: NoiseWatch = field(default_factory=NoiseWatch)
    cpu_plan: CpuPlan | None = None

    @classmethod
    def start(
        cls, running: Cluster, events: tuple[FaultEvent, ...], progress_path: Path
    ) -> Supervision:
        """Start watching and sampling every process of ``running``; arm the timeline."""
        self = cls(cpu_plan=running.cpu_plan)
        targets: dict[str, Target | LinkTarget] = {}
        for node in running.nodes:
            name = f"node-{node.index}"
            self.sampler.watch("node", name, node.pid, host=node.where)
            self.watcher.watch("node", node.process, name=name)
            targets[name] = node
        for target in running.targets:  # running servers: by pid, else through /stats
            name = f"node-{target.index}"
            if target.pid is not None:
                self.sampler.watch("node", name, target.pid, host=target.host)
            elif target.stats:
                self.sampler.watch_stats("node", name, target.url, host=target.host)
        if running.redis is not None:
            self.sampler.watch("redis", "redis-server", running.redis.pid, host=running.redis.where)
            self.watcher.watch("redis", running.redis.process, name="redis-server")
            targets["redis-server"] = running.redis
        if running.hosts is not None:  # partition / heal act on the test hosts' links
            for event in events:
                if event.between is not None:
                    targets[event.target] = LinkTarget(running.hosts, *event.between)
        self.sampler.start()
        self.watcher.start()
        self.noise.start()
        if events:
            self.timeline = Timeline(
                events,
                targets,
                progress_path,
                on_started=self._restarted,
                after_fire=self.watcher.poll,
            ).start()
        return self

    def _restarted(self, name: str, pid: int) -> None:
        self.sampler.follow(name, pid)

    def watch_locust(self, locust: ManagedProcess) -> None:
        # Locust ends by itself when its run is done: exit 0 is a planned exit.
        self.watcher.watch("locust", locust, name="locust", expected_codes=(0,))

    def stop(self) -> None:
        """Cancel events not yet fired, then stop watching and sampling (one last sample each)."""
        if self.timeline is not None:
            self.timeline.stop()
        self.watcher.stop()
        self.sampler.stop()
        self.noise.stop()

    def complete(self, doc: ResultsDoc) -> ResultsDoc:
        """Add what the runner saw to the results document ``doc`` (after ``stop``, or
        during a stepped session: the sampler pauses while its series are read)."""
        start_ns, end_ns = doc["window"]["start_ns"], doc["window"]["end_ns"]
        with self.sampler.paused():
            servers = [s.to_schema(start_ns, end_ns) for s in self.sampler.series]
            host = self.sampler.host
            if host is not None:
                doc["host"] = host.to_schema(start_ns, end_ns)
            node_series = [s for s in self.sampler.series if s.role == "node"]
            busy = [
                (s.name, s.busy_fraction(start_ns, end_ns, SATURATED_PERCENT)) for s in node_series
            ]
        doc["resources"] = [
            r for r in doc["resources"] if r["role"] not in ("node", "redis")
        ] + servers
        doc["process_exits"] = [e.to_schema(start_ns) for e in self.watcher.exits]
        records = self.timeline.records if self.timeline is not None else []
        doc["events"] = [r.to_schema(start_ns) for r in records]
        doc["faults"] = faults.analyse(
            doc["events"], doc["timeseries"], doc["window"].get("duration_s", 0)
        )
        flags = doc["flags"]
        flags.update(death_flags(self.watcher.exits, start_ns))
        saturated = [
            f"{name} at capacity: >= {SATURATED_PERCENT:.0f} % of a core for "
            f"{100 * share:.0f} % of the window"
            for name, share in busy
            if share > SATURATED_SHARE
        ]
        if saturated:
            flags["server_saturated"] = "; ".join(saturated)
        failed = [f"{r.action} {r.target} at {r.at_s:g} s: {r.detail}" for r in records if not r.ok]
        if failed:
            flags["events_failed"] = "; ".join(failed)
        self._machine(doc, start_ns, end_ns)
        return doc

    def _machine(self, doc: ResultsDoc, start_ns: int, end_ns: int) -> None:
        """``noise`` and ``machine.cpu_sets``, with their flags (issue 22)."""
        noise = self.noise.summary(start_ns, end_ns)
        if noise is not None:  # no /proc, or a window shorter than a sample
            doc["noise"] = noise
        noisy = machine_noise.noisy_reason(noise)
        if noisy:
            doc["flags"]["noisy_machine"] = noisy
        if self.cpu_plan is not None:
            doc["machine"]["cpu_sets"] = self.cpu_plan.to_schema()
            shared = self.cpu_plan.shared_reason()
            if shared:
                doc["flags"]["shared_cpus"] = shared
