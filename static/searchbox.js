// The search box's first moments: it shows the box (hidden without a
// script, since searching needs one), makes "/" anywhere but in a field
// jump to it, and loads search.js, which does the searching, the first
// time the box gets the focus. search.js is an entry of its own, not an
// import, so the page does not fetch it until then; its address, with
// its content hash, is the form's data-module.

export function setupSearchBox() {
  const form = document.querySelector("form.search[data-module]");
  if (!form) return;
  const input = form.querySelector(".search-input");
  form.hidden = false;
  let loaded = false;
  const load = () => {
    if (loaded) return;
    loaded = true;
    const script = document.createElement("script");
    script.type = "module";
    script.src = form.dataset.module;
    document.head.appendChild(script);
  };
  input.addEventListener("focus", load);
  input.addEventListener("pointerenter", load); // a mouse on its way: start early
  document.addEventListener("keydown", (e) => {
    if (e.key !== "/" || e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented || e.isComposing) return;
    const t = e.target;
    if (t && t.nodeType === 1 && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    input.focus();
    input.select();
  });
}

// markLanding marks, on the page a search result opened, the words that
// were searched for in the part of the page the result named (from its
// heading to the next one, or the demo panel), and scrolls the first mark
// into view. search.js leaves the words in sessionStorage for one landing.
export function markLanding() {
  let hit = null;
  try {
    hit = JSON.parse(sessionStorage.getItem("walkthrough.search.hit") || "null");
    sessionStorage.removeItem("walkthrough.search.hit");
  } catch { return; }
  if (!hit || !Array.isArray(hit.words) || !hit.words.length) return;
  const target = new URL(hit.url, location.href);
  if (target.pathname !== location.pathname) return;
  const id = decodeURIComponent(target.hash.slice(1));
  const start = id ? document.getElementById(id) : document.querySelector("main h1");
  if (!start) return;
  const words = hit.words.map((w) => String(w).toLowerCase()).filter(Boolean);
  const region = start.closest("section.demo") || start;
  const nodes = [];
  // From the heading to the next heading of its level or above; a demo
  // panel is its own region.
  const stopAt = region.matches("h2, h3") ? Number(region.tagName[1]) : 0;
  for (let el = region; el; el = stopAt ? el.nextElementSibling : null) {
    if (el !== region && stopAt && /^H[1-3]$/.test(el.tagName) && Number(el.tagName[1]) <= stopAt) break;
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => (n.parentElement.closest("script, style, textarea, button") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT)
    });
    for (let n = walk.nextNode(); n; n = walk.nextNode()) nodes.push(n);
  }
  let first = null;
  let marks = 0;
  for (const n of nodes) {
    if (marks >= 200) break;
    const text = n.nodeValue;
    const low = text.toLowerCase();
    let i = 0;
    const parts = [];
    for (;;) {
      let at = -1;
      let len = 0;
      for (const w of words) {
        const j = low.indexOf(w, i);
        if (j >= 0 && (at < 0 || j < at)) { at = j; len = w.length; }
      }
      if (at < 0) break;
      parts.push(text.slice(i, at));
      const mark = document.createElement("mark");
      mark.className = "search-hit";
      mark.textContent = text.slice(at, at + len);
      parts.push(mark);
      marks++;
      i = at + len;
    }
    if (!parts.length) continue;
    parts.push(text.slice(i));
    // A match in a hidden source pane (the Python tab) shows that tab.
    n.replaceWith(...parts);
    if (!first) first = parts.find((p) => typeof p !== "string");
  }
  if (first) {
    const pane = first.closest(".source[hidden]");
    if (pane) document.getElementById(pane.getAttribute("aria-labelledby"))?.click();
    first.scrollIntoView({ block: "center" });
  }
}
