"""The runner's handle on the abuse process: started beside Locust, always stopped.

It is a ``ManagedProcess`` (its own process group, stopped by group id), so
the runner's ``ExitStack`` ends it on every path; ``finish`` gives it the
time it needs to end by itself (it stops at ``stop_at_s``, inside the window,
and Locust ends after the drain) and returns its report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from loadtests.abuse import driver
from loadtests.abuse.effect import read_report
from loadtests.abuse.spec import AbuseSpec
from loadtests.cluster.processes import ManagedProcess
from loadtests.model.load import Load
from loadtests.model.results import AbuseReport

FINISH_GRACE_S = 10.0


class AbuseProcess(ManagedProcess):
    """``python -m loadtests.abuse`` for one configuration run at ``load`` (its rooms and
    window, after any ``--duration``); writes ``report_path``."""

    def __init__(
        self,
        spec: AbuseSpec,
        node_urls: Sequence[str],
        load: Load,
        progress_path: Path,
        log_dir: Path,
        max_wait_s: float,
    ) -> None:
        self.report_path = log_dir / "abuse.json"
        argv = driver.argv(
            spec, node_urls, load.rooms, load.window_s, progress_path, self.report_path, max_wait_s
        )
        super().__init__(f"abuse ({spec.kind})", argv, log_dir / "abuse.log")

    def start(self) -> AbuseProcess:
        self.report_path.unlink(missing_ok=True)  # a report is this run's or none
        super().start()
        return self

    def finish(self) -> AbuseReport:
        """Wait for it to end by itself (bounded), stop it in any case, return its report."""
        self.wait_exit(FINISH_GRACE_S)
        self.stop()
        return read_report(self.report_path)
