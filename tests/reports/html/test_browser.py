"""The built report in a real headless Chromium: no console errors, every chart drawn."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reports.build import build_report
from tests.reports.factory import write_demo_run
from tests.reports.html.chromium import dump_dom, find_chromium, screenshot

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        pytest.fail("chromium not found: install it (Debian: apt-get install chromium)")
    page = build_report([write_demo_run(tmp_path / "run")])
    dom = dump_dom(chromium, page)
    body = re.search(r"<body([^>]*)>", dom)
    assert body is not None
    attrs = dict(re.findall(r'(data-[\w-]+)="([^"]*)"', body.group(1)))
    assert attrs.get("data-selfcheck") == "done", "the page's self-check script did not run"
    errors = re.search(r'<pre id="console-errors">(.*?)</pre>', dom, re.S)
    assert errors is not None and errors.group(1).strip() == "", errors.group(1) if errors else dom
    assert attrs["data-errors"] == "0"
    assert int(attrs["data-charts-total"]) == 15
    assert attrs["data-charts-ok"] == attrs["data-charts-total"]
    assert 'data-drawn="no"' not in dom
    # The download links were built from the embedded data.
    assert dom.count('download="') >= 10
    shot = screenshot(chromium, page, ARTIFACTS / "report.png")
    assert shot.stat().st_size > 50_000
