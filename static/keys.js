// The course's keys: ←/→ to the previous/next lesson, Shift+Enter and Esc
// to run and stop the demo in view, Esc to close the contents on a phone.
// Keys typed into a field, and ←/→ in source tabs or in anything that
// scrolls sideways, keep their own meaning. Inside a panel, panel.js
// answers Shift+Enter and Esc itself; this acts on a panel only by
// pressing its own buttons.

import { setToc, tocOpen } from "./toc.js";

export function setupKeys() {
  // The panel last started, for Esc when no running panel is in view.
  let lastStarted = null;
  document.addEventListener("demo-start", (e) => {
    if (e.target.matches("section.demo[data-demo]")) lastStarted = e.target;
  });
  document.addEventListener("keydown", (e) => onKey(e, lastStarted));
}

function isTyping(el) {
  return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

// A code block or table that scrolls sideways keeps ←/→ for itself.
function scrollsSideways(el) {
  for (; el && el !== document.body && el.nodeType === 1; el = el.parentElement) {
    if (el.scrollWidth > el.clientWidth + 1) {
      const ox = getComputedStyle(el).overflowX;
      if (ox === "auto" || ox === "scroll") return true;
    }
  }
  return false;
}

// visibleHeight is how much of el shows between the sticky header and the
// bottom of the window.
function visibleHeight(el) {
  const head = document.querySelector(".site-head");
  const top = head ? head.getBoundingClientRect().bottom : 0;
  const r = el.getBoundingClientRect();
  return Math.min(r.bottom, window.innerHeight) - Math.max(r.top, top);
}

// panelInView is the demo the learner is looking at: the one that takes
// most of the window.
function panelInView(filter) {
  let best = null;
  let bestHeight = 0;
  document.querySelectorAll("section.demo[data-demo]").forEach((s) => {
    if (filter && !filter(s)) return;
    const h = visibleHeight(s);
    if (h > bestHeight) {
      best = s;
      bestHeight = h;
    }
  });
  return best;
}

function press(button) {
  if (button && !button.disabled) {
    button.click();
    return true;
  }
  return false;
}

function onKey(e, lastStarted) {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
  const t = e.target && e.target.nodeType === 1 ? e.target : document.body;

  if (e.key === "Escape" && tocOpen()) {
    e.preventDefault();
    setToc(false);
    const toggle = document.querySelector(".toc-toggle");
    if (toggle) toggle.focus();
    return;
  }
  if (isTyping(t)) return;

  if ((e.key === "ArrowLeft" || e.key === "ArrowRight") && !e.shiftKey) {
    if (t.closest('[role="tablist"]') || scrollsSideways(t)) return;
    const link = document.querySelector(e.key === "ArrowLeft" ? '.pager a[rel="prev"]' : '.pager a[rel="next"]');
    if (link) {
      e.preventDefault();
      location.assign(link.href);
    }
    return;
  }

  // Inside a panel, panel.js answers Shift+Enter and Esc itself. Outside
  // one, they act on the panel in view; on a link or button Enter keeps
  // its own meaning.
  if (t.closest("section.demo")) return;
  if (e.key === "Enter" && e.shiftKey) {
    if (t.closest("a, button, summary")) return;
    const panel = panelInView();
    if (panel && press(panel.querySelector("button.run"))) e.preventDefault();
  } else if (e.key === "Escape") {
    const running = (s) => s.classList.contains("running");
    const target = panelInView(running) || (lastStarted && running(lastStarted) ? lastStarted : null);
    if (target && press(target.querySelector("button.stop"))) e.preventDefault();
  }
}
