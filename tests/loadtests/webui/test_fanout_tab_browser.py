"""The Fan-out tab in a real browser: a real node, Locust's web UI, a swarm from its own form.

Headless Chromium is driven over the DevTools protocol (``cdp.Browser``): it
loads Locust's page, reads the form's pre-filled user count, clicks the form's
own submit button (the browser makes Locust's ``POST /swarm``), opens the
"Fan-out" tab and reads its table while the test runs and after the master
wrote the results. The node drops 5 % of deliveries, so the tab's lost count,
Locust's header failure ratio and the results file must all agree.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from loadtests.cluster.ports import free_port
from loadtests.cluster.processes import ManagedProcess
from loadtests.webui.losses import NAME
from tests.conftest import NodeFactory
from tests.loadtests.webui.cdp import Browser, CdpError
from tests.reports.html.chromium import find_chromium

REPO = Path(__file__).resolve().parents[3]
SCENARIO = {"users": 12, "rooms": 2, "warmup_s": 1, "window_s": 6, "drain_s": 1}
DROP_RATE = 0.05
TIMEOUT_S = 90
SWARM_START_S = 15

READ_TABLE = """(() => {
  const table = document.querySelector('table');
  if (!table) return null;
  const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
  const cells = tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim());
  const rows = [...table.querySelectorAll('tbody tr')].map(tr =>
    Object.fromEntries(cells(tr).map((text, i) => [heads[i], text])));
  return {heads, rows};
})()"""
CLICK_TAB = """(() => {
  const tab = [...document.querySelectorAll('[role="tab"]')]
    .find(t => t.textContent.trim() === 'Fan-out');
  if (!tab) return false;
  tab.click();
  return true;
})()"""
USER_COUNT = """(() => {
  const input = document.querySelector('input[name="userCount"], input[name="user_count"]');
  return input ? input.value : null;
})()"""
PAGE_STATE = """(() => {
  const button = document.querySelector('form button[type="submit"]');
  return {
    text: document.body ? document.body.innerText.slice(0, 1500) : '',
    submit_button: button ? {disabled: button.disabled, text: button.textContent} : null,
  };
})()"""
FIRST_STATS_ANSWERED = """performance.getEntriesByType('resource')
  .some(entry => entry.name.includes('/stats/requests') && entry.responseEnd > 0)"""
SUBMIT_ENABLED = """(() => {
  const button = document.querySelector('form button[type="submit"]');
  return Boolean(button && !button.disabled);
})()"""
SUBMIT = """(() => {
  const button = document.querySelector('form button[type="submit"]');
  if (!button) return false;
  button.click();
  return true;
})()"""


def _swarm_from_the_form(browser: Browser, base: str, log: Path) -> None:
    """Click the form's own START once the page has its first statistics, then see it run.

    Locust's page takes its state from two answers: ``POST /swarm`` (its own
    START) sets RUNNING, and every ``GET /stats/requests`` answer sets the
    state that answer carries. It fetches the statistics once when it loads,
    and again every 2 s only while it believes the test runs. A START clicked
    before that first answer arrived let a late answer, computed while the
    master was still ready, turn the page back to READY after the swarm had
    started; the page then stopped polling and never showed the tabs (CI,
    2026-12-07: the master ran the test while the page sat on its form).
    Reproduced by holding the page's first statistics answer 3 s after it was
    computed. A person never clicks that fast; the test now waits as a person
    does: for the page's first statistics answer and an enabled button.
    """
    _wait(browser, FIRST_STATS_ANSWERED, 30, base, log)
    _wait(browser, SUBMIT_ENABLED, 30, base, log)
    assert browser.evaluate(SUBMIT) is True
    deadline = time.monotonic() + SWARM_START_S
    while time.monotonic() < deadline:
        state = requests.get(f"{base}/stats/requests", timeout=5).json().get("state")
        if state != "ready":
            return
        time.sleep(0.25)
    raise AssertionError(
        f"Locust still ready {SWARM_START_S} s after START:\n{_diagnosis(browser, base, log)}"
    )


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def _diagnosis(browser: Browser, base: str, log: Path | None = None) -> str:
    """What the page, the master and its log say: enough to tell why a step did not happen."""
    page = browser.evaluate(PAGE_STATE)
    try:
        master = requests.get(f"{base}/stats/requests", timeout=5).json()
        server = {k: master.get(k) for k in ("state", "worker_count", "user_count", "workers")}
    except (requests.RequestException, ValueError) as exc:
        server = {"error": repr(exc)}
    tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
    return f"page: {page}\nmaster: {server}\nlocust log (tail):\n{tail}"


def _wait(browser: Browser, expression: str, timeout_s: float, base: str, log: Path) -> Any:
    """``browser.wait_for``, failing with what the page and the master show instead."""
    try:
        return browser.wait_for(expression, timeout_s=timeout_s)
    except CdpError as exc:
        raise AssertionError(f"{exc}\n{_diagnosis(browser, base, log)}") from exc


@pytest.fixture
def locust_ui(node_factory: NodeFactory, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    node = node_factory(extra_args=["--inject-drop-rate", str(DROP_RATE)])
    port = free_port()
    results = tmp_path / "results.json"
    argv = [
        sys.executable, "-m", "locust", "-f", str(REPO / "loadtests" / "locustfile.py"),
        "--host", node.url, "--web-host", "127.0.0.1", "--web-port", str(port),
        "--processes", "1",
        "--roombench-scenario", json.dumps(SCENARIO),
        "--roombench-results", str(results),
    ]  # fmt: skip
    locust = ManagedProcess("locust web UI", argv, tmp_path / "locust.log", cwd=REPO)
    locust.start()
    base = f"http://127.0.0.1:{port}"
    try:
        # The swarm needs the worker process connected to the master first.
        locust.wait_until(
            lambda: requests.get(f"{base}/stats/requests", timeout=2).json().get("workers"),
            timeout_s=60,
            what="serving its UI with a worker connected",
        )
        yield base, results
    finally:
        locust.stop()


@pytest.mark.slow
@pytest.mark.browser
def test_fanout_tab_shows_deliveries_and_ends_equal_to_the_results(
    locust_ui: tuple[str, Path],
) -> None:
    chromium = find_chromium()
    if chromium is None:
        pytest.fail("chromium not found: install it (Debian: apt-get install chromium)")
    base, results = locust_ui
    with Browser(chromium) as browser:
        browser.navigate(base + "/")
        log = results.parent / "locust.log"
        prefilled = _wait(browser, USER_COUNT, 30, base, log)
        assert prefilled == str(SCENARIO["users"])  # the form starts with the scenario's users
        _swarm_from_the_form(browser, base, log)
        assert _wait(browser, CLICK_TAB, 30, base, log)
        live_delivered = 0
        final: dict[str, Any] | None = None
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            table = browser.evaluate(READ_TABLE)
            if table and table["rows"]:
                window_row, *seconds = table["rows"]
                if window_row["Phase"].startswith("done"):
                    final = table
                    break
                for row in seconds:
                    if row["Delivered/s"]:
                        live_delivered = max(live_delivered, _count(row["Delivered/s"]))
            time.sleep(0.5)
        assert final is not None, f"the tab never showed the written results: {table}"
    assert live_delivered > 0, "no deliveries shown while the test ran"
    doc = json.loads(results.read_text())
    counters = doc["counters"]
    window_row = final["rows"][0]
    assert window_row["Send second"] == "window"
    for column, key in (
        ("Expected", "expected"),
        ("Delivered", "delivered"),
        ("Lost", "lost"),
        ("Duplicated", "duplicated"),
        ("Leaked", "leaked"),
    ):
        assert _count(window_row[column]) == counters[key], column
    assert counters["lost"] > 0  # the node dropped deliveries: the test can see loss
    assert float(window_row["Fan-out p50 (ms)"]) == doc["latency"]["fanout"]["p50"] / 1000
    assert len(final["rows"]) - 1 == len(doc["timeseries"]["t_s"])
    # Locust's own header ratio counts the lost deliveries, from the same counters.
    stats = requests.get(f"{base}/stats/requests", timeout=5).json()
    entry = next(e for e in stats["stats"] if e["name"] == NAME)
    assert entry["num_failures"] == counters["lost"]
    assert stats["fail_ratio"] > 0
    # The ratio tab lists the user class, not the internal task.
    assert "run_user" not in requests.get(f"{base}/tasks", timeout=5).text
