// Runs in <head>, before the page is painted, so a learner who chose a
// theme never sees the other one flash first.
(function () {
  "use strict";
  var key = "walkthrough.theme";
  try {
    var saved = localStorage.getItem(key);
    if (saved === "light" || saved === "dark") {
      document.documentElement.dataset.theme = saved;
    }
  } catch (e) { /* storage may be disabled: follow the system */ }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    button.addEventListener("click", function () {
      var root = document.documentElement;
      var current = root.dataset.theme ||
        (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
      var next = current === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem(key, next); } catch (e) { /* not remembered, still applied */ }
    });
  });
})();
