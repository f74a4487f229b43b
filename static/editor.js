// The editor of a demo's Go source, loaded by panel.js on the first click
// of 编辑 (or when a panel comes back with an edit), so that a page that is
// only read never fetches it.
//
// 编辑 turns the main file's tab into a <textarea> in place, with the same
// font and a gutter of line numbers that scrolls with it (the textarea is
// as tall as its text; the pane scrolls both). Tab inserts a tab; Esc then
// Tab (or Shift+Tab) leaves the field. An edit is kept in this browser
// (localStorage, per demo) and, when small, in the share link as the one
// changed stretch of the file (?DEMO.src=…). While the text differs from
// the original the panel says 已修改 and offers 重置; 运行修改后的代码
// runs the text as it is. A mistake the server finds in it names its line:
// that line is marked in the gutter and the message jumps to it. A run of
// an edit (the server's "started" says edited) ends with 已修改的代码 on its
// console line and status.
//
// The panel only knows how to load this module, to send a run with source
// and to let it add to the share link; the rest follows the panel's DOM
// events, so that the page's eager scripts stay small.

// LINK_MAX is the longest edit, encoded, that a share link carries.
const LINK_MAX = 2048;

export class Editor {
  constructor(panel) {
    this.panel = panel;
    const button = (this.button = panel.editButton);
    this.demo = panel.demo;
    const section = panel.section;
    this.pane = section.querySelector('.source[data-pane="go"]');
    this.pre = this.pane.querySelector("pre");
    this.original = codeText(this.pre);
    this.goTab = section.querySelector('[role="tab"][data-tab="go"]');
    const file = this.goTab.textContent.replace(/^Go · /, "");
    // Not hashed: the stylesheet is revalidated (a 304) on each first use.
    addStyle(new URL("editor.css", import.meta.url).pathname);

    this.box = element("div", "editor");
    this.box.hidden = true;
    this.gutter = element("pre", "editor-gutter");
    this.gutter.setAttribute("aria-hidden", "true");
    this.area = element("textarea", "editor-text");
    this.area.id = this.demo + "-editor";
    this.area.spellcheck = false;
    this.area.setAttribute("wrap", "off");
    this.area.setAttribute("autocomplete", "off");
    this.area.setAttribute("autocapitalize", "off");
    this.area.setAttribute("aria-label", "编辑 " + file + "（Tab 插入制表符；先按 Esc 再按 Tab 离开；Shift+Enter 运行修改后的代码）");
    this.area.value = this.original;
    this.box.append(this.gutter, this.area);
    this.pre.after(this.box);
    this.lines = 0;
    this.errorLine = 0;

    this.mark = element("span", "edit-mark", "已修改");
    this.mark.title = "显示的代码和运行的代码都是你改过的，不是原来的演示";
    this.reset = element("button", "edit-reset", "重置");
    this.reset.type = "button";
    this.reset.title = "丢掉修改，恢复原来的代码";
    button.after(this.mark, this.reset);
    this.runButton = element("button", "run-edited", "▶ 运行修改后的代码");
    this.runButton.type = "button";
    panel.runButton.after(this.runButton);
    // Said beside the share link when the edit is too long to carry.
    this.note = element("span", "edit-note");
    this.note.setAttribute("role", "status");
    if (panel.share) panel.share.after(this.note);

    this.area.addEventListener("keydown", (e) => this.key(e));
    this.area.addEventListener("input", () => this.changed());
    this.reset.addEventListener("click", () => {
      this.area.value = this.original;
      this.changed();
      this.showLine(0);
      this.area.focus();
    });
    this.runButton.addEventListener("click", () => this.run());
    section.addEventListener("demo-start", () => this.showLine(0));
    section.addEventListener("demo-frame", (e) => this.frame(e.detail));
    section.addEventListener("demo-exit", (e) => this.exit(e.detail));
    // 运行修改后的代码 can run exactly when Run can.
    const follow = () => { this.runButton.disabled = panel.runButton.disabled; };
    new MutationObserver(follow).observe(panel.runButton, { attributes: true, attributeFilter: ["disabled"] });
    follow();
    this.edited = new Set(); // ids of the runs of an edit
    this.mistake = null; // the last frame about a line of the edit
    this.update();
  }

  // frame notes what the server says about the panel's runs: which run
  // an edit, and a mistake on a line.
  frame(msg) {
    if (msg.type === "started" && msg.edited) this.edited.add(msg.id);
    if (msg.line) this.mistake = msg;
  }

  // exit marks the end of a run of an edit, after the panel has written
  // it: the console's last line and the status, and a mistake's line.
  exit(d) {
    if (this.edited.delete(d.id)) {
      const line = this.panel.term.pre.lastElementChild;
      if (line) line.textContent += " · 已修改的代码";
      // The panel writes its final status after announcing the exit.
      queueMicrotask(() => { this.panel.status.textContent += " · 已修改的代码"; });
    }
    if (this.mistake && this.mistake.id === d.id) this.showError(this.mistake);
    this.mistake = null;
  }

  // toggle opens the editor, or closes it back to the highlighted source.
  toggle() {
    this.open(this.button.getAttribute("aria-pressed") !== "true");
    if (!this.box.hidden) this.area.focus();
  }

  open(on) {
    this.button.setAttribute("aria-pressed", on ? "true" : "false");
    if (on && this.goTab.getAttribute("aria-selected") !== "true") this.goTab.click();
    this.box.hidden = !on;
    this.pre.hidden = on;
    this.update();
  }

  // restore brings back an edit: the link's (src), else this browser's.
  restore(query) {
    const src = query.get(this.demo + ".src");
    let text = null;
    if (src) {
      text = decodeEdit(this.original, src);
      if (text === null) this.note.textContent = "链接里的修改对应另一版源代码，没有套用。";
    }
    if (text === null) text = stored(this.demo);
    if (!text || text === this.original) return;
    this.area.value = text;
    this.open(true);
    this.changed();
  }

  modified() {
    return this.area.value !== this.original;
  }

  key(e) {
    const plain = !e.ctrlKey && !e.altKey && !e.metaKey;
    if (e.key === "Tab" && plain && !e.shiftKey && !this.escaped) {
      e.preventDefault();
      // insertText keeps the browser's undo; setRangeText where it is gone.
      if (!document.execCommand("insertText", false, "\t")) {
        this.area.setRangeText("\t", this.area.selectionStart, this.area.selectionEnd, "end");
        this.changed();
      }
    } else if (e.key === "Enter" && e.shiftKey) {
      e.preventDefault();
      e.stopPropagation(); // not the panel's Shift+Enter, which runs the original
      this.run();
    }
    // Esc arms the next Tab to leave the field, as it would elsewhere.
    this.escaped = e.key === "Escape";
  }

  // run runs the edit, always as Go, even with the Python switch on.
  run() {
    if (this.runButton.disabled) return;
    this.panel.runtime.set("go");
    this.panel.run(this.area.value);
  }

  // changed follows an edit: the gutter, the marks, the storage, the link.
  changed() {
    this.update();
    try {
      if (this.modified()) localStorage.setItem("walkthrough.edit." + this.demo, this.area.value);
      else localStorage.removeItem("walkthrough.edit." + this.demo);
    } catch (e) { /* storage refused: the edit lives as long as the page */ }
    this.panel.saveState();
  }

  update() {
    const n = this.area.value.split("\n").length;
    if (n !== this.lines) {
      this.lines = n;
      this.area.rows = n;
      this.gutter.textContent = "";
      for (let i = 1; i <= n; i++) this.gutter.append(element("span", i === this.errorLine ? "error" : "", String(i)));
    }
    const edited = this.modified();
    this.mark.hidden = !edited;
    this.reset.hidden = !edited;
    this.runButton.hidden = !edited && this.box.hidden;
    this.panel.section.classList.toggle("edited", edited);
  }

  // share adds the edit to the panel's part of the address, when it is
  // small enough, and says so when it is not.
  share(q) {
    this.note.textContent = "";
    if (!this.modified()) return;
    const src = encodeEdit(this.original, this.area.value);
    if (src) q.set(this.demo + ".src", src);
    else this.note.textContent = "修改太长，链接里不带它（只保存在这个浏览器里）。";
  }

  // showError shows a mistake in the edit: its line marked in the gutter,
  // and the message, which jumps to the line, under the panel.
  showError(msg) {
    this.open(true);
    this.showLine(msg.line);
    const where = "第 " + msg.line + " 行";
    const jump = element("button", "error-line", (msg.error.includes(where) ? "" : where + "：") + msg.error);
    jump.type = "button";
    jump.title = "跳到" + where;
    jump.addEventListener("click", () => this.jump(msg.line));
    this.panel.error.textContent = "";
    this.panel.error.append(jump);
    this.panel.error.hidden = false;
  }

  // showLine marks line n in the gutter (0: none).
  showLine(n) {
    this.errorLine = n;
    Array.from(this.gutter.children).forEach((s, i) => s.classList.toggle("error", i + 1 === n));
  }

  // jump puts the caret on line n, selected, and brings it into view.
  jump(n) {
    this.open(true);
    const lines = this.area.value.split("\n");
    const line = Math.min(Math.max(n, 1), lines.length);
    let start = 0;
    for (let i = 0; i < line - 1; i++) start += lines[i].length + 1;
    this.area.focus({ preventScroll: true });
    this.area.setSelectionRange(start, start + lines[line - 1].length);
    const mark = this.gutter.children[line - 1];
    if (mark) mark.scrollIntoView({ block: "center" });
  }
}

// stored is the edit of demo kept in this browser, or null.
function stored(demo) {
  try {
    return localStorage.getItem("walkthrough.edit." + demo);
  } catch (e) {
    return null; // storage refused
  }
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text) el.textContent = text;
  return el;
}

// addStyle links the editor's stylesheet once (style-src 'self' allows a
// <link>; the page never sets a style attribute).
function addStyle(href) {
  if (!href || document.querySelector('link[href="' + CSS.escape(href) + '"]')) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.appendChild(link);
}

// codeText is the highlighted file as written: no line numbers, no fold
// buttons (core.js), no final newline.
function codeText(pre) {
  const copy = pre.cloneNode(true);
  copy.querySelectorAll(".ln, button.fold").forEach((n) => n.remove());
  return copy.textContent.replace(/\n$/, "");
}

// An edit in a link is the one stretch that changed: "N.P.S.TEXT" says
// that the original is N characters long, that its first P and last S
// stay, and that TEXT (base64url of UTF-8) replaces what is between. A
// typical edit is a few bytes however long the file; N catches a link
// made against another version of the file.
export function encodeEdit(original, text) {
  let p = 0;
  const most = Math.min(original.length, text.length);
  while (p < most && original[p] === text[p]) p++;
  let s = 0;
  while (s < most - p && original[original.length - 1 - s] === text[text.length - 1 - s]) s++;
  // Never cut a character that takes two UTF-16 units.
  if (p > 0 && isHigh(text.charCodeAt(p - 1))) p--;
  if (s > 0 && isHigh(text.charCodeAt(text.length - s - 1))) s--;
  const middle = text.slice(p, text.length - s);
  if (middle.length > LINK_MAX) return "";
  const src = original.length + "." + p + "." + s + "." + base64url(middle);
  return src.length > LINK_MAX ? "" : src;
}

// decodeEdit applies a link's edit to original; null when it does not fit.
export function decodeEdit(original, src) {
  const m = /^(\d+)\.(\d+)\.(\d+)\.([A-Za-z0-9_-]*)$/.exec(src);
  if (!m) return null;
  const [n, p, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (n !== original.length || p + s > n) return null;
  try {
    return original.slice(0, p) + unbase64url(m[4]) + original.slice(n - s);
  } catch (e) {
    return null;
  }
}

function isHigh(c) {
  return c >= 0xd800 && c <= 0xdbff;
}

function base64url(text) {
  let bin = "";
  new TextEncoder().encode(text).forEach((b) => { bin += String.fromCharCode(b); });
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unbase64url(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}
