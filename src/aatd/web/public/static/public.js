// Progressive enhancement for the public pages (no inline scripts: the CSP forbids them).
// Print buttons appear only when JavaScript runs; without it the browser's own Print works.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
