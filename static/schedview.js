// The scheduler view (调度视图) of a demo panel: for a run sent with
// "trace" (the GOMAXPROCS selector beside the knobs), what the Go runtime's
// scheduler did — one lane per P coloured by the goroutine it ran, a thin
// lane with the number of busy OS threads, GC marks, and a row per
// goroutine with its state over time (running, runnable, syscall, waiting
// on a channel, a select, a sleep, the network, a lock). Its axis is the
// timeline's: milliseconds since the run started. Hovering a task of the
// timeline lights up the goroutine that started it.
//
// It only listens, like timeline.js: "demo-start", "demo-frame" (the
// server's trace frames, parts 1..n) and "demo-exit" from panel.js.
// course.js loads it on the first tick of the panel's 调度视图 switch.

import { html, r1, svg } from "./dom.js";
import { fmtMs } from "./trace.js";

// STATES are the rows' states, in the legend's order, with their names.
const STATES = [
  ["running", "运行"], ["runnable", "就绪（等 P）"], ["syscall", "系统调用"],
  ["chan", "等通道"], ["select", "等 select"], ["sleep", "睡眠"],
  ["network", "等网络"], ["sync", "等锁"], ["waiting", "其他等待"]
];

// watchSchedView draws the scheduler view of the panel section, if any.
export function watchSchedView(section) {
  addStyle(new URL("schedview.css", import.meta.url).pathname);
  new View(section, makeFigure(section));
}

// makeFigure puts the view's figure below the panel's timeline.
function makeFigure(section) {
  const figure = document.createElement("figure");
  figure.className = "schedview";
  figure.hidden = true;
  const caption = html("figcaption", "schedview-caption", figure);
  html("span", "schedview-title", caption, "调度视图");
  html("span", "schedview-summary", caption);
  html("div", "schedview-plot", figure);
  html("ul", "schedview-legend", figure).setAttribute("aria-label", "图例");
  html("p", "schedview-notes", figure);
  const timeline = section.querySelector("figure.timeline");
  if (timeline) timeline.after(figure);
  else section.appendChild(figure);
  return figure;
}

// addStyle links the view's stylesheet once (style-src 'self').
function addStyle(href) {
  if (!href || document.querySelector('link[href="' + CSS.escape(href) + '"]')) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.appendChild(link);
}

// hue gives every goroutine a colour of its own, stable across redraws.
function hue(g) {
  return Math.round((g * 137.508) % 360);
}

class View {
  constructor(section, figure) {
    this.section = section;
    this.figure = figure;
    this.plot = figure.querySelector(".schedview-plot");
    this.summary = figure.querySelector(".schedview-summary");
    this.legend = figure.querySelector(".schedview-legend");
    this.notes = figure.querySelector(".schedview-notes");
    this.id = null;
    this.parts = [];
    this.sum = null;
    section.addEventListener("demo-start", (e) => this.onStart(e.detail || {}));
    section.addEventListener("demo-frame", (e) => this.onFrame(e.detail || {}));
    section.addEventListener("demo-exit", (e) => this.onExit(e.detail || {}));
    // The timeline draws its axis (its last time at the run's exit, which
    // comes after the trace frames): this view follows it.
    this.timeline = section.querySelector("figure.timeline");
    if (this.timeline && window.MutationObserver) {
      new MutationObserver(() => { if (this.sum) this.draw(); })
        .observe(this.timeline, { attributes: true, attributeFilter: ["data-axis"] });
    }
    section.addEventListener("mouseover", (e) => this.hover(e.target));
    section.addEventListener("focusin", (e) => this.hover(e.target));
  }

  onStart(d) {
    if (!d.procs || d.role === "b") {
      this.id = null;
      this.figure.hidden = true;
      return;
    }
    this.id = d.id;
    this.parts = [];
    this.sum = null;
    this.figure.hidden = false;
    this.plot.textContent = "";
    this.legend.textContent = "";
    this.notes.textContent = "";
    this.summary.textContent = "GOMAXPROCS=" + d.procs + "：程序结束后画出调度器做了什么……";
  }

  onFrame(msg) {
    if (msg.type !== "trace") return;
    if (this.id === null && msg.part === 1) this.onStart({ id: msg.id, procs: msg.procs }); // loaded after the run began
    if (msg.id !== this.id) return;
    if (msg.error) {
      this.summary.textContent = msg.error;
      this.figure.dataset.state = "error";
      return;
    }
    this.parts[(msg.part || 1) - 1] = msg;
    const n = msg.parts || 1;
    for (let i = 0; i < n; i++) if (!this.parts[i]) return;
    this.sum = Object.assign({}, this.parts[0], { goroutines: [] });
    this.parts.forEach((p) => { if (p.goroutines) this.sum.goroutines.push(...p.goroutines); });
    this.draw();
  }

  onExit(d) {
    if (d.id !== this.id || this.sum || this.figure.dataset.state === "error") return;
    this.summary.textContent = "这次运行没有留下调度跟踪（被停止，或没有运行到结束）。";
  }

  // hover lights up the goroutine of a task of the timeline.
  hover(target) {
    if (!this.sum || !target || !target.closest) return;
    const el = target.closest("[data-task]");
    const g = el && this.sum.tasks ? this.sum.tasks[el.getAttribute("data-task")] : undefined;
    this.plot.querySelectorAll(".sv-lit").forEach((n) => n.classList.remove("sv-lit"));
    this.plot.classList.toggle("sv-lighting", g !== undefined);
    if (g === undefined) return;
    this.plot.querySelectorAll('[data-g="' + g + '"]').forEach((n) => n.classList.add("sv-lit"));
  }

  draw() {
    const s = this.sum;
    this.figure.dataset.state = "drawn";
    let width = Math.max(280, this.plot.clientWidth || 600);
    let x0 = 120, x1 = width - 14;
    let domain = Math.max(s.end_ms || 1, 1);
    // The timeline's axis, where it has one of the same width: times line
    // up between the two.
    const axis = ((this.timeline && this.timeline.dataset.axis) || "").split(",").map(Number);
    if (axis.length === 4 && axis.every((v) => v > 0) && axis[2] >= domain * 0.999) {
      [x0, x1, domain, width] = axis;
    }
    const labelW = x0;
    const fit = (text) => {
      const most = Math.max(4, Math.floor((labelW - 8) / 6));
      return text.length <= most ? text : "…" + text.slice(text.length - most + 1);
    };
    const sx = (t) => x0 + (x1 - x0) * Math.max(0, Math.min(t, domain)) / domain;
    const laneH = 18, rowH = 12, threadH = 28;
    const rows = s.goroutines || [];
    const lanes = s.lanes || [];
    let y = 4;
    const lanesTop = y;
    y += lanes.length * laneH + 6;
    const threadsTop = y;
    y += threadH + 10;
    const rowsTop = y;
    y += rows.length * rowH + 8;
    const height = y + 4;
    const root = svg("svg", {
      "class": "sv-svg", width, height, viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": "调度视图：" + lanes.length + " 个 P，" + rows.length + " 个 goroutine"
    });
    const label = (text, yy, cls) => {
      const t = svg("text", { x: labelW - 6, y: yy, "text-anchor": "end", "dominant-baseline": "central", "class": cls || "sv-label" }, root);
      t.textContent = fit(text);
      return t;
    };
    (s.gc || []).forEach((span) => {
      const gx = sx(span[0]);
      svg("rect", { x: r1(gx), y: lanesTop, width: r1(Math.max(1, sx(span[1]) - gx)), height: threadsTop + threadH - lanesTop, "class": "sv-gc sv-gc-" + span[2] }, root);
    });
    const names = {};
    rows.forEach((r) => { names[r.g] = r.name; });
    lanes.forEach((lane, i) => {
      const ly = lanesTop + i * laneH;
      label("P" + lane.p, ly + laneH / 2);
      svg("rect", { x: x0, y: ly + 2, width: x1 - x0, height: laneH - 4, "class": "sv-idle" }, root);
      lane.slices.forEach((sl) => {
        const [g, t0, t1, m, n] = sl;
        const x = sx(t0);
        const r = svg("rect", {
          x: r1(x), y: ly + 2, width: r1(Math.max(1, sx(t1) - x)), height: laneH - 4,
          "class": "sv-slice", "data-g": g, fill: "hsl(" + hue(g) + ",55%,55%)"
        }, root);
        svg("title", {}, r).textContent = "g" + g + (names[g] ? " " + names[g] : "（运行时）") + " 在 P" + lane.p +
          "、线程 " + m + " 上 · " + fmtMs(t0) + " → " + fmtMs(t1) + (n > 1 ? "（合并了 " + n + " 段）" : "");
      });
    });
    // Busy threads over time: a step line.
    const steps = s.threads || [];
    let most = 1;
    steps.forEach((st) => { most = Math.max(most, st[1]); });
    label("线程", threadsTop + threadH / 2);
    let d = "";
    steps.forEach((st, i) => {
      const x = r1(sx(st[0]));
      const yy = r1(threadsTop + threadH - (threadH - 4) * st[1] / most);
      d += (i === 0 ? "M" : "H" + x + "V") + (i === 0 ? x + "," + yy : yy);
    });
    if (d) {
      d += "H" + r1(sx(s.end_ms || domain));
      const path = svg("path", { d, "class": "sv-threads" }, root);
      svg("title", {}, path).textContent = "同时忙着的系统线程（持有 P 或在系统调用里），最多 " + most + " 个";
    }
    rows.forEach((r, i) => {
      const ry = rowsTop + i * rowH;
      const text = label(r.name, ry + rowH / 2, "sv-label sv-row-label");
      const head = (r.locked_m ? "🔒" : "") + "g" + r.g + " ";
      const room = Math.max(4, Math.floor((labelW - 8) / 6) - head.length);
      text.textContent = head + (r.name.length <= room ? r.name : "…" + r.name.slice(r.name.length - room + 1));
      text.setAttribute("data-g", r.g);
      svg("title", {}, text).textContent = "g" + r.g + " " + r.name + (r.by ? "，由 " + r.by + " 开出" : "") +
        (r.tasks ? "，任务 " + r.tasks.join("、") : "") + (r.locked_m ? "，锁定在线程 " + r.locked_m + " 上" : "");
      r.states.forEach((st) => {
        const [t0, t1, state, m, where] = st;
        const x = sx(t0);
        const rect = svg("rect", {
          x: r1(x), y: ry + 1, width: r1(Math.max(0.8, sx(t1) - x)), height: rowH - 2,
          "class": "sv-state st-" + state, "data-g": r.g
        }, root);
        svg("title", {}, rect).textContent = "g" + r.g + " · " + stateName(state) + (where ? " · " + where : "") +
          (m ? " · 线程 " + m : "") + " · " + fmtMs(t0) + " → " + fmtMs(t1);
      });
    });
    this.plot.textContent = "";
    this.plot.appendChild(root);
    let most2 = 0;
    steps.forEach((st) => { most2 = Math.max(most2, st[2]); });
    const locked = rows.filter((r) => r.locked_m).length;
    this.summary.textContent = "GOMAXPROCS=" + s.procs + "，" + rows.length + " 个 goroutine（另有 " + (s.hidden || 0) +
      " 个运行时自己的），最多 " + most + " 个线程同时忙，共用过 " + most2 + " 个线程" + (locked ? "，" + locked + " 个 goroutine 锁定在自己的线程上" : "") + "。";
    this.legend.textContent = "";
    STATES.forEach(([state, name]) => {
      const li = html("li", "sv-key", this.legend);
      html("span", "sv-swatch st-" + state, li);
      li.appendChild(document.createTextNode(name));
    });
    this.notes.textContent = (s.notes || []).join(" ");
  }
}

function stateName(state) {
  const found = STATES.find((x) => x[0] === state);
  return found ? found[1] : state;
}
