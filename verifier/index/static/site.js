// roughatlas theorem index: math rendering and the theorem-table filters. No network.
(function () {
  "use strict";
  function renderMath() {
    if (typeof katex === "undefined") { return; }
    document.querySelectorAll(".tex[data-tex]").forEach(function (el) {
      katex.render(el.getAttribute("data-tex"), el, { throwOnError: false, strict: "ignore" });
    });
    if (typeof renderMathInElement === "function") {
      document.querySelectorAll(".printed").forEach(function (el) {
        renderMathInElement(el, { delimiters: [{ left: "$", right: "$", display: false }],
                                  throwOnError: false, strict: "ignore" });
      });
    }
  }
  function setupFilters() {
    var table = document.getElementById("theorem-table");
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var text = document.getElementById("f-text");
    var sel = { part: "f-part", method: "f-method", status: "f-status", witness: "f-witness" };
    var count = document.getElementById("f-count");
    function apply() {
      var needle = text.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (tr) {
        var ok = !needle || tr.getAttribute("data-text").toLowerCase().indexOf(needle) >= 0;
        Object.keys(sel).forEach(function (k) {
          var v = document.getElementById(sel[k]).value;
          if (v && tr.getAttribute("data-" + k) !== v) { ok = false; }
        });
        tr.classList.toggle("hidden", !ok);
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " theorems";
    }
    text.addEventListener("input", apply);
    Object.keys(sel).forEach(function (k) { document.getElementById(sel[k]).addEventListener("change", apply); });
    var q = new URLSearchParams(window.location.search);
    if (q.get("q")) { text.value = q.get("q"); }
    apply();
  }
  document.addEventListener("DOMContentLoaded", function () { renderMath(); setupFilters(); });
}());
