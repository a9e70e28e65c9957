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
