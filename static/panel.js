// A demo panel: Run and Stop, the runtime (Go or Python, runtime.js), the
// status line, the console, and the three ways to run: "single" (one run),
// "compare" (A and B at once, side by side, compare.js) or "repeat" (the
// same run N times, one after another, repeat.js).
//
// Every run is announced on the section with DOM events, so that other
// modules (timeline, progress, keys) follow runs without reaching into
// this one: "demo-start" (detail: id, demo, runDemo, runtime, role a|b,
// mode, params, code (an edit: editor.js), and round, rounds for repeat),
// "demo-frame" (detail: each server frame about the run) and "demo-exit"
// (detail: how it ended).

import { panelQuery, readPanel, shareHref, writePanel } from "./address.js";
import { Comparison, pairStatus } from "./compare.js";
import { Gallery } from "./gallery.js";
import { Knobs } from "./knobs.js";
import { KnobsLine } from "./knobsline.js";
import { Prediction } from "./predict.js";
import { MAX_ROUNDS, MIN_ROUNDS, Series, rounds } from "./repeat.js";
import { RuntimeSwitch, runtimeName } from "./runtime.js";
import { setupTabs } from "./tabs.js";
import { Terminal } from "./terminal.js";

export class Panel {
  // partners maps demo ids to the page's panels, for comparisons: B's
  // fields are a copy of its demo's panel's.
  constructor(section, socket, partners) {
    this.section = section;
    this.socket = socket;
    this.partners = partners;
    this.demo = section.dataset.demo;
    this.form = section.querySelector("form.params");
    this.runButton = section.querySelector("button.run");
    this.stopButton = section.querySelector("button.stop");
    this.status = section.querySelector(".status");
    this.error = section.querySelector(".demo-error");
    this.consoles = section.querySelector(".consoles") || section;
    this.consoleA = section.querySelector(".console");
    this.term = new Terminal(this.consoleA);
    this.termB = null;
    const gallery = section.querySelector(".gallery");
    this.gallery = gallery ? new Gallery(gallery) : null;
    this.prediction = new Prediction(section.querySelector(".predict-input"), section.querySelector(".verdict"), this.demo);
    this.repeatButton = section.querySelector("button.repeat");
    this.repeatN = section.querySelector(".repeat-n");
    this.compare = new Comparison(section, this.demo);
    this.runtime = new RuntimeSwitch(section, () => {
      this.offerTwin();
      this.saveState();
    });
    this.offerTwin();
    this.share = section.querySelector("a.share");
    this.active = {}; // run id -> run, for this panel's runs in progress
    this.series = null; // the rounds of "run ×N"
    this.pair = null; // the runs of a comparison, {a, b}
    this.mode = "single";
    this.online = false;
    this.knobs = new Knobs(this.form, () => this.saveState());
    this.knobsLine = new KnobsLine(this.form, this.knobs);
    this.editButton = section.querySelector(".edit-toggle[data-module]");
    if (this.editButton) {
      this.editButton.hidden = false;
      this.editButton.onclick = () => this.edit().then((e) => e.toggle());
    }

    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.run();
    });
    this.stopButton.addEventListener("click", () => this.stop());
    this.section.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.shiftKey) {
        e.preventDefault();
        if (this.compare.form && this.compare.form.contains(e.target)) this.runCompare();
        else this.run();
      } else if (e.key === "Escape" && this.busy()) {
        e.preventDefault();
        this.stop();
      }
    });
    if (this.repeatButton) this.repeatButton.addEventListener("click", () => this.runRepeat());
    if (this.compare.toggle) {
      this.compare.toggle.addEventListener("click", () => this.toggleCompare());
      this.compare.with.addEventListener("change", () => {
        this.buildCompare(this.compare.partner(), {});
        this.saveState();
      });
      this.compare.form.addEventListener("submit", (e) => {
        e.preventDefault();
        this.runCompare();
      });
    }
    setupTabs(section);
    socket.watch((up) => this.connected(up));
    this.connected(false);
  }

  // ---- the address ----------------------------------------------------

  // restore applies this panel's part of the address, once at load.
  restore(query) {
    const { runtime, own, vs, b } = readPanel(query, this.demo);
    try {
      if (this.editButton && (query.get(this.demo + ".src") || localStorage["walkthrough.edit." + this.demo])) this.edit().then((e) => e.restore(query));
    } catch { /* storage refused */ }
    if (runtime && this.runtime.set(runtime)) this.offerTwin();
    own.forEach(([name, value]) => this.knobs.set(name, value));
    if (vs && this.compare.offers(vs)) {
      this.compare.with.value = vs;
      this.openCompare(true, b, true);
    }
    this.knobsLine.update();
    this.updateShare();
  }

  // saveState writes this panel's knobs into the address and its link.
  saveState() {
    writePanel(this.demo, this.panelQuery());
    this.updateShare();
  }

  panelQuery() {
    const comparing = this.compare.isOpen();
    const q = panelQuery(this.demo, this.runtime.value, this.knobs.nonDefaults(),
      comparing ? this.compare.with.value : "", comparing ? this.compare.differs() : {});
    this.editor?.share(q);
    return q;
  }

  edit() {
    return (this.editing ||= import(this.editButton.dataset.module).then((e) => (this.editor = new e.Editor(this))));
  }

  // offerTwin keeps "this demo in the other runtime" among B's choices,
  // where Python runs.
  offerTwin() {
    if (this.runtime.python && this.compare.with) this.compare.offerTwin(this.runtime.value);
  }

  updateShare() {
    if (!this.share) return;
    this.share.href = shareHref(this.panelQuery(), this.section.id);
  }

  // ---- state shown ------------------------------------------------------

  connected(up) {
    this.online = up;
    if (!this.busy()) {
      this.setStatus(up ? "就绪" : "正在连接服务器…", up ? "" : "offline");
    }
    this.updateButtons();
  }

  busy() {
    return Object.keys(this.active).length > 0 || !!this.series;
  }

  updateButtons() {
    const busy = this.busy();
    const can = this.online && !busy;
    this.runButton.disabled = !can;
    this.stopButton.disabled = !busy;
    if (this.repeatButton) this.repeatButton.disabled = !can;
    if (this.compare.runButton) this.compare.runButton.disabled = !can;
    if (this.compare.toggle) this.compare.toggle.disabled = busy;
    this.runtime.lock(busy);
    this.section.classList.toggle("running", busy);
  }

  setStatus(text, kind) {
    this.status.textContent = text;
    this.status.dataset.kind = kind || "";
  }

  params() {
    return this.knobs.values();
  }

  clearErrors() {
    this.knobs.clearErrors();
    if (this.compare.knobs) this.compare.knobs.clearErrors();
    this.error.hidden = true;
    this.error.textContent = "";
  }

  resetView(compare) {
    this.term.clear();
    if (this.gallery) this.gallery.clear();
    this.prediction.reset();
    this.consoles.classList.toggle("two", !!compare);
    if (compare) {
      if (!this.termB) {
        const pre = document.createElement("pre");
        pre.className = "console console-b";
        pre.tabIndex = 0;
        pre.setAttribute("aria-label", "B 的程序输出");
        this.consoles.appendChild(pre);
        this.termB = new Terminal(pre);
      }
      this.termB.pre.hidden = false;
      this.termB.clear();
    } else if (this.termB) {
      this.termB.pre.hidden = true;
    }
  }

  // ---- starting runs ------------------------------------------------------

  // start sends one run of demo in runtime; the caller has checked the
  // parameters.
  start(role, demo, runtime, params, term, extra) {
    // The code a run sends, and the editor that words a built one.
    const code = extra.code || this.partners.get(demo)?.editor?.code(runtime, extra.original) || {};
    const run = { id: null, role, demo, runtime, term, mode: this.mode, started: null, result: null, code,
      ed: code.source && code.editor, edited: !!(extra.source || code.source) };
    const id = this.socket.run(demo, params, {
      receive: (msg) => this.receive(msg, run),
      lost: () => this.lost(run)
    }, runtime, code.source, code.race, extra.procs);
    if (id === null) return null;
    run.id = id;
    this.active[id] = run;
    const detail = Object.assign({ id, demo: this.demo, runDemo: demo, runtime, role, mode: this.mode, params }, extra, { code });
    this.section.dispatchEvent(new CustomEvent("demo-start", { bubbles: true, detail }));
    return run;
  }

  // run runs the code shown, or the demo's own (original).
  run(original) {
    if (this.busy() || !this.online) return;
    this.clearErrors();
    if (!this.knobs.checkAll()) return;
    this.mode = "single";
    this.resetView(false);
    const extra = { original };
    const box = this.section.querySelector(".sched-box");
    if (box && box.firstElementChild.checked && this.runtime.value !== "python") extra.procs = +box.lastElementChild.value;
    if (!this.start("a", this.demo, this.runtime.value, this.params(), this.term, extra)) return;
    this.saveState();
    this.setStatus("启动中…", "running");
    this.updateButtons();
  }

  runRepeat() {
    if (this.busy() || !this.online) return;
    this.clearErrors();
    const n = rounds(this.repeatN);
    if (!n) {
      this.showPanelError("连续运行的次数要在 " + MIN_ROUNDS + " 到 " + MAX_ROUNDS + " 之间。");
      this.repeatN.focus();
      return;
    }
    if (!this.knobs.checkAll()) return;
    this.mode = "repeat";
    this.series = new Series(n, this.params(), this.runtime.value);
    this.saveState();
    this.nextRound();
  }

  nextRound() {
    const s = this.series;
    s.round++;
    this.resetView(false);
    if (!this.start("a", this.demo, s.runtime, s.params, this.term, { round: s.round, rounds: s.rounds })) {
      this.series = null;
      this.updateButtons();
      return;
    }
    this.setStatus("第 " + s.round + " / " + s.rounds + " 次…", "running");
    this.updateButtons();
  }

  toggleCompare() {
    this.openCompare(this.compare.form.hidden, {});
    this.saveState();
  }

  openCompare(open, values, fromDefaults) {
    if (!this.compare.form) return;
    this.compare.show(open);
    if (open) this.buildCompare(this.compare.partner(), values, fromDefaults);
  }

  buildCompare(demo, values, fromDefaults) {
    this.compare.build(this.partners.get(demo), demo, values, fromDefaults, () => this.saveState());
  }

  runCompare() {
    const knobsB = this.compare.knobs;
    if (this.busy() || !this.online || !knobsB) return;
    this.clearErrors();
    if (!this.knobs.checkAll()) return;
    this.compare.sync(false);
    if (!knobsB.checkAll()) return;
    // A comparison takes both of the page's places on the server.
    if (this.socket.running() > 0) {
      this.showPanelError("对比要同时运行两个程序：请先停止页面上正在运行的其他演示。");
      return;
    }
    const partner = this.compare.partner();
    const rtA = this.runtime.value;
    const rtB = this.compare.twinned() ? this.compare.twin.value : rtA;
    // Two runtimes: each side says which it runs.
    const rt = (r) => (rtA !== rtB ? " · " + runtimeName(r) : "");
    this.mode = "compare";
    this.resetView(true);
    this.consoleA.dataset.label = "A · " + this.demo + rt(rtA);
    this.termB.pre.dataset.label = "B · " + partner + rt(rtB);
    const a = this.start("a", this.demo, rtA, this.params(), this.term, {});
    const b = a && this.start("b", partner, rtB, this.compare.values(), this.termB, {});
    if (!a) return;
    this.pair = { a, b };
    this.saveState();
    this.setStatus(b ? "A 和 B 同时启动…" : "启动中…", "running");
    this.updateButtons();
  }

  stop() {
    const ids = Object.keys(this.active);
    if (this.series) this.series.cancelled = true;
    if (!ids.length && this.series) {
      this.series = null;
      this.updateButtons();
      return;
    }
    ids.forEach((id) => this.socket.stop(id));
    if (ids.length) this.setStatus("正在停止…", "running");
  }

  // ---- frames from the server ------------------------------------------------

  receive(msg, run) {
    // An error names a run the server refused, so it can only come before
    // "started". One after it answers a later message about the run (a
    // Stop that crossed the run's end): the run stays, and its own exit,
    // still on the way, is what ends it.
    if (msg.type === "error" && run.started !== null) {
      console.debug("server, about run " + run.id + " in progress:", msg.error);
      return;
    }
    this.section.dispatchEvent(new CustomEvent("demo-frame", { bubbles: true, detail: msg }));
    switch (msg.type) {
      case "queued": {
        // The server is full: the run waits its turn; Stop leaves the queue.
        const who = this.mode === "compare" ? run.role.toUpperCase() + " " : "";
        this.setStatus(who + "排队中 · 第 " + msg.position + " 位", "queued");
        break;
      }
      case "started":
        run.started = performance.now();
        if (this.mode === "single") this.setStatus(run.ed ? "编译中…" : "运行中" + pyMark(run), "running");
        else if (this.mode === "compare") this.setStatus("A 和 B 运行中", "running");
        break;
      case "output":
        run.term.write(msg.data);
        break;
      case "event":
        if (run.role === "a" && this.gallery) this.gallery.add(msg.event);
        break;
      case "exit": {
        if ((run.said = run.ed?.ending(msg, run))) {
          this.finished(run, msg);
          break;
        }
        // elapsed_ms is the program's own time; a child runtime's
        // start-up comes apart, said after it.
        const secs = ((msg.elapsed_ms || 0) / 1000).toFixed(2);
        const py = pyMark(run) + startupMark(run, msg);
        if (msg.ok) run.term.finish("ok", "✓ 完成 " + secs + " s" + py);
        else if (msg.code === "stopped") run.term.finish("stopped", "■ 已停止 " + secs + " s" + py);
        else if (msg.code === "timeout") run.term.finish("error", "✗ 超时：运行时间超过上限" + py);
        else run.term.finish("error", "✗ 错误: " + msg.error + py);
        this.finished(run, msg);
        break;
      }
      case "error":
        if (!(run.said = run.ed?.ending(msg, run))) this.showError(msg, run);
        this.finished(run, msg);
        break;
    }
  }

  // finished is called once per run, whatever ended it.
  finished(run, msg) {
    this.socket.end(run.id);
    delete this.active[run.id];
    run.result = msg;
    this.section.dispatchEvent(new CustomEvent("demo-exit", {
      bubbles: true,
      detail: {
        demo: this.demo, id: run.id, runDemo: run.demo, role: run.role, mode: run.mode,
        ok: msg.type === "exit" && !!msg.ok, error: msg.error || "", code: msg.code || "", elapsed_ms: msg.elapsed_ms
      }
    }));
    if (this.mode === "compare") this.compareResult(run);
    if (Object.keys(this.active).length) return;

    const s = this.series;
    if (s) {
      if (s.record(msg)) {
        this.nextRound();
        return;
      }
      this.series = null;
      this.finalStatus(msg, s, run);
      if (s.elapsed.length) this.prediction.show(s.mean(), "平均 ", "（" + s.elapsed.length + " 次" + pyMark(run) + "）");
    } else {
      this.finalStatus(msg, null, run);
      if (this.mode === "single" && msg.type === "exit" && msg.ok) this.prediction.show(msg.elapsed_ms, "", pyMark(run));
    }
    this.updateButtons();
  }

  finalStatus(msg, series, run) {
    if (this.mode === "compare") return; // compareResult has said it
    const secs = ((msg.elapsed_ms || 0) / 1000).toFixed(2);
    const prefix = series ? series.elapsed.length + " / " + series.rounds + " 次 · " : "";
    const py = pyMark(run);
    if (run.said) this.setStatus(prefix + run.said[0], run.said[1]);
    else if (msg.type === "error") this.setStatus(prefix + "未运行" + py, "error");
    else if (msg.ok) this.setStatus(prefix + "完成 " + secs + " s" + py, "ok");
    else if (msg.code === "stopped") this.setStatus(prefix + "已停止" + py, "stopped");
    else if (msg.code === "timeout") this.setStatus(prefix + "超时" + py, "error");
    else if (msg.code === "lost") this.setStatus("连接断开", "error");
    else this.setStatus(prefix + "出错" + py, "error");
  }

  compareResult(run) {
    const { text, done } = pairStatus(this.pair || {});
    this.setStatus(text, done ? "ok" : "running");
    if (run.role === "a" && run.result.type === "exit" && run.result.ok) this.prediction.show(run.result.elapsed_ms, "A ", "");
  }

  // A rejected run: the message goes next to the field it names (in A's
  // or B's fields), or under the panel when it names none.
  showError(msg, run) {
    const knobs = run && run.role === "b" ? this.compare.knobs : this.knobs;
    if (msg.param && knobs && knobs.showError(msg.param, msg.error)) return;
    this.showPanelError((run && run.role === "b" ? "B：" : "") + msg.error);
  }

  showPanelError(text) {
    this.error.textContent = text;
    this.error.hidden = false;
  }

  lost(run) {
    run.term.finish("error", "✗ 与服务器的连接断开了");
    this.finished(run, { type: "exit", ok: false, code: "lost", error: "连接断开" });
    this.setStatus("连接断开", "error");
  }
}

// startupMark says how long a child runtime took to start, apart from the
// program's own time.
function startupMark(run, msg) {
  if (!(msg.startup_ms > 0)) return "";
  const what = run.edited ? "编译" : run.runtime === "python" ? "解释器启动" : "启动";
  return " · 另有" + what + " " + (msg.startup_ms / 1000).toFixed(2) + " s";
}

// pyMark is what the console and the status add to a run in Python: Go is
// what a panel runs unless said otherwise.
function pyMark(run) {
  return run.runtime === "python" ? " · Python" : "";
}
