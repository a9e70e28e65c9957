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
    window.__roombenchErrors.join("\n");
  document.body.setAttribute("data-errors", String(window.__roombenchErrors.length));
  document.body.setAttribute("data-selfcheck", "done");
})();
