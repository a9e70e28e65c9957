"""The self-contained HTML report: one file, no network, charts as inline SVG.

Layout, top to bottom: the verdict line (flags, counts, whether changes were
tested, the folder's gate verdict), a table of contents, warnings (when a flag
is set), the summary table (grouped, fitting 1280 px; every column behind "more
columns"), faults, charts, run metadata, clocks, why other figures differ,
micro-benchmarks, downloads. A section with nothing to say is one line
(``sections.one_line``), never an empty heading. The raw results (with their
HDR blobs) and the bench JSON are embedded as a ``<script
type="application/json">`` block, and a few lines of inline script turn them
into download links; another few show a chart point's values on hover.

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

from loadtests.model.results import ResultsDoc
from reports.configs import ConfigRuns
from reports.html import clocks, faults, machine, sections
from reports.html.templating import Section, render
from reports.loading import BenchDoc
from reports.table import SummaryTable
from reports.verdict import GateDoc
from reports.verdict_line import verdict_line


def _downloads(
    configs: Sequence[ConfigRuns],
    result_paths: Sequence[Path],
    results: Sequence[ResultsDoc],
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


def _has_clock_story(configs: Sequence[ConfigRuns]) -> bool:
    """Whether any run had a worker on another host than the master (a clock to correct)."""
    return any(clocks["cross_host"] for c in configs for d in c.docs if (clocks := d.get("clocks")))


def _has_fault_story(configs: Sequence[ConfigRuns]) -> bool:
    """Whether any run fired a fault event or had a process exit nobody planned."""
    return any(
        d.get("events") or any(not e.get("planned") for e in d.get("process_exits", []))
        for c in configs
        for d in c.docs
    )


# (anchor, title) of each section with a heading, for the table of contents.
HEADINGS = {
    "warnings.html": ("warnings", "Warnings"),
    "summary.html": ("summary", "Summary"),
    "faults.html": ("faults-title", "Faults"),
    "runs.html": ("runs", "Runs"),
    "machine.html": ("machine-title", "Machine"),
    "clocks.html": ("clocks-title", "Clocks"),
    "benchmarks.html": ("benchmarks", "Micro-benchmarks"),
    "notes.html": ("notes", "Why other figures differ"),
    "downloads.html": ("downloads-title", "Downloads"),
}


def _contents(parts: Sequence[Section]) -> list[tuple[str, str]]:
    entries = []
    for part in parts:
        if part.template == "charts.html" and part.context.get("anchor"):
            entries.append((str(part.context["anchor"]), str(part.context["title"])))
        elif part.template == "one_line.html":
            entries.append((str(part.context["anchor"]), str(part.context["title"])))
        elif part.template in HEADINGS:
            if part.template != "warnings.html" or part.context.get("flags"):
                entries.append(HEADINGS[part.template])
    return entries


def _sections(
    configs: Sequence[ConfigRuns],
    table: SummaryTable | None,
    benches: Sequence[BenchDoc],
    results: int,
    generated_utc: str,
    gate: GateDoc | None,
) -> list[Section]:
    """The page's sections in page order; one with nothing to show is one line."""
    head = [sections.generated(generated_utc, results, len(benches))]
    if configs:
        head.append(sections.verdict(verdict_line(configs, table, gate)))
    page: list[Section] = []
    if configs and any(c.flags() for c in configs):
        page.append(sections.warnings(configs))
    if table is not None:
        page.append(sections.summary(table))
    if configs:
        if _has_fault_story(configs):
            page.append(faults.section(configs))
        else:
            page.append(
                sections.one_line(
                    "faults-title", "Faults", "none injected, and every process exit was planned."
                )
            )
        page += [
            sections.fanout_charts(configs),
            sections.timeseries_charts(configs),
            sections.process_charts(configs),
            sections.runs(configs),
            machine.section(configs),  # speed, CPU sets, noise (issue 22)
        ]
        if _has_clock_story(configs):
            page += clocks.clock_sections(configs)
        elif any(d.get("clocks") for c in configs for d in c.docs):
            page.append(
                sections.one_line(
                    "clocks-title",
                    "Clocks",
                    "every worker ran on the master's host and shares its clock: "
                    "no correction was needed.",
                )
            )
        page.append(Section("notes.html"))
    if benches:
        page.append(sections.benchmarks(benches))
    page.append(sections.downloads())
    return [*head, sections.contents(_contents(page)), *page]


def render_page(
    configs: Sequence[ConfigRuns],
    table: SummaryTable | None,
    benches: Sequence[BenchDoc],
    result_paths: Sequence[Path],
    results: Sequence[ResultsDoc],
    generated_utc: str,
    gate: GateDoc | None = None,
) -> str:
    """The whole page as one string; ``gate`` is the folder's gate verdict, if any."""
    data = {"downloads": _downloads(configs, result_paths, results, benches)}
    parts = _sections(configs, table, benches, len(results), generated_utc, gate)
    return render(
        "page.html",
        sections=[section.render() for section in parts],
        data_json=embed_json(data),
    )
