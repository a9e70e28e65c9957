// Hover on a chart point shows its values: every chart carries invisible circle.hover
// targets with a data-tip (svg.py); one shared box follows the pointer. No library, offline.
(function () {
  var tip = document.getElementById("chart-tip");
  if (!tip) { return; }
  document.addEventListener("mouseover", function (e) {
    var target = e.target;
    if (!target || !target.getAttribute || !target.getAttribute("data-tip")) { return; }
    tip.textContent = target.getAttribute("data-tip");
    var box = target.getBoundingClientRect();
    tip.style.left = (window.scrollX + box.right + 8) + "px";
    tip.style.top = (window.scrollY + box.top - 8) + "px";
    tip.style.display = "block";
  });
  document.addEventListener("mouseout", function (e) {
    if (e.target && e.target.getAttribute && e.target.getAttribute("data-tip")) {
      tip.style.display = "none";
    }
  });
})();
