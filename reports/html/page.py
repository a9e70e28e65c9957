"""The self-contained HTML report: one file, no network, charts as inline SVG.

Layout, top to bottom: warnings (flags nobody may miss), run metadata per
configuration, the summary table with changes against the baseline, the fault
table (when a run had a fault timeline or a process exit), charts,
micro-benchmarks, downloads. The raw results (with their HDR blobs) and the
bench JSON are embedded as a ``<script type="application/json">`` block, and a
few lines of inline script turn them into download links.

The page checks itself: an early script records console errors and uncaught
exceptions, a late one counts the charts that drew a series, and both write
what they found into the DOM (``body[data-charts-ok]``, ``#console-errors``),
where a headless browser's ``--dump-dom`` can read it.

How the page is built: ``templates/page.html`` is the frame (head, styles,
the self-check scripts, the data block); between them it prints the sections
``_sections`` lists, in order. Each section is a template in
``templates/sections/`` plus a function in ``sections.py`` that returns a
``Section`` (template name and the plain values it shows). Templates are
autoescaped (``templating.py``): print values with ``{{ value }}`` and never
build HTML in Python; charts come in as ``Markup`` from ``charts.py``.

To add a section (say, a fault table):

1. write ``templates/sections/faults.html``: an ``<h2>`` and its markup, printing
   only values it is given;
2. write ``faults(configs) -> Section`` in ``sections.py`` (or in its own module
   under ``reports/html/`` when it grows) that computes those values; a section
   of charts can use ``sections.chart_row(title, svgs, note)`` and needs no template;
3. append it in ``_sections`` where it belongs on the page, under the condition
   that says when it has something to show;
4. extend ``tests/reports/html/test_html.py`` (its position and content) and
   the chart count in ``test_browser.py`` if it draws charts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from reports.configs import ConfigRuns
from reports.html import clocks, faults, machine, sections
from reports.html.templating import Section, render
from reports.loading import BenchDoc
from reports.table import SummaryTable


def _downloads(
    configs: Sequence[ConfigRuns],
    result_paths: Sequence[Path],
    results: Sequence[dict[str, Any]],
    benches: Sequence[BenchDoc],
) -> list[dict[str, str]]:
    items = [
        {
            "name": path.name,
            "type": "application/json",
            "what": "results file as written by the run",
            "text": json.dumps(doc, indent=1),
        }
        for path, doc in zip(result_paths, results, strict=False)
    ]
    items += [
        {
            "name": f"{c.label}.fanout.merged.hdr".replace(" ", "_"),
            "type": "text/plain",
            "what": f"fan-out HDR histogram of {c.label}, {c.repeats} repeat(s) merged (base64)",
            "text": c.histogram("fanout").encode().decode("ascii"),
        }
        for c in configs
    ]
    items += [
        {
            "name": b.path.name,
            "type": "application/json",
            "what": f"pytest-benchmark JSON ({b.label})",
            "text": json.dumps(b.doc, indent=1),
        }
        for b in benches
    ]
    return items


def embed_json(value: Any) -> Markup:
    """``value`` as JSON that cannot end or change the ``<script>`` element it sits in.

    "</" would end the element early, and "<!--" followed by "<script" changes
    how the browser finds its end; writing every ``<``, ``>`` and ``&`` as a
    ``\\u`` escape rules out both, and ``JSON.parse`` reads back the same value.
    These characters occur in JSON only inside strings, where the escapes mean
    the same character.
    """
    text = json.dumps(value)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return Markup(text)


def _sections(
    configs: Sequence[ConfigRuns],
    table: SummaryTable | None,
    benches: Sequence[BenchDoc],
    results: int,
    generated_utc: str,
) -> list[Section]:
    """The page's sections in page order, each only when it has something to show."""
    page = [sections.generated(generated_utc, results, len(benches))]
    if configs:
        page += [sections.warnings(configs), sections.runs(configs)]
        page.append(machine.section(configs))  # speed, CPU sets, noise (issue 22)
    if table is not None:
        page.append(sections.summary(table))
    if faults.has_faults(configs):
        page.append(faults.section(configs))
    if configs:
        page += [
            sections.fanout_charts(configs),
            sections.timeseries_charts(configs),
            sections.process_charts(configs),
        ]
    page += clocks.clock_sections(configs)  # [] without distributed runs
    if benches:
        page.append(sections.benchmarks(benches))
    page.append(sections.downloads())
    return page


def render_page(
    configs: Sequence[ConfigRuns],
    table: SummaryTable | None,
    benches: Sequence[BenchDoc],
    result_paths: Sequence[Path],
    results: Sequence[dict[str, Any]],
    generated_utc: str,
) -> str:
    """The whole page as one string."""
    data = {"downloads": _downloads(configs, result_paths, results, benches)}
    parts = _sections(configs, table, benches, len(results), generated_utc)
    return render(
        "page.html",
        sections=[section.render() for section in parts],
        data_json=embed_json(data),
    )
