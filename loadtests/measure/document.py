"""The results document (docs/results-schema.md): what was measured, plus where and with what.

The measured sections come from ``Aggregate.measured``; this module adds the
self-description — versions, git commit, machine, scenario, config, window —
and fills what only the runner knows with neutral values it overwrites
(``server_stats`` [], ``versions.redis_server`` None).
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import time
from pathlib import Path

import psutil

from loadtests.measure import results
from loadtests.measure.window import Window
from loadtests.model.json_object import JsonObject
from loadtests.model.load import Load
from loadtests.model.machine import Machine
from loadtests.model.results import Git, Measured, ResultsDoc

PACKAGES = (
    "flask",
    "flask-socketio",
    "python-socketio",
    "python-engineio",
    "eventlet",
    "gevent",
    "locust",
    "redis",
    "hdrhistogram",
    "orjson",
)
REPO_ROOT = Path(__file__).resolve().parents[2]


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    found["redis_server"] = None  # the runner fills it when a redis-server was used
    return found


def git_state(root: Path = REPO_ROOT) -> Git:
    """``{"commit": sha | None, "dirty": bool | None}`` of the checkout (None outside one)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        if commit.returncode != 0:
            return {"commit": None, "dirty": None}
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.TimeoutExpired):
        return {"commit": None, "dirty": None}


def cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def machine() -> Machine:
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_bytes": psutil.virtual_memory().total,
        "platform": platform.platform(),
    }


def utc_stamp(t_s: float | None = None, compact: bool = False) -> str:
    fmt = "%Y%m%dT%H%M%SZ" if compact else "%Y-%m-%dT%H:%M:%SZ"
    return time.strftime(fmt, time.gmtime(time.time() if t_s is None else t_s))


def build(
    measured: Measured,
    scenario: Load,
    window: Window,
    config: JsonObject | None = None,
    run_id: str | None = None,
    config_name: str | None = None,
    repeat: int = 0,
) -> ResultsDoc:
    """A complete, validated results document."""
    config = dict(config or {})
    name = config.get("name")
    doc: ResultsDoc = {
        "schema_version": results.SCHEMA_VERSION,
        "kind": results.KIND,
        "run_id": run_id or utc_stamp(compact=True),
        "config_name": config_name or (name if isinstance(name, str) and name else scenario.name),
        "repeat": repeat,
        "created_utc": utc_stamp(),
        "git": git_state(),
        "versions": versions(),
        "machine": machine(),
        "scenario": scenario.to_dict(),
        "config": config,
        "window": window.to_dict(),
        "latency": measured["latency"],
        "counters": measured["counters"],
        "rates": measured["rates"],
        "generator": measured["generator"],
        "timeseries": measured["timeseries"],
        "resources": measured["resources"],
        "server_stats": [],
        "flags": measured["flags"],
    }
    return results.validate(doc)
