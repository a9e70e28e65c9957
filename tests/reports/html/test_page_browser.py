"""The built report at 1280 px in headless Chromium (DevTools): fits, every series shows, hover.

At 1280 px the summary table's right edge is inside the window and the page has no sideways
scroll; every series a chart's legend names has drawn a line or a dot; hovering a point
shows its value; the page logs no error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports.build import build_report
from tests.loadtests.webui.cdp import Browser
from tests.reports.factory import write_demo_run
from tests.reports.html.chromium import find_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH_PX = 1280
LAYOUT = """JSON.stringify({
  done: document.body.getAttribute('data-selfcheck'),
  errors: window.__roombenchErrors,
  inner: window.innerWidth,
  scroll: document.documentElement.scrollWidth,
  summaryRight: document.getElementById('summary').getBoundingClientRect().right,
})"""
# Per chart: the series its legend names, and those that drew a line of some length or a dot.
LEGENDS = """JSON.stringify([...document.querySelectorAll('svg.chart')].map(svg => ({
  title: svg.getAttribute('aria-label'),
  legend: [...svg.querySelectorAll('text.legend')].map(t => t.getAttribute('data-series')),
  drawn: [...svg.querySelectorAll('[data-series]')]
    .filter(e => (e.tagName === 'path' && e.getTotalLength() > 0) || e.tagName === 'circle')
    .map(e => e.getAttribute('data-series')),
})))"""
FIRST_HOVER = """(() => {
  const target = document.querySelector('#over-time ~ .charts circle.hover');
  target.scrollIntoView({block: 'center'});
  const box = target.getBoundingClientRect();
  return {x: box.left + box.width / 2, y: box.top + box.height / 2,
          tip: target.getAttribute('data-tip')};
})()"""
TIP = """(() => {
  const tip = document.getElementById('chart-tip');
  return tip.style.display === 'block' ? tip.textContent : null;
})()"""


def test_the_report_fits_1280_px_shows_every_series_and_hovers(tmp_path: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        pytest.fail("chromium not found: install it (Debian: apt-get install chromium)")
    page = build_report([write_demo_run(tmp_path / "run")])
    with Browser(chromium, window_size=f"{WIDTH_PX},900") as browser:
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH_PX, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )
        browser.navigate(page.resolve().as_uri())
        browser.wait_for("document.body && document.body.getAttribute('data-selfcheck')", 20)
        layout = json.loads(browser.evaluate(LAYOUT))
        assert layout["done"] == "done" and layout["errors"] == []
        assert layout["inner"] == WIDTH_PX
        assert layout["summaryRight"] <= WIDTH_PX, layout
        assert layout["scroll"] <= WIDTH_PX, layout  # no sideways scroll at all
        charts = json.loads(browser.evaluate(LEGENDS))
        assert len(charts) == 15  # 2 latency + 4 over time + 2 per configuration (3) + 3 bench
        legends = [c for c in charts if c["legend"]]
        assert len(legends) == 14  # the bar chart has no legend
        for chart in legends:
            hidden = set(chart["legend"]) - set(chart["drawn"])
            assert not hidden, (chart["title"], hidden)
        point = browser.evaluate(FIRST_HOVER)
        browser.send(
            "Input.dispatchMouseEvent",
            {"type": "mouseMoved", "x": point["x"], "y": point["y"]},
            session=True,
        )
        tip = browser.wait_for(TIP, 5)
        # Identical series stack their targets: the top one answers, with the same values.
        assert tip.split(": ", 1)[1] == point["tip"].split(": ", 1)[1]
        assert "deliveries/s 400 at seconds from window start" in tip
        assert json.loads(browser.evaluate("JSON.stringify(window.__roombenchErrors)")) == []
