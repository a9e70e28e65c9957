"""The Fan-out tab's live chart in a real browser: drawn, every series visible, hover, no errors.

The same real node, Locust web UI and swarm as ``test_fanout_tab_browser`` (its fixture and
its way of starting the swarm from Locust's own form are reused, not copied). At 1280 px the
chart must sit inside the window, each series its legend names must have drawn a line (or a
dot), hovering the plot must show the values of that second, and the page must log no error.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from tests.loadtests.webui.cdp import Browser
from tests.loadtests.webui.test_fanout_tab_browser import (  # noqa: F401 (a fixture)
    CLICK_TAB,
    USER_COUNT,
    _swarm_from_the_form,
    _wait,
    locust_ui,
)
from tests.reports.html.chromium import find_chromium

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
WIDTH_PX = 1280
ERROR_CAPTURE = """window.__errors = [];
(function () {
  var original = console.error;
  console.error = function () {
    window.__errors.push(Array.prototype.map.call(arguments, String).join(" "));
    return original.apply(console, arguments);
  };
  window.addEventListener("error", function (e) { window.__errors.push("error: " + e.message); });
})();"""
# Every series a chart's legend names, and whether it drew something (a line or a dot).
SERIES_DRAWN = """(() => {
  const box = document.getElementById('roombench-fanout-charts');
  if (!box) return null;
  const charts = [...box.querySelectorAll('svg.roombench-chart')];
  return charts.map(svg => ({
    title: svg.getAttribute('data-title'),
    right: svg.getBoundingClientRect().right,
    legend: [...svg.querySelectorAll('text.legend')].map(t => t.getAttribute('data-series')),
    drawn: [...svg.querySelectorAll('[data-series]')]
      .filter(e => (e.tagName === 'path' && e.getTotalLength() > 0) || e.tagName === 'circle')
      .map(e => e.getAttribute('data-series')),
  }));
})()"""
HOVER_AREA = """(() => {
  const area = document.querySelector('#roombench-fanout-charts svg rect.hover-area');
  if (!area) return null;
  const box = area.getBoundingClientRect();
  return {x: box.left + box.width * 0.6, y: box.top + box.height / 2};
})()"""
TIP = """(() => {
  const tip = document.getElementById('roombench-chart-tip');
  return tip && tip.style.display === 'block' ? tip.textContent : null;
})()"""
ALL_DRAWN = f"""(() => {{
  const charts = {SERIES_DRAWN};
  return !!charts && charts.length === 2 &&
    charts.every(c => c.legend.every(name => c.drawn.includes(name)));
}})()"""


@pytest.mark.slow
@pytest.mark.browser
def test_the_fanout_tab_draws_a_live_chart_with_every_series_and_hover(
    locust_ui: tuple[str, Path],  # noqa: F811 (the imported fixture)
) -> None:
    chromium = find_chromium()
    if chromium is None:
        pytest.fail("chromium not found: install it (Debian: apt-get install chromium)")
    base, results = locust_ui
    log = results.parent / "locust.log"
    with Browser(chromium, window_size=f"{WIDTH_PX},900") as browser:
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH_PX, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )
        browser.send(
            "Page.addScriptToEvaluateOnNewDocument", {"source": ERROR_CAPTURE}, session=True
        )
        browser.navigate(base + "/")
        _wait(browser, USER_COUNT, 30, base, log)
        _swarm_from_the_form(browser, base, log)
        assert _wait(browser, CLICK_TAB, 30, base, log)
        # Drawn while the test runs: the window is 6 s, its seconds arrive every 2 s.
        _wait(browser, ALL_DRAWN, 40, base, log)
        charts = browser.evaluate(SERIES_DRAWN)
        assert [c["title"] for c in charts] == [
            "Deliveries per second (by send second)",
            "Fan-out latency per send second (ms)",
        ]
        assert charts[1]["legend"] == ["fan-out p50", "fan-out p99"]
        for chart in charts:
            assert chart["right"] <= WIDTH_PX, chart
        point = browser.evaluate(HOVER_AREA)
        assert point is not None
        browser.send(
            "Input.dispatchMouseEvent",
            {"type": "mouseMoved", "x": point["x"], "y": point["y"]},
            session=True,
        )
        tip = _wait(browser, TIP, 5, base, log)
        assert tip.startswith("second ") and "deliveries/s: " in tip, tip
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "fanout-tab.png").write_bytes(base64.b64decode(shot["data"]))
        # The chart follows the tabs: gone on another tab, back on Fan-out.
        browser.evaluate(
            "[...document.querySelectorAll('[role=\"tab\"]')]"
            ".find(t => t.textContent.trim() === 'Statistics').click()"
        )
        _wait(browser, "!document.getElementById('roombench-fanout-charts')", 5, base, log)
        assert _wait(browser, CLICK_TAB, 10, base, log)
        _wait(browser, ALL_DRAWN, 10, base, log)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # a few more polls: errors would show up now
            time.sleep(0.5)
        errors = browser.evaluate("JSON.stringify(window.__errors || [])")
        assert json.loads(errors) == [], errors
