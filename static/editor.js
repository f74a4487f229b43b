// The editor of a demo's Go source, loaded by panel.js on the first click
// of 编辑 (or when a panel comes back with an edit), so that a page that is
// only read never fetches it.
//
// 编辑 turns the main file's tab into a <textarea> in place, with the same
// font and a gutter of line numbers that scrolls with it (the textarea is
// as tall as its text; the pane scrolls both), where the highlighted code
// was: the page does not move. Tab inserts a tab; Esc then Tab (or
// Shift+Tab) leaves the field. An edit is kept in this browser
// (localStorage, per demo) and, when small, in the share link as the one
// changed stretch of the file (?DEMO.src=…).
//
// Edited means edited: while the text differs from the original, the panel
// says 已修改 and offers 重置, the panel's own ▶ 运行 reads 运行修改后的代码
// and runs the text as shown (so do compare and run ×N), and 运行原始代码
// is the second choice. Each run's console begins with the code it ran.
// 检测数据竞争 builds the run with the race detector, where the server can
// (/api/demos says so, and says why not).
//
// What the server says about an edited run goes to the console: compile
// errors as a list, the first in full and 还有 N 处 behind a click, each a
// link to its line; a race report set off as a block; file.go:NN in the
// output a link too. A link opens the editor on that line and marks it in
// the gutter.
//
// The panel asks this module what a run sends (code) and, for a run the
// server builds, how it ended (ending: the console's last line and the
// status), and calls run and toggle; the rest follows the panel's DOM
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
    this.file = this.goTab.textContent.replace(/^Go · /, "");
    // Not hashed: the stylesheet is revalidated (a 304) on each first use.
    // The editor opens once it applies, so that nothing jumps.
    this.styled = addStyle(new URL("editor.css", import.meta.url).pathname);

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
    this.area.setAttribute("aria-label", "编辑 " + this.file + "（Tab 插入制表符；先按 Esc 再按 Tab 离开；Shift+Enter 运行修改后的代码）");
    this.area.value = this.original;
    this.box.append(this.gutter, this.area);
    this.pre.after(this.box);
    this.lines = 0;
    this.marked = []; // the lines marked in the gutter

    this.mark = element("span", "edit-mark", "已修改");
    this.mark.title = "显示的代码是你改过的，▶ 运行 运行的也是它";
    this.reset = element("button", "edit-reset", "重置");
    this.reset.type = "button";
    this.reset.title = "丢掉修改，恢复原来的代码";
    // 检测数据竞争: unavailable until the server says it can.
    this.race = element("input", "race-check");
    this.race.type = "checkbox";
    this.race.id = this.demo + "-race";
    this.race.disabled = true;
    this.raceLabel = element("label", "race-option");
    this.raceLabel.htmlFor = this.race.id;
    this.raceLabel.append(this.race, document.createTextNode("检测数据竞争"));
    this.setRace(false, "正在询问服务器能否检测数据竞争…");
    button.after(this.raceLabel, this.mark, this.reset);
    // The course's word about edits on this machine (no sandbox), if any.
    this.caution = element("p", "edit-caution");
    this.caution.hidden = true;
    section.querySelector(".source-bar").after(this.caution);

    this.primary = panel.runButton.textContent; // ▶ 运行, while unedited
    this.runOriginal = element("button", "run-original", "运行原始代码");
    this.runOriginal.type = "button";
    this.runOriginal.title = "不带修改，运行演示原来的代码";
    panel.runButton.after(this.runOriginal);
    // Said beside the share link when the edit is too long to carry.
    this.note = element("span", "edit-note");
    this.note.setAttribute("role", "status");
    if (panel.share) panel.share.after(this.note);

    this.area.addEventListener("keydown", (e) => this.key(e));
    this.area.addEventListener("input", () => this.changed());
    this.reset.addEventListener("click", () => {
      this.area.value = this.original;
      this.changed();
      this.showLines([]);
      this.area.focus();
    });
    this.runOriginal.addEventListener("click", () => panel.run(true));
    // The runtime decides what ▶ 运行 runs: Python runs the Python file.
    section.querySelector(".runtime")?.addEventListener("click", () => this.update());
    section.addEventListener("demo-start", (e) => this.started(e.detail));
    section.addEventListener("demo-frame", (e) => this.frame(e.detail));
    section.addEventListener("demo-exit", (e) => this.exit(e.detail));
    // 运行原始代码 can run exactly when Run can.
    const follow = () => { this.runOriginal.disabled = panel.runButton.disabled; };
    new MutationObserver(follow).observe(panel.runButton, { attributes: true, attributeFilter: ["disabled"] });
    follow();
    this.built = new Map(); // this panel's runs the server builds: id → code
    this.building = new Set(); // those of them whose program has not spoken
    this.update();
    demoEntry(this.demo).then((d) => this.offer(d));
  }

  // offer applies what /api/demos says of this demo: the race detector
  // and the course's note about edits.
  offer(d) {
    const race = d && d.race;
    if (race && race.available) this.setRace(true, "用 -race 构建并运行，报告数据竞争");
    else this.setRace(false, (race && race.reason) || "这台服务器不能检测数据竞争");
    const note = d && typeof d.edit_note === "string" ? d.edit_note.trim() : "";
    this.caution.textContent = note;
    this.caution.hidden = !note;
  }

  setRace(on, why) {
    this.race.disabled = !on;
    if (!on) this.race.checked = false;
    this.raceLabel.title = why;
    this.raceLabel.classList.toggle("unavailable", !on);
  }

  // code is what a run of this demo in runtime sends besides its values
  // (panel.js): the edit (unless original), the race detector when
  // ticked; the line its console begins with; what its status adds; and
  // this editor, which words a run the server builds (ending). An unedited
  // panel runs as it always did.
  code(runtime, original) {
    if (runtime !== "go") return {};
    const edited = this.modified() && !original;
    const race = this.race.checked && !this.race.disabled;
    if (!this.modified() && !race) return {};
    const heading = "— " + (edited ? "运行修改后的代码" : "运行原始代码") + (race ? " · 检测数据竞争" : "") + " —";
    if (!edited && !race) return { heading };
    return {
      source: edited ? this.area.value : this.original, race: race || undefined, heading,
      mark: edited ? " · 已修改的代码" : "", editor: this
    };
  }

  // started begins the run's console with the code it runs.
  started(d) {
    const code = d.code || {};
    if (code.source) {
      this.built.set(d.id, code);
      this.building.add(d.id);
    }
    if (d.role === "a") this.showLines([]);
    const term = d.role === "b" ? this.panel.termB : this.panel.term;
    if (code.heading && term) term.pre.insertBefore(element("span", "heading", code.heading + "\n"), term.text);
  }

  // frame ends 编译中… (panel.js says it from "started") at the first
  // sign of the built program.
  frame(msg) {
    if ((msg.type !== "output" && msg.type !== "event") || !this.building.delete(msg.id)) return;
    if (this.panel.mode === "single") this.panel.setStatus("运行中" + this.built.get(msg.id).mark, "running");
  }

  // exit makes the shown file's lines named in the console's output links
  // (file.go:NN) and sets a race report off, once a built run is over.
  exit(d) {
    this.building.delete(d.id);
    if (!this.built.delete(d.id) || d.runDemo !== this.demo) return;
    const term = d.role === "b" ? this.panel.termB : this.panel.term;
    if (term && term.text && term.text.parentNode === term.pre) this.linkOutput(term);
  }

  // ending writes how a run the server built ended (panel.js asks, for
  // its exit or error) and returns its status and kind; "" leaves an
  // error the editor has nothing to add to (busy, ...) to the panel.
  ending(msg, run) {
    const term = run.term, mark = run.code.mark || "", took = tookText(msg);
    const code = msg.code;
    if (msg.type === "exit" && msg.ok) {
      term.finish("ok", "✓ 完成" + took + mark);
      return ["完成" + took + mark, "ok"];
    }
    if (msg.type === "exit" && code === "stopped") {
      term.finish("stopped", "■ 已停止" + took + mark);
      return ["已停止" + mark, "stopped"];
    }
    if (msg.type === "exit" && code === "timeout") {
      term.finish("error", "✗ 超时：运行时间超过上限" + mark);
      return ["超时" + mark, "error"];
    }
    const said = this.failure(msg, run);
    if (said) return [said, "error"];
    if (msg.type !== "exit") return "";
    term.finish("error", "✗ 错误: " + msg.error + mark);
    return ["出错" + mark, "error"];
  }

  linkOutput(term) {
    const parts = outputParts(term.text.data, this.file);
    if (parts.length === 1 && typeof parts[0] === "string") return;
    const frag = document.createDocumentFragment();
    const put = (parent, p) => {
      if (typeof p === "string") parent.append(p);
      else if (p.race) {
        const block = element("span", "race-report");
        block.setAttribute("role", "group");
        block.setAttribute("aria-label", "数据竞争报告");
        p.race.forEach((q) => put(block, q));
        parent.append(block);
      } else parent.append(this.lineLink(p.text, p.line, "source-ref"));
    };
    parts.forEach((p) => put(frag, p));
    term.text.replaceWith(frag);
  }

  // failure writes a failed run of built code to the console, when
  // there is more to it than a message (compile errors, a race, a line),
  // and returns the status line; "" when there is not.
  failure(msg, run) {
    const f = explain(msg, this.file);
    if (!f) return "";
    // No round of run ×N would build: the series ends with this one.
    if (f.code === "compile" && this.panel.series) this.panel.series.cancelled = true;
    const term = run.term;
    term.finish("error", "✗ " + f.title);
    const exit = term.pre.lastElementChild;
    if (f.diagnostics) {
      term.pre.append(diagnosticList(f.diagnostics, (n) => this.lineLink("第 " + n + " 行", n, "diagnostic-jump")));
    } else if (f.lines.length === 1 && exit && exit.textContent.includes("第 " + f.lines[0] + " 行")) {
      // The message names its line: that is the link.
      const where = "第 " + f.lines[0] + " 行", text = exit.textContent, at = text.indexOf(where);
      exit.textContent = text.slice(0, at);
      exit.append(this.lineLink(where, f.lines[0], "exit-line"), text.slice(at + where.length));
    } else if (f.lines.length && exit) {
      exit.append("：");
      f.lines.forEach((n, i) => exit.append(i ? "、" : "", this.lineLink("第 " + n + " 行", n, "exit-line")));
    }
    if (run.role === "a" && f.lines.length) {
      this.open(true);
      this.showLines(f.lines.slice(0, f.code === "compile" ? 1 : f.lines.length));
    }
    term.pre.scrollTop = term.pre.scrollHeight;
    return f.status;
  }

  // lineLink is a button that shows line n in the editor; a compile
  // error's also marks it in the gutter, in place of the first.
  lineLink(text, n, cls) {
    const b = element("button", cls, text);
    b.type = "button";
    b.dataset.line = String(n);
    b.title = "在编辑器里看第 " + n + " 行";
    b.addEventListener("click", () => {
      if (cls === "diagnostic-jump") this.showLines([n]);
      this.jump(n);
    });
    return b;
  }

  // toggle opens the editor, or closes it back to the highlighted source.
  toggle() {
    const on = this.button.getAttribute("aria-pressed") !== "true";
    this.styled.then(() => {
      this.open(on);
      if (on) this.caretInView();
    });
  }

  // open shows the editor in place of the highlighted source, or back,
  // keeping the page and the pane where they were.
  open(on) {
    const x = window.scrollX, y = window.scrollY, top = this.pane.scrollTop;
    // The line at the top of the pane stays at the top: the source may
    // have folded lines (imports, 只看核心) that the editor shows.
    const inView = on && !this.pre.hidden ? this.firstLineInView() : 0;
    this.button.setAttribute("aria-pressed", on ? "true" : "false");
    if (on && this.goTab.getAttribute("aria-selected") !== "true") this.goTab.click();
    this.box.hidden = !on;
    this.pre.hidden = on;
    this.update();
    this.inView = inView;
    if (inView > 0) {
      const style = getComputedStyle(this.area);
      this.pane.scrollTop = (inView - 1) * parseFloat(style.lineHeight) + parseFloat(style.paddingTop);
    } else {
      this.pane.scrollTop = top;
    }
    if (window.scrollX !== x || window.scrollY !== y) window.scrollTo(x, y);
  }

  // firstLineInView is the number of the first source line shown at the
  // top of the pane (0 when none is).
  firstLineInView() {
    const top = this.pane.getBoundingClientRect().top;
    const lines = this.pre.querySelectorAll(".line");
    for (let i = 0; i < lines.length; i++) {
      const rects = lines[i].getClientRects();
      if (rects.length > 0 && rects[0].bottom > top + 1) return i + 1;
    }
    return 0;
  }

  // caretInView focuses the editor, without scrolling, on the first line
  // in view: typing starts where the learner looks.
  caretInView() {
    const style = getComputedStyle(this.area);
    const first = this.inView > 0 ? this.inView - 1 :
      Math.max(0, Math.floor((this.pane.scrollTop - parseFloat(style.paddingTop)) / parseFloat(style.lineHeight)));
    const lines = this.area.value.split("\n");
    let at = 0;
    for (let i = 0; i < Math.min(first, lines.length - 1); i++) at += lines[i].length + 1;
    this.area.focus({ preventScroll: true });
    this.area.setSelectionRange(at, at);
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
    this.styled.then(() => this.open(true));
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
      e.stopPropagation(); // the panel's Shift+Enter would run Python if picked
      this.run();
    }
    // Esc arms the next Tab to leave the field, as it would elsewhere.
    this.escaped = e.key === "Escape";
  }

  // run runs what the editor shows, always as Go, even with the Python
  // switch on.
  run() {
    if (this.panel.runButton.disabled) return;
    if (this.panel.runtime.set("go")) this.update();
    this.panel.run();
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
      for (let i = 1; i <= n; i++) this.gutter.append(element("span", this.marked.includes(i) ? "error" : "", String(i)));
    }
    const edited = this.modified();
    const runsEdit = edited && this.panel.runtime.value === "go";
    this.mark.hidden = !edited;
    this.reset.hidden = !edited;
    this.runOriginal.hidden = !runsEdit;
    const label = runsEdit ? "▶ 运行修改后的代码" : this.primary;
    if (this.panel.runButton.textContent !== label) this.panel.runButton.textContent = label;
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

  // showLines marks lines in the gutter (none: []).
  showLines(lines) {
    this.marked = lines;
    Array.from(this.gutter.children).forEach((s, i) => s.classList.toggle("error", lines.includes(i + 1)));
  }

  // jump opens the editor on line n: the caret on it, the line selected,
  // scrolled into view and flashed in the gutter.
  jump(n) {
    this.open(true);
    const lines = this.area.value.split("\n");
    const line = Math.min(Math.max(n, 1), lines.length);
    let start = 0;
    for (let i = 0; i < line - 1; i++) start += lines[i].length + 1;
    this.area.focus({ preventScroll: true });
    this.area.setSelectionRange(start, start + lines[line - 1].length);
    const mark = this.gutter.children[line - 1];
    if (!mark) return;
    mark.scrollIntoView({ block: "center" });
    mark.classList.remove("flash");
    void mark.offsetWidth; // restart the animation on a second click
    mark.classList.add("flash");
    mark.addEventListener("animationend", () => mark.classList.remove("flash"), { once: true });
  }
}

// ---- what the server says, as the page shows it (pure, tested in page) ----

// tookText is a built run's time for its exit line and status: the build
// (with the sandbox's set-up) apart from the program's own time where the
// server says it (startup_ms), " · 编译 0.31 s · 运行 1.02 s"; else " 1.02 s".
export function tookText(msg) {
  const secs = (ms) => ((ms || 0) / 1000).toFixed(2) + " s";
  if (typeof msg.startup_ms === "number") return " · 编译 " + secs(msg.startup_ms) + " · 运行 " + secs(msg.elapsed_ms);
  return " " + secs(msg.elapsed_ms);
}

// A failed run's code, when the message needs no more than the server's
// text, is the panel's to show; these are the ones this module words.
const TITLES = {
  compile: "编译错误",
  race: "发现数据竞争",
  panic: "程序 panic 了",
  memory: "内存超过上限，程序被终止",
  cpu: "CPU 时间超过上限，程序被终止",
  threads: "线程或进程太多，程序被终止",
  line: "出错"
};
const STATUS = { panic: "panic", memory: "内存超限", cpu: "CPU 时间超限", threads: "线程太多", line: "出错" };

function chinese(s) {
  return typeof s === "string" && /[\u3400-\u9fff]/.test(s);
}

// explain reads a failed exit or an error of an edited run: its code, the
// console's title, the status, the learner's lines it names (in order)
// and, for a compile error, the diagnostics. null: a plain message the
// panel shows as it is. A server without codes (an error about a line
// before the run started is a compile error there) or without diagnostics
// (their text, one a line) is read as well as it can be.
export function explain(msg, file) {
  const text = msg.error || "";
  let code = msg.code;
  if (!code && msg.line > 0) code = msg.type === "error" ? "compile" : "line";
  if (typeof code !== "string" || !Object.hasOwn(TITLES, code)) return null;
  const title = code !== "compile" && chinese(text) ? text : TITLES[code];
  if (code === "compile") {
    const given = Array.isArray(msg.diagnostics) ? msg.diagnostics.filter((d) => d && typeof d === "object") : [];
    const diagnostics = given.length ? given.map((d) => ourFile(d, file)) : diagnosticsOf(text, msg.line, file);
    const lines = diagnostics.filter((d) => !d.file && d.line > 0).map((d) => d.line);
    const first = msg.line > 0 ? msg.line : lines[0];
    if (first && lines[0] !== first) lines.unshift(first);
    const title = TITLES.compile + (diagnostics.length > 1 ? "（" + diagnostics.length + " 处）" : "");
    return { code, title, status: first ? "编译错误：第 " + first + " 行" : "编译错误", lines: unique(lines), diagnostics };
  }
  let lines = code === "race" && Array.isArray(msg.lines) ? msg.lines.filter((n) => Number.isInteger(n) && n > 0) : [];
  if (!lines.length && Number.isInteger(msg.line) && msg.line > 0) lines = [msg.line];
  lines = unique(lines);
  const head = code === "race" ? TITLES.race : STATUS[code];
  return { code, title, status: head + (lines.length ? "：第 " + lines.join("、") + " 行" : ""), lines };
}

// ourFile drops the name of the learner's own file from a diagnostic: no
// file means the shown one.
function ourFile(d, file) {
  const out = { line: Number(d.line) || 0, message: String(d.message || "") };
  if (d.col > 0) out.col = Number(d.col);
  if (d.file && d.file !== file) out.file = String(d.file);
  return out;
}

// diagnosticsOf reads diagnostics from an error's text: one a line, each
// "[file ]第 N 行：message" (or "file:N:C: message", as go prints them).
function diagnosticsOf(text, line, file) {
  const out = [];
  text.replace(/^编译错误：/, "").replace(/（还有 \d+ 处）$/, "").split("\n").forEach((l) => {
    l = l.trim();
    if (!l) return;
    let m = /^(?:(\S+\.go) )?第 (\d+) 行(?:第 (\d+) 列)?[：:]\s*(.*)$/.exec(l);
    if (m) return out.push(ourFile({ file: m[1], line: m[2], col: m[3], message: m[4] }, file));
    m = /^(?:\.\/)?(?:\S*\/)?(\S+\.go):(\d+)(?::(\d+))?: (.*)$/.exec(l);
    if (m) return out.push(ourFile({ file: m[1], line: m[2], col: m[3], message: m[4] }, file));
    out.push({ line: 0, message: l });
  });
  if (out.length === 1 && !out[0].line && line > 0) out[0].line = line;
  return out.length ? out : [{ line: line > 0 ? line : 0, message: text || "编译错误" }];
}

function unique(a) {
  return a.filter((n, i) => a.indexOf(n) === i);
}

// WORDS puts the commonest compiler messages in Chinese; the original
// stays in the item's title. PLACES names where in the code they are.
const PLACES = { "argument list": "参数列表", "composite literal": "复合字面量", "parameter list": "形参列表", "type argument list": "类型实参列表" };
const place = (p) => PLACES[p] || p;
const TOKENS = { newline: "换行", EOF: "文件结尾", expression: "表达式", name: "名字", type: "类型", operand: "一个值" };
const tok = (t) => TOKENS[t] || t;
const WORDS = [
  [/^undefined: (.+)$/, (m) => "未定义：" + m[1]],
  [/^declared and not used: (.+)$/, (m) => "声明了却没有使用：" + m[1]],
  [/^(.+) declared and not used$/, (m) => "声明了却没有使用：" + m[1]],
  [/^("[^"]+") imported and not used$/, (m) => "导入了却没有使用：" + m[1]],
  [/^missing return$/, () => "缺少 return"],
  [/^(.+) redeclared in this block$/, (m) => m[1] + " 在这个代码块里重复声明"],
  [/^syntax error: unexpected (.+) in (argument list|composite literal|parameter list); possibly missing comma or (.)$/,
    (m) => "语法错误：" + place(m[2]) + "里意外出现 " + tok(m[1]) + "，可能缺少逗号或 " + m[3]],
  [/^syntax error: unexpected (.+), expected (.+)$/, (m) => "语法错误：意外出现 " + tok(m[1]) + "，这里应当是 " + tok(m[2])],
  [/^syntax error: unexpected (.+)$/, (m) => "语法错误：意外出现 " + tok(m[1])],
  [/^syntax error: (.+)$/, (m) => "语法错误：" + m[1]],
  [/^expected operand, found (.+)$/, (m) => "这里应当是一个值，却是 " + m[1]],
  [/^expected (.+), found (.+)$/, (m) => "这里应当是 " + tok(m[1]) + "，却是 " + tok(m[2])],
  [/^missing ',' before newline in (.+)$/, (m) => place(m[1]) + "里换行前缺少 ','"],
  [/^missing ',' in (.+)$/, (m) => place(m[1]) + "里缺少 ','"],
  [/^too many arguments in call to (.+)$/, (m) => "调用 " + m[1] + " 的参数太多"],
  [/^not enough arguments in call to (.+)$/, (m) => "调用 " + m[1] + " 的参数不够"],
  [/^invalid operation: (.+)$/, (m) => "无效的运算：" + m[1]],
  [/^cannot use (.+)$/, (m) => "类型不符：cannot use " + m[1]]
];

export function inChinese(message) {
  for (const [re, zh] of WORDS) {
    const m = re.exec(message);
    if (m) return zh(m);
  }
  return message;
}

// diagnosticList is the console's list of compile errors: the first in
// full, then 还有 N 处 that opens the rest. link(n) makes the link to the
// learner's line n; a diagnostic elsewhere (file) or of no line is text.
export function diagnosticList(diagnostics, link) {
  const list = element("span", "diagnostics");
  list.setAttribute("role", "list");
  list.setAttribute("aria-label", "编译错误");
  const items = diagnostics.map((d, i) => {
    const item = element("span", "diagnostic" + (i === 0 ? " first" : ""));
    item.setAttribute("role", "listitem");
    const where = d.line > 0 ? (d.file ? d.file + " " : "") + "第 " + d.line + " 行" + (d.col ? "第 " + d.col + " 列" : "") : "";
    if (where && !d.file) item.append(link(d.line));
    else if (where) item.append(element("span", "diagnostic-where", where));
    if (where && !d.file && d.col) item.append(element("span", "diagnostic-col", "第 " + d.col + " 列"));
    const said = inChinese(d.message);
    const message = element("span", "diagnostic-message", (where ? "：" : "") + said);
    if (said !== d.message) message.title = d.message;
    item.append(message);
    return item;
  });
  list.append(items[0]);
  if (items.length > 1) {
    const rest = items.slice(1);
    const holder = element("span", "diagnostic-more");
    holder.setAttribute("role", "listitem");
    const more = element("button", "diagnostic-more-button", "还有 " + rest.length + " 处");
    more.type = "button";
    more.setAttribute("aria-expanded", "false");
    more.addEventListener("click", () => {
      const open = more.getAttribute("aria-expanded") !== "true";
      more.setAttribute("aria-expanded", String(open));
      more.textContent = open ? "收起其余 " + rest.length + " 处" : "还有 " + rest.length + " 处";
      rest.forEach((r) => { r.hidden = !open; });
    });
    holder.append(more);
    rest.forEach((r) => { r.hidden = true; });
    list.append(holder, ...rest);
  }
  return list;
}

// outputParts splits a run's output into text, links to the shown file's
// lines ({text, line} for "file.go:NN", with any path before the name)
// and race reports ({race: [...parts]}, from "WARNING: DATA RACE" to the
// line of "=" that closes it).
export function outputParts(text, file) {
  const parts = [];
  // The block takes the newline that ends it: a block ends its own line.
  const race = /(^|\n)(==================\nWARNING: DATA RACE\n[\s\S]*?\n==================(?:\n|$))/g;
  let at = 0;
  for (const m of text.matchAll(race)) {
    const begin = m.index + m[1].length;
    if (begin > at) parts.push(...lineRefs(text.slice(at, begin), file));
    parts.push({ race: lineRefs(m[2], file) });
    at = begin + m[2].length;
  }
  if (at < text.length || !parts.length) parts.push(...lineRefs(text.slice(at), file));
  return parts;
}

function lineRefs(text, file) {
  if (!text.includes(file + ":")) return [text]; // the usual case, at once
  const name = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const ref = new RegExp("(?<![\\w.-])(?:[^\\s:()\"']*/)?" + name + ":(\\d+)(?::\\d+)?", "g");
  const parts = [];
  let at = 0;
  for (const m of text.matchAll(ref)) {
    if (m.index > at) parts.push(text.slice(at, m.index));
    parts.push({ text: m[0], line: Number(m[1]) });
    at = m.index + m[0].length;
  }
  if (at < text.length || !parts.length) parts.push(text.slice(at));
  return parts;
}

// demoEntry is this demo's entry in /api/demos (null if it cannot be
// had). One request serves every panel of the page.
let demos = null;
function demoEntry(id) {
  demos ||= fetch("/api/demos", { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : []))
    .catch(() => []);
  return demos.then((list) => (Array.isArray(list) ? list.find((d) => d.id === id) : null) || null);
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
// <link>; the page never sets a style attribute), and resolves once it
// applies (or failed to load: the editor works unstyled).
function addStyle(href) {
  let link = document.querySelector('link[href="' + CSS.escape(href) + '"]');
  if (link && link.sheet) return Promise.resolve();
  if (!link) {
    link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
  }
  return new Promise((done) => {
    link.addEventListener("load", () => done(), { once: true });
    link.addEventListener("error", () => done(), { once: true });
  });
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
