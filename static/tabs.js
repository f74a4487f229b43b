// A demo's source tabs (Go, further Go files, Python), as the WAI-ARIA
// tabs pattern: Tab reaches the selected tab only; ←/→ move to the
// previous/next tab (round the ends), Home/End to the first/last, and
// selection follows focus. keys.js leaves ←/→ inside a tablist alone.

export function setupTabs(section) {
  const list = section.querySelector('[role="tablist"]');
  const tabs = Array.from(section.querySelectorAll('[role="tab"]'));
  if (!list || tabs.length < 2) return;
  const select = (tab) => {
    tabs.forEach((t) => {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      section.querySelector("#" + CSS.escape(t.getAttribute("aria-controls"))).hidden = !on;
    });
  };
  tabs.forEach((t) => {
    t.addEventListener("click", () => select(t));
  });
  list.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const i = tabs.indexOf(e.target);
    if (i < 0) return;
    let next;
    switch (e.key) {
      case "ArrowLeft": next = tabs[(i - 1 + tabs.length) % tabs.length]; break;
      case "ArrowRight": next = tabs[(i + 1) % tabs.length]; break;
      case "Home": next = tabs[0]; break;
      case "End": next = tabs[tabs.length - 1]; break;
      default: return;
    }
    e.preventDefault();
    select(next);
    next.focus();
  });
  select(tabs[0]);
}
