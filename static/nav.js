// The course experience around the demos: progress kept in this browser
// (localStorage, so it works offline and needs no account), "continue where
// you left off" on the index, ←/→ between lessons, Shift+Enter and Esc for
// the demo in view, copy buttons on code, links to headings and the table
// of contents on phones.
//
// It follows runs only through the events course.js dispatches on each
// panel ("demo-start", "demo-frame", "demo-exit") and acts on a panel only
// by pressing its own buttons, so the two scripts stay independent.
(function () {
  "use strict";

  // ---- progress -------------------------------------------------------
  // One JSON value:
  //   {"v":1,
  //    "lessons":{"spinner":{"done":true,"ran":["spinner-thread"]}},
  //    "last":{"slug":"spinner","anchor":"demo-spinner-thread"}}
  // "ran" lists the demos of a lesson that have run to a clean exit; a
  // lesson is done when all of them have, or when the learner marks it.
  var KEY = "walkthrough.progress";

  function emptyProgress() {
    return { v: 1, lessons: {}, last: null };
  }

  function loadProgress() {
    try {
      var p = JSON.parse(localStorage.getItem(KEY) || "null");
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
    var l = p.lessons[slug];
    if (!l || typeof l !== "object") l = p.lessons[slug] = { done: false, ran: [] };
    if (!Array.isArray(l.ran)) l.ran = [];
    return l;
  }

  function isDone(p, slug) {
    var l = p.lessons[slug];
    return !!(l && l.done);
  }

  function ranCount(p, slug, demos) {
    var l = p.lessons[slug];
    if (!l || !Array.isArray(l.ran)) return 0;
    return demos.filter(function (d) { return l.ran.indexOf(d) >= 0; }).length;
  }

  // change reads the stored progress afresh (another tab may have changed
  // it), applies f, stores it and redraws.
  function change(f) {
    var p = loadProgress();
    f(p);
    saveProgress(p);
    render(p);
  }

  // ---- drawing progress ------------------------------------------------
  var lesson = null; // {slug, demos, article} on a lesson page

  function markDone(el, done) {
    el.classList.toggle("done", done);
    var mark = el.querySelector(".done-mark");
    if (mark) mark.hidden = !done;
  }

  function lessonTitle(slug) {
    var t = document.querySelector('.toc li[data-slug="' + CSS.escape(slug) + '"] .t');
    var n = document.querySelector('.toc li[data-slug="' + CSS.escape(slug) + '"] .num');
    return t ? "第 " + (n ? n.textContent : "") + " 课 · " + t.textContent : null;
  }

  function render(p) {
    document.querySelectorAll(".toc li[data-slug], .lesson-card[data-slug]").forEach(function (el) {
      markDone(el, isDone(p, el.dataset.slug));
    });
    renderIndex(p);
    renderLesson(p);
  }

  function renderIndex(p) {
    var box = document.querySelector(".index .progress");
    if (!box) return;
    var cards = document.querySelectorAll(".lesson-card[data-slug]");
    var done = 0;
    cards.forEach(function (c) { if (isDone(p, c.dataset.slug)) done++; });
    box.querySelector(".progress-bar").value = done;
    box.querySelector(".progress-text").textContent = "已学完 " + done + " / " + cards.length + " 课";

    var resume = box.querySelector(".resume");
    var title = p.last && typeof p.last.slug === "string" ? lessonTitle(p.last.slug) : null;
    if (title) {
      var a = resume.querySelector("a");
      var anchor = typeof p.last.anchor === "string" && p.last.anchor ? "#" + encodeURIComponent(p.last.anchor) : "";
      a.href = "/lessons/" + encodeURIComponent(p.last.slug) + anchor;
      resume.querySelector(".resume-title").textContent = title;
    }
    resume.hidden = !title;
    box.hidden = !title && done === 0;
  }

  function renderLesson(p) {
    if (!lesson) return;
    var box = lesson.article.querySelector(".lesson-progress");
    if (!box) return;
    var done = isDone(p, lesson.slug);
    var n = lesson.demos.length;
    box.querySelector(".demos-run").textContent = n
      ? "本课的演示已运行完 " + ranCount(p, lesson.slug, lesson.demos) + " / " + n + " 个" + (done ? "，本课已学完。" : "。")
      : "";
    box.querySelector(".mark-done").setAttribute("aria-pressed", done ? "true" : "false");
    box.hidden = false;
  }

  // ---- a lesson page ----------------------------------------------------
  function setupLesson(article) {
    var sections = Array.prototype.slice.call(article.querySelectorAll("section.demo[data-demo]"));
    lesson = {
      article: article,
      slug: article.dataset.slug,
      demos: sections.map(function (s) { return s.dataset.demo; })
    };
    var slug = lesson.slug;
    change(function (p) {
      // Coming back to the same lesson keeps the demo last run there.
      var anchor = p.last && p.last.slug === slug ? p.last.anchor : undefined;
      p.last = { slug: slug, anchor: anchor };
    });
    // A panel can also run a partner demo (to compare two), so each run id
    // is mapped to the demo it runs, and that demo is the one that counts.
    var runDemo = {};
    sections.forEach(function (section) {
      section.addEventListener("demo-start", function (e) {
        var d = e.detail || {};
        if (d.id) runDemo[d.id] = d.runDemo || d.demo || section.dataset.demo;
        lastStarted = section;
        change(function (p) { p.last = { slug: slug, anchor: section.id }; });
      });
      section.addEventListener("demo-frame", function (e) {
        var msg = e.detail;
        if (!msg || msg.type !== "exit" || !msg.ok) return;
        var ran = runDemo[msg.id] || section.dataset.demo;
        delete runDemo[msg.id];
        change(function (p) {
          var l = lessonEntry(p, slug);
          if (l.ran.indexOf(ran) < 0) l.ran.push(ran);
          if (lesson.demos.every(function (d) { return l.ran.indexOf(d) >= 0; })) l.done = true;
        });
      });
    });
    var button = article.querySelector(".mark-done");
    if (button) {
      button.addEventListener("click", function () {
        change(function (p) {
          var l = lessonEntry(p, slug);
          l.done = !l.done;
          // Unmarking starts the lesson over: its demos count again.
          if (!l.done) l.ran = [];
        });
      });
    }
    var hint = article.querySelector(".kbd-hint");
    if (hint) hint.hidden = false;
  }

  // ---- keyboard -------------------------------------------------------
  var lastStarted = null;

  function isTyping(el) {
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // A code block or table that scrolls sideways keeps ←/→ for itself.
  function scrollsSideways(el) {
    for (; el && el !== document.body && el.nodeType === 1; el = el.parentElement) {
      if (el.scrollWidth > el.clientWidth + 1) {
        var ox = getComputedStyle(el).overflowX;
        if (ox === "auto" || ox === "scroll") return true;
      }
    }
    return false;
  }

  // visibleHeight is how much of el shows between the sticky header and the
  // bottom of the window.
  function visibleHeight(el) {
    var head = document.querySelector(".site-head");
    var top = head ? head.getBoundingClientRect().bottom : 0;
    var r = el.getBoundingClientRect();
    return Math.min(r.bottom, window.innerHeight) - Math.max(r.top, top);
  }

  // panelInView is the demo the learner is looking at: the one that takes
  // most of the window.
  function panelInView(filter) {
    var best = null, bestHeight = 0;
    document.querySelectorAll("section.demo[data-demo]").forEach(function (s) {
      if (filter && !filter(s)) return;
      var h = visibleHeight(s);
      if (h > bestHeight) { best = s; bestHeight = h; }
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

  function onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
    var t = e.target && e.target.nodeType === 1 ? e.target : document.body;

    if (e.key === "Escape" && document.body.classList.contains("toc-open")) {
      e.preventDefault();
      setToc(false);
      var toggle = document.querySelector(".toc-toggle");
      if (toggle) toggle.focus();
      return;
    }
    if (isTyping(t)) return;

    if ((e.key === "ArrowLeft" || e.key === "ArrowRight") && !e.shiftKey) {
      if (t.closest('[role="tablist"]') || scrollsSideways(t)) return;
      var link = document.querySelector(e.key === "ArrowLeft" ? '.pager a[rel="prev"]' : '.pager a[rel="next"]');
      if (link) {
        e.preventDefault();
        location.assign(link.href);
      }
      return;
    }

    // Inside a panel, course.js answers Shift+Enter and Esc itself. Outside
    // one, they act on the panel in view; on a link or button Enter keeps
    // its own meaning.
    if (t.closest("section.demo")) return;
    if (e.key === "Enter" && e.shiftKey) {
      if (t.closest("a, button, summary")) return;
      var panel = panelInView();
      if (panel && press(panel.querySelector("button.run"))) e.preventDefault();
    } else if (e.key === "Escape") {
      var running = function (s) { return s.classList.contains("running"); };
      var target = panelInView(running) || (lastStarted && running(lastStarted) ? lastStarted : null);
      if (target && press(target.querySelector("button.stop"))) e.preventDefault();
    }
  }

  // ---- table of contents on phones -------------------------------------
  // The toggle's open state is the class toc-open on <body> plus
  // aria-expanded on the button. Opening it puts the focus on the current
  // lesson; Esc (in onKey) closes it and gives the focus back.
  function setToc(open) {
    document.body.classList.toggle("toc-open", open);
    var button = document.querySelector(".toc-toggle");
    if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function setupToc() {
    var toc = document.getElementById("toc");
    var button = document.querySelector(".toc-toggle");
    if (!toc || !button) return;
    button.addEventListener("click", function () {
      var open = !document.body.classList.contains("toc-open");
      setToc(open);
      if (open) {
        var current = toc.querySelector('a[aria-current="page"]') || toc.querySelector("a");
        if (current) current.focus();
      }
    });
    // Following a link in the open list closes it (a link to this same page
    // would otherwise leave it covering the lesson).
    toc.addEventListener("click", function (e) {
      if (e.target.closest("a")) setToc(false);
    });
    // In the sidebar, bring the current lesson into view.
    var here = toc.querySelector('a[aria-current="page"]');
    if (here && toc.scrollHeight > toc.clientHeight) {
      toc.scrollTop = Math.max(0, here.offsetTop - toc.clientHeight / 2);
    }
  }

  // ---- code blocks and headings ------------------------------------------
  var announcer = null;

  function announce(text) {
    if (!announcer) {
      announcer = document.createElement("p");
      announcer.className = "sr-only";
      announcer.setAttribute("aria-live", "polite");
      document.body.appendChild(announcer);
    }
    announcer.textContent = "";
    // A fresh text node makes screen readers speak a repeated message too.
    setTimeout(function () { announcer.textContent = text; }, 50);
  }

  // codeText is the code as written, without the line numbers.
  function codeText(el) {
    var copy = el.cloneNode(true);
    copy.querySelectorAll(".ln").forEach(function (n) { n.remove(); });
    return copy.textContent.replace(/\n$/, "");
  }

  // writeClipboard uses the clipboard API where the page may (https or
  // localhost), and the older copy command elsewhere, such as a course
  // served on a LAN address over http.
  function writeClipboard(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return legacyCopy(text);
  }

  function legacyCopy(text) {
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.className = "clip-buffer";
      area.value = text;
      area.setAttribute("readonly", "");
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      if (ok) resolve(); else reject(new Error("copy refused"));
    });
  }

  function addCopyButton(wrap, source) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "复制";
    button.setAttribute("aria-label", "复制代码");
    var timer = 0;
    button.addEventListener("click", function () {
      var el = source();
      if (!el) return;
      var done = function (ok) {
        button.textContent = ok ? "已复制" : "复制失败";
        button.dataset.state = ok ? "ok" : "error";
        announce(ok ? "代码已复制" : "没能复制，请手动选中代码复制");
        clearTimeout(timer);
        timer = setTimeout(function () {
          button.textContent = "复制";
          delete button.dataset.state;
        }, 2000);
      };
      writeClipboard(codeText(el)).then(function () { done(true); }, function () { done(false); });
    });
    wrap.appendChild(button);
  }

  function wrapIn(nodes, className) {
    var wrap = document.createElement("div");
    wrap.className = className;
    nodes[0].parentNode.insertBefore(wrap, nodes[0]);
    nodes.forEach(function (n) { wrap.appendChild(n); });
    return wrap;
  }

  function setupCode() {
    document.querySelectorAll(".prose pre").forEach(function (pre) {
      var wrap = wrapIn([pre], "code-block");
      addCopyButton(wrap, function () { return pre; });
    });
    // A demo's source tabs share one button, which copies the tab shown.
    document.querySelectorAll("section.demo").forEach(function (section) {
      var panes = Array.prototype.slice.call(section.querySelectorAll(":scope > .source"));
      if (!panes.length) return;
      var wrap = wrapIn(panes, "code-block source-block");
      addCopyButton(wrap, function () {
        return panes.filter(function (p) { return !p.hidden; })[0] || panes[0];
      });
    });
  }

  // Each heading with an id gets a "#" link to itself, for sharing a deep
  // link (the ids keep their Chinese text).
  function setupAnchors() {
    document.querySelectorAll(".prose h2[id], .prose h3[id]").forEach(function (h) {
      addAnchor(h, h.id);
    });
    // A panel's title names the panel (aria-labelledby), so its link goes
    // beside the title rather than into it.
    document.querySelectorAll("section.demo[id] .demo-head h2").forEach(function (h) {
      var a = anchor(h.closest("section.demo").id);
      h.parentNode.insertBefore(a, h.nextSibling);
    });
  }

  function addAnchor(heading, id) {
    heading.appendChild(anchor(id));
  }

  function anchor(id) {
    var a = document.createElement("a");
    a.className = "anchor";
    a.href = "#" + encodeURIComponent(id);
    a.textContent = "#";
    a.setAttribute("aria-label", "本节链接");
    return a;
  }

  // ---- start --------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", function () {
    setupToc();
    setupCode();
    setupAnchors();
    var article = document.querySelector("article.lesson[data-slug]");
    if (article) setupLesson(article);
    else render(loadProgress());
    document.addEventListener("keydown", onKey);
    // Another tab of the course finished a lesson: show it here too.
    window.addEventListener("storage", function (e) {
      if (e.key === KEY || e.key === null) render(loadProgress());
    });
  });
})();
