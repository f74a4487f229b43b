// The search box in the header: every lesson's sections, searched in the
// browser. This module is not part of the page's scripts: course.js
// (searchbox.js) loads it, and it loads the index (web/search.go, one JSON
// asset), the first time the learner reaches for the box, so a page view
// that does not search downloads neither. A query matches a section when
// each of its words (split at spaces) appears in the section's heading or
// text, ignoring case, or in the lesson's title: a plain substring test,
// which suits Chinese, written without spaces ("信号量" inside
// "用信号量限制"), and identifiers such as run_in_executor alike.
//
// Keys, as the WAI-ARIA combobox pattern has them: ↓/↑ move through the
// results; Enter opens the one chosen (the first if none); Esc closes the
// list, and a second Esc leaves the box. ("/" is searchbox.js's.)

const MAX_RESULTS = 12; // shown at first; "more" shows up to ALL_RESULTS
const ALL_RESULTS = 60;
const BEFORE = 24; // characters of context before the match
const AFTER = 56; // and after it

function setupSearch(form) {
  const input = form.querySelector(".search-input");
  const panel = form.querySelector(".search-panel");
  const status = form.querySelector(".search-status");
  const list = form.querySelector(".search-results");

  let loading = null; // the index, once asked for
  let results = [];
  let total = 0; // results found, of which results are shown
  let active = -1;
  let all = false; // the learner asked for more

  const load = () => {
    if (!loading) {
      loading = fetch(form.dataset.index)
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status))))
        .then(prepare)
        .catch((e) => {
          loading = null; // try again on the next keystroke
          throw e;
        });
    }
    return loading;
  };

  const open = (on) => {
    panel.hidden = !on;
    input.setAttribute("aria-expanded", on && results.length ? "true" : "false");
  };

  const choose = (i) => {
    active = i;
    list.querySelectorAll('[role="option"]').forEach((li, j) => {
      li.setAttribute("aria-selected", j === i ? "true" : "false");
      if (j === i) li.scrollIntoView({ block: "nearest" });
    });
    if (i >= 0) input.setAttribute("aria-activedescendant", "search-option-" + i);
    else input.removeAttribute("aria-activedescendant");
  };

  const go = (i) => {
    const r = results[i];
    if (!r) return;
    if (r.more) {
      all = true;
      update();
      return;
    }
    open(false);
    input.blur();
    // The page it lands on marks the words (searchbox.js).
    try {
      sessionStorage.setItem("walkthrough.search.hit", JSON.stringify({ url: r.url, words: r.words }));
    } catch { /* storage refused: no marks */ }
    location.assign(r.url);
  };

  const update = () => {
    const query = input.value;
    if (!query.trim()) {
      results = [];
      list.replaceChildren();
      status.textContent = "";
      choose(-1);
      open(false);
      return;
    }
    load().then((index) => {
      if (input.value !== query) return; // a newer keystroke is on its way
      const found = search(index, query);
      total = found.length;
      const shown = all ? ALL_RESULTS : MAX_RESULTS;
      results = found.slice(0, shown);
      if (found.length > shown && !all) results.push({ more: true, count: Math.min(found.length, ALL_RESULTS) - shown });
      render(list, results);
      status.textContent = total ? "找到 " + total + " 处" + (total > results.filter((r) => !r.more).length ? "，列出前 " + results.filter((r) => !r.more).length + " 处" : "") : "没有找到“" + query.trim() + "”";
      choose(!results.length ? -1 : all && active >= 0 && active < results.length ? active : 0);
      open(true);
    }, () => {
      results = [];
      list.replaceChildren();
      status.textContent = "搜索索引没能加载，请稍后再试。";
      open(true);
    });
  };

  input.addEventListener("focus", () => {
    load().catch(() => {});
    if (input.value.trim() && results.length) open(true);
  });
  // What the learner did while this module was on its way.
  if (document.activeElement === input) load().catch(() => {});
  if (input.value.trim()) update();
  input.addEventListener("input", () => {
    all = false;
    update();
  });
  input.addEventListener("keydown", (e) => {
    if (e.isComposing) return; // an input method is still composing
    switch (e.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!results.length) return;
        e.preventDefault();
        if (panel.hidden) open(true);
        choose((active + (e.key === "ArrowDown" ? 1 : -1) + results.length) % results.length);
        break;
      case "Enter":
        e.preventDefault();
        go(active >= 0 ? active : 0);
        break;
      case "Escape":
        e.preventDefault();
        if (!panel.hidden) open(false);
        else input.blur();
        break;
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    go(active >= 0 ? active : 0);
  });
  list.addEventListener("search-more", () => {
    all = true;
    update();
    input.focus();
  });
  list.addEventListener("mousemove", (e) => {
    const li = e.target.closest('[role="option"]');
    if (li) choose(Number(li.dataset.index));
  });
  // Clicking elsewhere closes the list; the focus leaving the form too.
  document.addEventListener("pointerdown", (e) => {
    if (!form.contains(e.target)) open(false);
  });
  form.addEventListener("focusout", (e) => {
    if (!form.contains(e.relatedTarget)) open(false);
  });
}

// norm is what matching compares: full-width letters and digits made
// plain (NFKC) and lower case.
function norm(s) {
  return s.normalize("NFKC").toLowerCase();
}

// prepare keeps beside each text its lower-case form. Lower-casing keeps
// the length of the course's text (Chinese, ASCII), so a match found in
// the lower-case form is at the same place in the original.
function prepare(pages) {
  return pages.map((p, order) => ({
    url: p.u,
    label: p.l,
    title: p.t,
    lowTitle: p.t.toLowerCase(),
    order,
    sections: (p.s || []).map((s, n) => ({
      id: s.i,
      heading: s.h,
      text: s.x,
      lowHeading: s.h.toLowerCase(),
      lowText: s.x.toLowerCase(),
      code: !!s.c,
      n
    }))
  }));
}

function count(hay, word) {
  let n = 0;
  for (let i = hay.indexOf(word); i >= 0 && n < 5; i = hay.indexOf(word, i + word.length)) n++;
  return n;
}

// search returns the best sections for query. A word in a heading counts
// most, then each time it appears in the text; a word in the lesson's
// title adds to any section of that lesson that matches, and on its own
// brings up only the lesson's first section (or every section of the
// lesson would come up).
function search(index, query) {
  const words = norm(query).split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const found = [];
  for (const page of index) {
    page.sections.forEach((s, i) => {
      let score = 0;
      const every = words.every((w) => {
        const inHeading = s.lowHeading.includes(w);
        const times = count(s.lowText, w);
        const inTitle = page.lowTitle.includes(w);
        score += (inHeading ? 10 : 0) + times + (inTitle ? 6 : 0);
        return inHeading || times > 0 || (inTitle && i === 0);
      });
      if (every) found.push({ page, section: s, score, words });
    });
  }
  found.sort((a, b) => b.score - a.score || a.page.order - b.page.order || a.section.n - b.section.n);
  return found.slice(0, ALL_RESULTS + 1).map((f) => ({
    url: f.page.url + (f.section.id ? "#" + encodeURIComponent(f.section.id) : ""),
    where: f.page.label + " · " + f.page.title,
    heading: f.section.heading || f.page.title,
    snippet: snippet(f.section, f.words),
    words: f.words
  }));
}

// snippet is the text around the first match in the text, or the text's
// start when only the heading or the title matched; in code, the line of
// the match, whole (up to its length), which reads better than a window.
function snippet(s, words) {
  let at = -1;
  for (const w of words) {
    const i = s.lowText.indexOf(w);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  if (at < 0) at = 0;
  if (s.code) {
    const from = s.text.lastIndexOf("\n", at) + 1;
    let to = s.text.indexOf("\n", at);
    if (to < 0) to = s.text.length;
    const n = s.text.slice(0, from).split("\n").length;
    // A long line: a window on the match, as for prose.
    let a = from;
    while (a < at && /\s/.test(s.text[a])) a++;
    if (to - a <= BEFORE + AFTER) return "第 " + n + " 行：" + s.text.slice(a, to).trimEnd();
    const wa = Math.max(a, at - BEFORE);
    const wb = Math.min(to, wa + BEFORE + AFTER);
    return "第 " + n + " 行：" + (wa > a ? "…" : "") + s.text.slice(wa, wb) + (wb < to ? "…" : "");
  }
  const from = Math.max(0, at - BEFORE);
  const to = Math.min(s.text.length, at + BEFORE + AFTER);
  return (from > 0 ? "…" : "") + s.text.slice(from, to) + (to < s.text.length ? "…" : "");
}

// marked appends text to el with every match of words in a <mark>.
function marked(el, text, words) {
  const low = text.toLowerCase();
  let i = 0;
  while (i < text.length) {
    let at = -1;
    let len = 0;
    for (const w of words) {
      const j = low.indexOf(w, i);
      if (j >= 0 && (at < 0 || j < at || (j === at && w.length > len))) {
        at = j;
        len = w.length;
      }
    }
    if (at < 0) break;
    el.append(text.slice(i, at));
    const mark = document.createElement("mark");
    mark.textContent = text.slice(at, at + len);
    el.append(mark);
    i = at + len;
  }
  el.append(text.slice(i));
  return el;
}

function part(cls, text, words) {
  const span = document.createElement("span");
  span.className = cls;
  return marked(span, text, words);
}

function render(list, results) {
  list.replaceChildren(...results.map((r, i) => {
    const li = document.createElement("li");
    li.id = "search-option-" + i;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.index = String(i);
    if (r.more) {
      // A button, focusable by the pointer only (like the results' links),
      // so that a click keeps the list open: the focus stays in the form.
      li.className = "search-more";
      const b = document.createElement("button");
      b.type = "button";
      b.tabIndex = -1;
      b.textContent = "还有 " + r.count + " 处 · 显示更多";
      b.addEventListener("click", () => li.dispatchEvent(new CustomEvent("search-more", { bubbles: true })));
      li.append(b);
      return li;
    }
    const a = document.createElement("a");
    a.href = r.url;
    a.tabIndex = -1; // the box keeps the focus; ↑/↓ choose
    a.append(part("search-where", r.where, r.words), part("search-heading", r.heading, r.words), part("search-snippet", r.snippet, r.words));
    li.append(a);
    return li;
  }));
}

// This module runs once, when searchbox.js adds it to the page.
const form = document.querySelector("form.search[data-index]");
if (form) setupSearch(form);
