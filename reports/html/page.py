"""The self-contained HTML report: one file, no network, charts as inline SVG.

Layout, top to bottom: warnings (flags nobody may miss), run metadata per
configuration, the summary table with changes against the baseline, charts,
micro-benchmarks, downloads. The raw results (with their HDR blobs) and the
bench JSON are embedded as a ``<script type="application/json">`` block, and a
few lines of inline script turn them into download links.

The page checks itself: an early script records console errors and uncaught
exceptions, a late one counts the charts that drew a series, and both write
what they found into the DOM (``body[data-charts-ok]``, ``#console-errors``),
where a headless browser's ``--dump-dom`` can read it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from reports import bench_view
from reports.configs import ConfigRuns
from reports.html import charts
from reports.loading import BenchDoc
from reports.table import SummaryTable

ERROR_CAPTURE_JS = """
window.__roombenchErrors = [];
(function () {
  var record = function (text) { window.__roombenchErrors.push(String(text)); };
  var original = console.error;
  console.error = function () {
    record(Array.prototype.map.call(arguments, String).join(" "));
    return original.apply(console, arguments);
  };
  window.addEventListener("error", function (e) { record("error: " + e.message); });
  window.addEventListener("unhandledrejection", function (e) {
    record("unhandled rejection: " + e.reason);
  });
})();
"""

SELF_CHECK_JS = """
(function () {
  try {
    var data = JSON.parse(document.getElementById("roombench-data").textContent);
    var list = document.getElementById("downloads");
    data.downloads.forEach(function (item) {
      var blob = new Blob([item.text], {type: item.type});
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = item.name;
      link.textContent = item.name;
      var li = document.createElement("li");
      li.appendChild(link);
      li.appendChild(document.createTextNode(" — " + item.what));
      list.appendChild(li);
    });
  } catch (e) {
    console.error("downloads: " + e);
  }
  var svgs = document.querySelectorAll("svg.chart");
  var drawn = 0;
  svgs.forEach(function (svg) {
    var ok = Array.prototype.some.call(svg.querySelectorAll("path.series"), function (p) {
      return (p.getAttribute("d") || "").trim() !== "" && p.getTotalLength() > 0;
    }) || svg.querySelector("circle") !== null;
    svg.setAttribute("data-drawn", ok ? "yes" : "no");
    if (ok) { drawn += 1; }
  });
  document.body.setAttribute("data-charts-total", String(svgs.length));
  document.body.setAttribute("data-charts-ok", String(drawn));
  document.getElementById("console-errors").textContent =
    window.__roombenchErrors.join("\\n");
  document.body.setAttribute("data-errors", String(window.__roombenchErrors.length));
  document.body.setAttribute("data-selfcheck", "done");
})();
"""

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px;
       color: #1b1b1b; max-width: 1500px; }
h1 { margin: 0 0 4px; } h2 { margin-top: 32px; border-bottom: 1px solid #ddd; }
.muted { color: #666; }
.warnings { border: 3px solid #c62828; background: #fdecea; padding: 10px 16px; margin: 16px 0; }
.warnings h2 { margin: 0; border: 0; color: #c62828; }
.warnings li { margin: 2px 0; }
.ok { border: 1px solid #2e7d32; background: #edf7ed; padding: 8px 16px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; vertical-align: top; }
th { background: #f4f4f4; text-align: left; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
.chg { display: block; font-size: 12px; }
.worse { color: #c62828; } .better { color: #2e7d32; } .ns { color: #888; }
.baseline-row td { background: #f7f9ff; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
svg.chart { border: 1px solid #e4e4e4; background: #fff; }
svg.chart path.series { fill: none; stroke-width: 2; }
svg.chart path.bar { stroke: none; }
svg.chart .grid { stroke: #ececec; } svg.chart .frame { fill: none; stroke: #999; }
svg.chart .reference { stroke: #333; stroke-dasharray: 4 3; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #333; }
svg.chart .chart-title { font-size: 13px; font-weight: 600; }
svg.chart .axis-label { font-size: 12px; } svg.chart .band-label { fill: #666; }
#console-errors:empty { display: none; }
.no-data { color: #888; font-style: italic; width: 640px; }
#console-errors { color: #c62828; }
"""

VERSION_KEYS = (
    "python",
    "flask-socketio",
    "python-socketio",
    "python-engineio",
    "eventlet",
    "gevent",
    "locust",
    "redis_server",
)


def _warnings(configs: Sequence[ConfigRuns]) -> str:
    items = [
        f"<li><b>{escape(c.label)}</b> repeat {repeat}: <b>{escape(flag)}</b> — {escape(why)}</li>"
        for c in configs
        for repeat, flag, why in c.flags()
    ]
    if not items:
        return (
            '<div class="ok">No flags: no generator saturation, loss, leaks, duplicates '
            "or errors.</div>"
        )
    return (
        '<div class="warnings" id="warnings"><h2>Warnings</h2><ul>'
        + "".join(items)
        + "</ul><p>generator_saturated makes comparisons with that configuration "
        "inconclusive; lost, leaked or duplicated deliveries mean the numbers are not "
        "those of a correct run.</p></div>"
    )


def _metadata(configs: Sequence[ConfigRuns]) -> str:
    def row(c: ConfigRuns) -> list[str]:
        d = c.first
        git = d["git"]
        commit = (git.get("commit") or "none")[:10] + (" (dirty)" if git.get("dirty") else "")
        versions = ", ".join(
            f"{k} {d['versions'][k]}" for k in VERSION_KEYS if d["versions"].get(k)
        )
        cfg, scen, machine, window = d["config"], d["scenario"], d["machine"], d["window"]
        faults = ", ".join(f"{k}={v}" for k, v in (cfg.get("faults") or {}).items() if v) or "none"
        scenario = (
            f"{scen.get('name')}: {scen.get('users')} users, {scen.get('rooms')} rooms, "
            f"{scen.get('senders')} senders × {scen.get('rate_per_sender_per_s')}/s, "
            f"{scen.get('payload_bytes')} B"
        )
        return [
            c.label,
            commit,
            versions,
            cfg.get("async_mode", ""),
            cfg.get("queue", ""),
            str(cfg.get("nodes", "")),
            cfg.get("gc", ""),
            faults,
            f"{machine.get('cores')} cores, {machine.get('cpu_model')}",
            scenario,
            f"{window['duration_s']:g} s (+{window['warmup_s']:g} s warm-up, "
            f"{window['drain_s']:g} s drain)",
            str(c.repeats),
            d["run_id"],
        ]

    header = [
        "configuration",
        "commit",
        "versions",
        "async mode",
        "queue",
        "nodes",
        "GC",
        "faults",
        "machine",
        "scenario",
        "window",
        "repeats",
        "run",
    ]
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row(c)) + "</tr>" for c in configs
    )
    return (
        '<div class="scroll"><table id="metadata"><tr>'
        + "".join(f"<th>{escape(h)}</th>" for h in header)
        + f"</tr>{body}</table></div>"
    )


def _summary(table: SummaryTable) -> str:
    head = (
        "<tr><th>configuration</th>"
        + "".join(
            f"<th>{escape(m.label)}"
            + ("" if m.unit == "count" else f"<br><span class='muted'>{escape(m.unit)}</span>")
            + "</th>"
            for m in table.metrics
        )
        + "</tr>"
    )
    rows = []
    for row in table.rows:
        cells = [
            f"<td>{escape(row.config.label)}"
            + (" <b>(baseline)</b>" if row.is_baseline else "")
            + "</td>"
        ]
        for cell in row.cells:
            comp = cell.comparison
            change = ""
            if comp is not None and cell.change_text:
                css = "ns" if not comp.significant else ("worse" if comp.worse else "better")
                tip = comp.reason + (
                    f"; p = {comp.p_value:.3g} ({comp.method})" if comp.p_value is not None else ""
                )
                change = (
                    f'<span class="chg {css}" title="{escape(tip)}">'
                    f"{escape(cell.change_text)}</span>"
                )
            cells.append(f'<td class="num">{escape(cell.value_text)}{change}</td>')
        css = ' class="baseline-row"' if row.is_baseline else ""
        rows.append(f"<tr{css}>" + "".join(cells) + "</tr>")
    return (
        f'<div class="scroll"><table id="summary">{head}{"".join(rows)}</table></div>'
        f'<p class="muted" id="method">{escape(table.method_note())} Hover a change for '
        "its samples and p-value.</p>"
    )


def _bench_table(bench: BenchDoc) -> str:
    header = [
        "benchmark",
        "group",
        "variant",
        "n",
        "median (µs)",
        "per delivery (ns)",
        "rounds",
        "per-round data",
    ]
    rows = []
    for b in bench.benchmarks:
        extra = b.get("extra_info") or {}
        per = extra.get("per_delivery_ns")
        cells = [
            b.get("name", ""),
            b.get("group") or "",
            bench_view.variant(b),
            str(bench_view.size(b) or ""),
            f"{float(b['stats']['median']) * 1e6:,.2f}",
            f"{float(per):,.0f}" if per is not None else "—",
            str(b["stats"].get("rounds")),
            "yes" if b["stats"].get("data") else "no",
        ]
        rows.append(
            "<tr>"
            + "".join(
                f'<td class="{"num" if i >= 3 else ""}">{escape(str(c))}</td>'
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )
    commit = str((bench.doc.get("commit_info") or {}).get("id") or "")[:10]
    machine = (bench.doc.get("machine_info") or {}).get("cpu") or {}
    about = ", ".join(
        part
        for part in (
            str(bench.path),
            f"commit {commit}" if commit else "",
            str(machine.get("brand_raw") or ""),
            str(bench.doc.get("datetime") or ""),
        )
        if part
    )
    return (
        f"<h3>{escape(bench.label)}</h3><p class='muted'>{escape(about)}</p>"
        "<div class='scroll'><table class='bench'><tr>"
        + "".join(f"<th>{escape(h)}</th>" for h in header)
        + "</tr>"
        + "".join(rows)
        + "</table></div>"
    )


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


def _embed_json(value: Any) -> str:
    # "</" would end the script element early; "<\/" is the same string to JSON.
    return json.dumps(value).replace("</", "<\\/")


def render_page(
    configs: Sequence[ConfigRuns],
    table: SummaryTable | None,
    benches: Sequence[BenchDoc],
    result_paths: Sequence[Path],
    results: Sequence[dict[str, Any]],
    generated_utc: str,
) -> str:
    """The whole page as one string."""
    parts = [
        f"<p class='muted'>Generated {escape(generated_utc)} from "
        f"{len(results)} results file(s) and {len(benches)} bench file(s).</p>"
    ]
    if configs:
        parts.append(_warnings(configs))
        parts.append("<h2>Runs</h2>" + _metadata(configs))
    if table is not None:
        parts.append("<h2>Summary</h2>" + _summary(table))
    if configs:
        parts.append(
            "<h2>Fan-out latency</h2><div class='charts'>"
            + charts.percentile_distribution(configs)
            + charts.latency_cdf(configs)
            + "</div>"
        )
        parts.append(
            "<h2>Over time</h2><p class='muted'>Only messages sent inside the window "
            "count; warm-up and drain are shaded.</p><div class='charts'>"
            + "".join(charts.timeseries(configs))
            + "</div>"
        )
        parts.append(
            "<h2>Processes</h2><div class='charts'>"
            + "".join(chart for c in configs for chart in charts.resources(c))
            + "</div>"
        )
    if benches:
        parts.append(
            "<h2>Micro-benchmarks</h2><div class='charts'>"
            + "".join(charts.bench_charts(benches))
            + "</div>"
            + "".join(_bench_table(b) for b in benches)
        )
    data = {"downloads": _downloads(configs, result_paths, results, benches)}
    parts.append(
        "<h2>Downloads</h2><p class='muted'>The raw results (with every HDR blob), "
        "the merged histograms and the bench JSON, as embedded in this page.</p>"
        "<ul id='downloads'></ul>"
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<script>{ERROR_CAPTURE_JS}</script>"
        "<title>roombench report</title>"
        f"<style>{CSS}</style></head><body>"
        "<h1>roombench report</h1><pre id='console-errors'></pre>"
        + "\n".join(parts)
        + f"<script type='application/json' id='roombench-data'>{_embed_json(data)}</script>"
        + f"<script>{SELF_CHECK_JS}</script></body></html>\n"
    )
