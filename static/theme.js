// Runs in <head>, before the page is painted, so a learner who chose a
// theme never sees the other one flash first. That is why this one script
// is a classic script and not an ES module like the rest of the page
// (course.js and what it imports): a module always runs after the whole
// document is parsed, as a deferred script does, which is after the first
// paint can happen.
//
// The page follows the system's light/dark setting until the learner
// presses the toggle; that choice is remembered. Choosing the theme the
// system has anyway forgets the choice, so the page follows the system
// again from then on. The toggle is a "深色模式" button whose aria-pressed
// says whether dark is on; its icon comes from CSS.
(function () {
  "use strict";
  var key = "walkthrough.theme";
  var root = document.documentElement;
  try {
    var saved = localStorage.getItem(key);
    if (saved === "light" || saved === "dark") {
      root.dataset.theme = saved;
    }
  } catch (e) { /* storage may be disabled: follow the system */ }

  var system = window.matchMedia ? matchMedia("(prefers-color-scheme: dark)") : null;

  function systemTheme() {
    return system && system.matches ? "dark" : "light";
  }

  function current() {
    return root.dataset.theme || systemTheme();
  }

  function show(button) {
    var dark = current() === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    button.title = dark ? "深色模式：开（点击换成浅色）" : "深色模式：关（点击换成深色）";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    show(button);
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      try {
        if (next === systemTheme()) localStorage.removeItem(key);
        else localStorage.setItem(key, next);
      } catch (e) { /* not remembered, still applied */ }
      if (next === systemTheme()) delete root.dataset.theme;
      else root.dataset.theme = next;
      show(button);
    });
    if (system && system.addEventListener) {
      system.addEventListener("change", function () { show(button); });
    }
  });
})();
