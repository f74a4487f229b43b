// Progress kept in this browser (localStorage, so it works offline and
// needs no account): a ✓ beside each finished lesson in the contents and
// on the index, "continue where you left off" on the index, and on a
// lesson page how many of its demos have run and a button to mark it done.
//
// It follows runs only through the events panel.js dispatches on each
// panel ("demo-start", "demo-frame").
//
// One JSON value:
//   {"v":1,
//    "lessons":{"spinner":{"done":true,"ran":["spinner-thread"]}},
//    "last":{"slug":"spinner","anchor":"demo-spinner-thread"}}
// "ran" lists the demos of a lesson that have run to a clean exit; a
// lesson is done when all of them have, or when the learner marks it.

const KEY = "walkthrough.progress";

function emptyProgress() {
  return { v: 1, lessons: {}, last: null };
}

function loadProgress() {
  try {
    const p = JSON.parse(localStorage.getItem(KEY) || "null");
    if (p && p.v === 1 && p.lessons && typeof p.lessons === "object") return p;
  } catch (e) { /* unreadable or disabled storage: start afresh */ }
  return emptyProgress();
}

function saveProgress(p) {
  try {
    localStorage.setItem(KEY, JSON.stringify(p));
  } catch (e) { /* storage full or disabled: progress lasts this page only */ }
}

function lessonEntry(p, slug) {
  let l = p.lessons[slug];
  if (!l || typeof l !== "object") l = p.lessons[slug] = { done: false, ran: [] };
  if (!Array.isArray(l.ran)) l.ran = [];
  return l;
}

function isDone(p, slug) {
  const l = p.lessons[slug];
  return !!(l && l.done);
}

function ranCount(p, slug, demos) {
  const l = p.lessons[slug];
  if (!l || !Array.isArray(l.ran)) return 0;
  return demos.filter((d) => l.ran.indexOf(d) >= 0).length;
}

// ---- drawing ------------------------------------------------------------------
function markDone(el, done) {
  el.classList.toggle("done", done);
  const mark = el.querySelector(".done-mark");
  if (mark) mark.hidden = !done;
}

function lessonTitle(slug) {
  const t = document.querySelector('.toc li[data-slug="' + CSS.escape(slug) + '"] .t');
  const n = document.querySelector('.toc li[data-slug="' + CSS.escape(slug) + '"] .num');
  return t ? "第 " + (n ? n.textContent : "") + " 课 · " + t.textContent : null;
}

// render draws p; lesson is {slug, demos, article} on a lesson page.
function render(p, lesson) {
  document.querySelectorAll(".toc li[data-slug], .lesson-card[data-slug]").forEach((el) => {
    markDone(el, isDone(p, el.dataset.slug));
  });
  renderIndex(p);
  if (lesson) renderLesson(p, lesson);
}

function renderIndex(p) {
  const box = document.querySelector(".index .progress");
  if (!box) return;
  const cards = document.querySelectorAll(".lesson-card[data-slug]");
  let done = 0;
  cards.forEach((c) => { if (isDone(p, c.dataset.slug)) done++; });
  box.querySelector(".progress-bar").value = done;
  box.querySelector(".progress-text").textContent = "已学完 " + done + " / " + cards.length + " 课";

  const resume = box.querySelector(".resume");
  const title = p.last && typeof p.last.slug === "string" ? lessonTitle(p.last.slug) : null;
  if (title) {
    const a = resume.querySelector("a");
    const anchor = typeof p.last.anchor === "string" && p.last.anchor ? "#" + encodeURIComponent(p.last.anchor) : "";
    a.href = "/lessons/" + encodeURIComponent(p.last.slug) + anchor;
    resume.querySelector(".resume-title").textContent = title;
  }
  resume.hidden = !title;
  box.hidden = !title && done === 0;
}

function renderLesson(p, lesson) {
  const box = lesson.article.querySelector(".lesson-progress");
  if (!box) return;
  const done = isDone(p, lesson.slug);
  const n = lesson.demos.length;
  box.querySelector(".demos-run").textContent = n
    ? "本课的演示已运行完 " + ranCount(p, lesson.slug, lesson.demos) + " / " + n + " 个" + (done ? "，本课已学完。" : "。")
    : "";
  box.querySelector(".mark-done").setAttribute("aria-pressed", done ? "true" : "false");
  box.hidden = false;
}

// ---- start ----------------------------------------------------------------------
// setupProgress draws the progress of this browser and, on a lesson page,
// keeps it as demos run.
export function setupProgress() {
  const article = document.querySelector("article.lesson[data-slug]");
  let lesson = null;
  // change reads the stored progress afresh (another tab may have changed
  // it), applies f, stores it and redraws.
  const change = (f) => {
    const p = loadProgress();
    f(p);
    saveProgress(p);
    render(p, lesson);
  };
  if (article) {
    const sections = Array.from(article.querySelectorAll("section.demo[data-demo]"));
    lesson = { article, slug: article.dataset.slug, demos: sections.map((s) => s.dataset.demo) };
    watchLesson(lesson, sections, change);
  } else {
    render(loadProgress(), null);
  }
  // Another tab of the course finished a lesson: show it here too.
  window.addEventListener("storage", (e) => {
    if (e.key === KEY || e.key === null) render(loadProgress(), lesson);
  });
}

function watchLesson(lesson, sections, change) {
  const slug = lesson.slug;
  change((p) => {
    // Coming back to the same lesson keeps the demo last run there.
    const anchor = p.last && p.last.slug === slug ? p.last.anchor : undefined;
    p.last = { slug, anchor };
  });
  // A panel can also run a partner demo (to compare two), so each run id
  // is mapped to the demo it runs, and that demo is the one that counts.
  const runDemo = {};
  sections.forEach((section) => {
    section.addEventListener("demo-start", (e) => {
      const d = e.detail || {};
      if (d.id) runDemo[d.id] = d.runDemo || d.demo || section.dataset.demo;
      change((p) => { p.last = { slug, anchor: section.id }; });
    });
    section.addEventListener("demo-frame", (e) => {
      const msg = e.detail;
      if (!msg || msg.type !== "exit" || !msg.ok) return;
      const ran = runDemo[msg.id] || section.dataset.demo;
      delete runDemo[msg.id];
      change((p) => {
        const l = lessonEntry(p, slug);
        if (l.ran.indexOf(ran) < 0) l.ran.push(ran);
        if (lesson.demos.every((d) => l.ran.indexOf(d) >= 0)) l.done = true;
      });
    });
  });
  const button = lesson.article.querySelector(".mark-done");
  if (button) {
    button.addEventListener("click", () => {
      change((p) => {
        const l = lessonEntry(p, slug);
        l.done = !l.done;
        // Unmarking starts the lesson over: its demos count again.
        if (!l.done) l.ran = [];
      });
    });
  }
  const hint = lesson.article.querySelector(".kbd-hint");
  if (hint) hint.hidden = false;
}
