// roombench's chart for Locust's "Fan-out" tab: deliveries per second and fan-out p50/p99 per
// send second, live, above the tab's table. Locust renders an extended tab as a table only and
// keeps its chart library inside its bundle, so this draws plain SVG, laid out like Locust's own
// Charts tab (title, legend on top, a guide line and a box with every series at the hovered
// second). It reads /roombench/fanout (the tab's rows as JSON) every 2 s; no network beyond the
// page's own server. Served and injected by loadtests/webui/install.py.
(function () {
  "use strict";
  var ROUTE = "/roombench/fanout";
  var BOX_ID = "roombench-fanout-charts";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var POLL_MS = 2000;
  var W = 560, H = 260, LEFT = 56, RIGHT = 16, TOP = 44, BOTTOM = 34;
  var CHARTS = [
    {title: "Deliveries per second (by send second)", unit: "deliveries/s",
     series: [{key: "delivered_per_s", name: "deliveries/s", color: "#00ca5a", dash: ""}]},
    {title: "Fan-out latency per send second (ms)", unit: "ms",
     series: [{key: "p50_ms", name: "fan-out p50", color: "#9966cc", dash: ""},
              {key: "p99_ms", name: "fan-out p99", color: "#ff6d6d", dash: "7 4"}]}
  ];
  var latest = null;

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function niceStep(range) {
    var raw = range / 4, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    return [1, 2, 5, 10].map(function (m) { return m * mag; }).find(function (s) { return s >= raw; });
  }

  function fmt(v) {
    if (v === null || v === undefined) { return "—"; }
    return Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : String(+v.toPrecision(3));
  }

  function draw(spec, data) {
    var svg = el("svg", {width: W, height: H, viewBox: "0 0 " + W + " " + H,
                         "class": "roombench-chart", "data-title": spec.title});
    svg.appendChild(el("text", {x: 8, y: 18, "font-size": 14, "font-weight": 600,
                                fill: "currentColor"}, spec.title));
    var xs = data.t_s, values = [];
    spec.series.forEach(function (s) {
      (data[s.key] || []).forEach(function (v) { if (v !== null) { values.push(v); } });
    });
    var lx = LEFT;
    spec.series.forEach(function (s) {  // legend on top, as Locust's charts have it
      svg.appendChild(el("line", {x1: lx, y1: 32, x2: lx + 22, y2: 32, stroke: s.color,
                                  "stroke-width": 2.5, "stroke-dasharray": s.dash}));
      svg.appendChild(el("text", {x: lx + 27, y: 36, "font-size": 12, fill: "currentColor",
                                  "class": "legend", "data-series": s.name}, s.name));
      lx += 40 + s.name.length * 7;
    });
    if (!xs.length || !values.length) {
      svg.appendChild(el("text", {x: LEFT, y: H / 2, "font-size": 12, fill: "#888"},
                         "waiting for the first send second"));
      return svg;
    }
    var x0 = xs[0], x1 = Math.max(xs[xs.length - 1], x0 + 1);
    var top = Math.max.apply(null, values);
    top = top > 0 ? top * 1.08 : 1;  // headroom: a flat line never sits on the frame
    var step = niceStep(top);
    top = Math.ceil(top / step) * step;
    var px = function (x) { return LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT); };
    var py = function (y) { return H - BOTTOM - y / top * (H - TOP - BOTTOM - 6); };
    for (var t = 0; t <= top + step / 2; t += step) {
      svg.appendChild(el("line", {x1: LEFT, x2: W - RIGHT, y1: py(t), y2: py(t),
                                  stroke: "#8884", "stroke-width": 1}));
      svg.appendChild(el("text", {x: LEFT - 6, y: py(t) + 4, "font-size": 11,
                                  "text-anchor": "end", fill: "currentColor"}, fmt(t)));
    }
    var xStep = niceStep(x1 - x0);
    for (var s = Math.ceil(x0 / xStep) * xStep; s <= x1; s += xStep) {
      svg.appendChild(el("text", {x: px(s), y: H - BOTTOM + 16, "font-size": 11,
                                  "text-anchor": "middle", fill: "currentColor"}, s + " s"));
    }
    spec.series.forEach(function (ser) {
      var d = "", pen = false, points = 0;
      (data[ser.key] || []).forEach(function (v, i) {
        if (v === null) { pen = false; return; }
        d += (pen ? "L" : "M") + px(xs[i]).toFixed(1) + "," + py(v).toFixed(1) + " ";
        pen = true;
        points += 1;
      });
      svg.appendChild(el("path", {d: d.trim(), fill: "none", stroke: ser.color, "stroke-width": 2,
                                  "stroke-dasharray": ser.dash, "class": "series",
                                  "data-series": ser.name}));
      if (points === 1) {  // one point draws no line: show it as a dot
        var i = (data[ser.key] || []).findIndex(function (v) { return v !== null; });
        svg.appendChild(el("circle", {cx: px(xs[i]), cy: py(data[ser.key][i]), r: 3,
                                      fill: ser.color, "data-series": ser.name}));
      }
    });
    var guide = el("line", {y1: TOP, y2: H - BOTTOM, stroke: "#888", visibility: "hidden"});
    svg.appendChild(guide);
    var hit = el("rect", {x: LEFT, y: TOP, width: W - LEFT - RIGHT, height: H - TOP - BOTTOM,
                          fill: "transparent", "class": "hover-area"});
    svg.appendChild(hit);
    hit.addEventListener("mousemove", function (e) {
      var box = svg.getBoundingClientRect();
      var x = x0 + (e.clientX - box.left - LEFT) / (W - LEFT - RIGHT) * (x1 - x0);
      var i = 0;
      xs.forEach(function (v, k) { if (Math.abs(v - x) < Math.abs(xs[i] - x)) { i = k; } });
      guide.setAttribute("x1", px(xs[i]));
      guide.setAttribute("x2", px(xs[i]));
      guide.setAttribute("visibility", "visible");
      var lines = ["second " + xs[i] + " (" + (data.phase[i] || "") + ")"];
      spec.series.forEach(function (ser) { lines.push(ser.name + ": " + fmt(data[ser.key][i])); });
      tip(lines, e.pageX, e.pageY);
    });
    hit.addEventListener("mouseleave", function () {
      guide.setAttribute("visibility", "hidden");
      tip(null);
    });
    return svg;
  }

  function tip(lines, x, y) {
    var box = document.getElementById("roombench-chart-tip");
    if (!box) {
      box = document.createElement("div");
      box.id = "roombench-chart-tip";
      box.style.cssText = "position:absolute;z-index:9999;pointer-events:none;background:#fff;" +
        "color:#222;border:1px solid #999;border-radius:4px;padding:4px 8px;font:12px sans-serif;" +
        "box-shadow:0 1px 4px #0004;display:none;white-space:pre";
      document.body.appendChild(box);
    }
    if (!lines) { box.style.display = "none"; return; }
    box.textContent = lines.join("\n");
    box.style.left = (x + 12) + "px";
    box.style.top = (y + 12) + "px";
    box.style.display = "block";
  }

  function fanoutTabShown() {
    var tab = document.querySelector('[role="tab"][aria-selected="true"]');
    return !!tab && tab.textContent.trim() === "Fan-out";
  }

  function place() {
    var box = document.getElementById(BOX_ID);
    if (!fanoutTabShown()) {
      if (box) { box.remove(); }
      tip(null);
      return null;
    }
    if (box && document.body.contains(box)) { return box; }
    var table = document.querySelector("table");
    if (!table) { return null; }
    var anchor = table.closest(".MuiTableContainer-root") || table;
    box = document.createElement("div");
    box.id = BOX_ID;
    box.style.cssText = "display:flex;flex-wrap:wrap;gap:16px;margin:8px 0 16px";
    anchor.parentElement.insertBefore(box, anchor);
    return box;
  }

  function render() {
    var box = place();
    if (!box || !latest) { return; }
    box.textContent = "";
    CHARTS.forEach(function (spec) { box.appendChild(draw(spec, latest)); });
  }

  function poll() {
    fetch(ROUTE, {cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) { if (doc && doc.chart) { latest = doc.chart; render(); } })
      .catch(function () { /* the server is between runs or gone: try again next time */ });
  }

  poll();
  setInterval(poll, POLL_MS);
  // Follow the tabs: the box appears with the Fan-out tab and goes when another tab is shown.
  setInterval(function () {
    var had = !!document.getElementById(BOX_ID);
    if (place() && !had) { render(); }
  }, 500);
})();
