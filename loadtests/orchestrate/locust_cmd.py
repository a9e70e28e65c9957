"""The command line that runs roombench's locustfile headless for one configuration.

The runner and the end-to-end tests both start Locust through ``build_argv``,
so what the tests exercise is what users run. The test ends by itself (the
master closes the window and quits), so there is no ``-t``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from loadtests.cluster.ports import LOOPBACK, free_port
from loadtests.model.json_object import JsonObject
from loadtests.model.load import Load
from loadtests.orchestrate.external_workers import ExternalWorkers

LOCUSTFILE = Path(__file__).resolve().parents[1] / "locustfile.py"
MAX_SPAWN_RATE_PER_PROCESS = 100  # Locust warns above 100 users/s per worker


@dataclass(frozen=True)
class LocustRun:
    """One headless Locust run.

    ``processes`` N >= 1 = a master and N worker processes (``--processes N``: the
    path a multi-host run takes, merged at the master); 0 = one process (LocalRunner).
    ``external``: no local workers, the master waits for workers started elsewhere
    (``processes`` is then their count).
    """

    scenario: Load
    node_urls: list[str]
    results_path: Path
    locustfile: Path = LOCUSTFILE
    config: JsonObject = field(default_factory=dict)
    progress_path: Path | None = None
    csv_prefix: Path | None = None
    processes: int = 1
    run_id: str | None = None
    repeat: int = 0
    loglevel: str = "INFO"
    control_dir: Path | None = None  # a stepped session (coordination.stepping)
    external: ExternalWorkers | None = None

    @property
    def spawn_rate_per_s(self) -> int:
        return max(1, min(self.scenario.users, MAX_SPAWN_RATE_PER_PROCESS * max(1, self.processes)))


def build_argv(run: LocustRun) -> list[str]:
    """``python -m locust -f locustfile.py --headless ...`` for ``run``."""
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(run.locustfile),
        "--headless",
        "-u",
        str(run.scenario.users),
        "-r",
        str(run.spawn_rate_per_s),
        "--host",
        run.node_urls[0],
        "--roombench-scenario",
        json.dumps(run.scenario.to_dict()),
        "--roombench-nodes",
        ",".join(run.node_urls),
        "--roombench-config",
        json.dumps(run.config),
        "--roombench-results",
        str(run.results_path),
        "--roombench-repeat",
        str(run.repeat),
        "--loglevel",
        run.loglevel,
        "--only-summary",
    ]
    if run.external is not None:
        argv += run.external.locust_args()
    elif run.processes >= 1:
        # The master's ZMQ socket on loopback and on a port of its own: Locust's
        # default binds every interface on 5557, which two runs (or a run's
        # straggler) cannot share. The forked workers inherit --master-port.
        port = str(free_port())
        argv += ["--processes", str(run.processes), "--master-bind-host", LOOPBACK]
        argv += ["--master-bind-port", port, "--master-port", port]
    if run.progress_path is not None:
        argv += ["--roombench-progress", str(run.progress_path)]
    if run.run_id:
        argv += ["--roombench-run-id", run.run_id]
    if run.csv_prefix is not None:
        argv += ["--csv", str(run.csv_prefix)]
    if run.control_dir is not None:
        argv += ["--roombench-control", str(run.control_dir)]
    return argv
