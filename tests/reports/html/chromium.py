"""Open a page in headless Chromium: the DOM after scripts ran, and a screenshot.

Two short-lived browser runs (``--dump-dom``, then ``--screenshot``), each in
its own process group with a fresh profile, killed as a group on timeout or
when done, so no browser outlives the test.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
TIMEOUT_S = 60.0


def find_chromium() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _flags(profile: str) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]


def _run(binary: str, args: list[str]) -> str:
    with tempfile.TemporaryDirectory(prefix="roombench-chromium-") as profile:
        proc = subprocess.Popen(
            [binary, *_flags(profile), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            out, err = "", "timed out"
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        if proc.returncode not in (0, -signal.SIGKILL) or not out and "--dump-dom" in args:
            raise RuntimeError(f"chromium failed ({proc.returncode}): {err[-2000:]}")
        return out


def dump_dom(binary: str, page: Path) -> str:
    """The serialised DOM once the page's scripts have run."""
    return _run(binary, ["--virtual-time-budget=5000", "--dump-dom", page.resolve().as_uri()])


def screenshot(binary: str, page: Path, target: Path, size: str = "1400,3000") -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    _run(
        binary,
        [
            f"--screenshot={target.resolve()}",
            f"--window-size={size}",
            "--virtual-time-budget=5000",
            page.resolve().as_uri(),
        ],
    )
    if not target.exists():
        raise RuntimeError(f"chromium wrote no screenshot to {target}")
    return target
