// Pedigree editor: progressive enhancement of the family page (every action also works as a plain form).
// A click, Enter or Space on a person in the drawing selects them; htmx swaps only the workspace,
// so the page keeps its place, and focus moves to the selected person's actions.
(function () {
  "use strict";

  var focusPanel = false;

  function workspace() { return document.getElementById("family-workspace"); }

  function select(key) {
    var ws = workspace();
    if (!ws || !key) { return; }
    var url = "/families/" + ws.getAttribute("data-family") + "?member=" + encodeURIComponent(key);
    if (window.htmx) {
      focusPanel = true;
      window.htmx.ajax("GET", url, { target: "#family-workspace", select: "#family-workspace", swap: "outerHTML" });
    } else {
      window.location.href = url + "#editor";
    }
  }

  function memberOf(target) {
    return target && target.closest ? target.closest("#family-workspace g.member[data-key]") : null;
  }

  document.addEventListener("click", function (event) {
    var g = memberOf(event.target);
    if (g) { event.preventDefault(); select(g.getAttribute("data-key")); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") { return; }
    var g = memberOf(event.target);
    if (g) { event.preventDefault(); select(g.getAttribute("data-key")); }
  });

  function markSelected() {
    var panel = document.getElementById("editor-panel");
    var key = panel ? panel.getAttribute("data-member") : null;
    document.querySelectorAll("#family-workspace g.member[data-key]").forEach(function (g) {
      var on = g.getAttribute("data-key") === key;
      g.classList.toggle("selected", on);
      g.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  document.addEventListener("DOMContentLoaded", markSelected);
  document.addEventListener("htmx:afterSettle", function () {
    markSelected();
    var active = document.activeElement;
    if (focusPanel || !active || active === document.body || !document.contains(active)) {
      focusPanel = false;
      var title = document.getElementById("panel-title");
      if (title) { title.focus({ preventScroll: true }); }
    }
  });
  // A refused change (422) still shows the page with the error that names the field.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
}());
