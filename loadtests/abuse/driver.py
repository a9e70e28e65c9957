"""The abuse process: wait for the window, run one kind, write what it did.

``python -m loadtests.abuse --spec JSON --node URL... --rooms N --window-s S
--progress FILE --report FILE --max-wait-s S`` (the runner builds this line
with ``argv``). It learns the window's start from the progress file the
Locust master rewrites (``"window": {"start_ns", "end_ns"}``, as the fault
timeline does), starts at ``start_at_s``, stops at ``stop_at_s`` (default:
the window's end) and writes its report (``loadtests.abuse.conn.Tally`` plus
each node's ``/stats`` taken just before the first abusive byte, and the
peaks of its levels polled each second while the abuse ran). It stops by
itself; a SIGTERM (the runner stopping it in any case) or its own hard
deadline (``--max-wait-s`` + the window) ends it early with the report
written all the same.
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from loadtests.abuse import (
    bad_input,
    connection_churn,
    idle_sockets,
    polling,
    slow_consumer,
    upload_flood,
)
from loadtests.abuse.plan import Plan
from loadtests.abuse.spec import AbuseSpec
from loadtests.atomic import write_text
from loadtests.coordination.progress_file import read_window_start_ns
from loadtests.model.json_object import JsonObject
from loadtests.model.layout import room_name
from loadtests.model.results import AbuseReport
from loadtests.units import NS_PER_S

RUNS: dict[str, Callable[[Plan], None]] = {
    "slow_consumer": slow_consumer.run,
    "bad_input": bad_input.run,
    "connection_churn": connection_churn.run,
    "idle_sockets": idle_sockets.run,
    "upload_flood": upload_flood.run,
    "polling_abuse": polling.run,
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")
STATS_TIMEOUT_S = 2.0
POLL_S = 0.05


class Stopped(Exception):
    """SIGTERM or the hard deadline: stop now, write the report."""


def argv(
    spec: AbuseSpec,
    node_urls: Sequence[str],
    rooms: int,
    window_s: float,
    progress_path: Path,
    report_path: Path,
    max_wait_s: float,
) -> list[str]:
    """The command line the runner starts (as its own process group)."""
    args = [sys.executable, "-m", "loadtests.abuse", "--spec", json.dumps(spec.to_dict())]
    for url in node_urls:
        args += ["--node", url]
    return args + [
        "--rooms",
        str(rooms),
        "--window-s",
        repr(window_s),
        "--progress",
        str(progress_path),
        "--report",
        str(report_path),
        "--max-wait-s",
        repr(max_wait_s),
    ]


def loopback_port(url: str) -> int:
    """The port of a loopback node URL; anything else is refused (all traffic stays local)."""
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK or parts.port is None:
        raise SystemExit(f"--node {url}: not a loopback URL with a port; allowed: 127.0.0.1 only")
    return parts.port


def node_stats(url: str) -> JsonObject:
    """``GET /stats`` of one node (``{"error": ...}`` when it does not answer)."""
    try:
        with urllib.request.urlopen(f"{url}/stats", timeout=STATS_TIMEOUT_S) as response:
            doc = json.loads(response.read())
            return doc if isinstance(doc, dict) else {"error": "not a JSON object"}
    except (OSError, ValueError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


PEAK_KEYS = ("connections", "open_fds", "threads", "rss_bytes")
PEAK_EVERY_S = 1.0


class PeakPoller:
    """Polls every node's ``/stats`` each second while the abuse runs; keeps each level's peak.

    What idle sockets or slow consumers hold is released when they stop, so
    the levels at the end say little: the peaks say what the server carried.
    """

    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = list(urls)
        self.peaks: list[dict[str, int]] = [{} for _ in self.urls]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="abuse-peaks", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(PEAK_EVERY_S):
            for peak, url in zip(self.peaks, self.urls, strict=True):
                stats = node_stats(url)
                for key in PEAK_KEYS:
                    value = stats.get(key)
                    if isinstance(value, int) and value > peak.get(key, -1):
                        peak[key] = value

    def start(self) -> PeakPoller:
        self._thread.start()
        return self

    def stop(self) -> list[dict[str, int]]:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=STATS_TIMEOUT_S * len(self.urls) + 1)
        return self.peaks


def wait_for_window(progress_path: Path, deadline_mono: float) -> int | None:
    """The window's start (ns) once the master planned it; None by the deadline."""
    while time.monotonic() < deadline_mono:
        start_ns = read_window_start_ns(progress_path)
        if start_ns is not None:
            return start_ns
        time.sleep(POLL_S)
    return None


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signum).name)


def run(ns: argparse.Namespace) -> AbuseReport:
    """Everything after argument parsing; returns the report (also when stopped early)."""
    spec = AbuseSpec.from_dict(json.loads(ns.spec))
    ports = [loopback_port(url) for url in ns.node]
    plan = Plan(spec, ports, [room_name(i) for i in range(ns.rooms)], stop_mono=0.0)
    report: AbuseReport = {"kind": spec.kind, "spec": spec.to_dict(), "status": "waiting"}
    report["window_start_ns"] = None
    report["started_ns"] = report["stopped_ns"] = None
    report["stats_before"] = []
    report["stats_peak"] = []
    try:
        start_ns = wait_for_window(ns.progress, time.monotonic() + ns.max_wait_s)
        if start_ns is None:
            report["status"] = f"the window was never planned within {ns.max_wait_s:g} s"
            return report
        report["window_start_ns"] = start_ns
        # Clamped to the window: ``--duration`` may have shortened it below the spec's times.
        begin_ns = start_ns + round(min(spec.start_at_s, ns.window_s) * NS_PER_S)
        stop_ns = start_ns + round(min(spec.stop_s(ns.window_s), ns.window_s) * NS_PER_S)
        while (left_ns := begin_ns - time.time_ns()) > 0:
            time.sleep(min(left_ns / NS_PER_S, POLL_S))
        plan.stop_mono = time.monotonic() + (stop_ns - time.time_ns()) / NS_PER_S
        report["stats_before"] = [node_stats(url) for url in ns.node]
        report["started_ns"] = time.time_ns()
        report["status"] = "running"
        poller = PeakPoller(ns.node).start()
        try:
            RUNS[spec.kind](plan)
        finally:
            report["stats_peak"] = poller.stop()
        report["status"] = "done"
    except Stopped as why:
        report["status"] = f"stopped early ({why})"
    except Exception as exc:  # a bug in a kind: still report what it did before
        report["status"] = f"failed: {type(exc).__name__}: {exc}"[:500]
    finally:
        report["stopped_ns"] = time.time_ns()
        report.update(plan.tally.to_dict())
    return report


def main(args: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.abuse", description=__doc__)
    parser.add_argument("--spec", required=True, help="the [config.abuse] table as JSON")
    parser.add_argument("--node", action="append", required=True, help="a node's http URL")
    parser.add_argument("--rooms", type=int, required=True, help="the load's room count")
    parser.add_argument("--window-s", type=float, required=True)
    parser.add_argument("--progress", type=Path, required=True, help="the master's progress file")
    parser.add_argument("--report", type=Path, required=True, help="where to write the report")
    parser.add_argument("--max-wait-s", type=float, required=True, help="wait for the window")
    ns = parser.parse_args(args)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGALRM, _stop)
    # The hard deadline: however a kind's loops behave, the process ends.
    signal.alarm(int(ns.max_wait_s + ns.window_s) + 10)
    _raise_fd_limit()
    report = run(ns)
    signal.alarm(0)
    write_text(ns.report, json.dumps(report, indent=1) + "\n")
    return 0
