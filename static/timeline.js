// The live timeline of a demo panel: one swimlane per task, bars growing
// while a task runs, dots for instant events, the number of tasks in flight
// underneath (counted by the server, drawn here), and for "run ×N" a small
// histogram of the orders in which tasks finished (orders.js).
//
// It only listens: panel.js announces every run on its section with
// "demo-start" (detail: id, demo, mode single|compare|repeat, role a|b,
// runDemo, runtime, round, rounds), every server frame with "demo-frame"
// and the end with "demo-exit". Drawing is plain SVG built with DOM calls;
// colours come from timeline.css, so both themes and the strict CSP just
// work.

import { html, r1, svg } from "./dom.js";
import { runtimeName } from "./runtime.js";
import { KIND_ORDER, Trace, fmtMs, fmtSecs, kindOf, statusWords } from "./trace.js";

// Parameters that cap how many tasks may be in flight: drawn as a limit
// line on the in-flight chart, so a semaphore is seen to hold.
const CAP_PARAMS = ["limit", "parallel"];

// drawTimeline draws the timeline of the panel section from here on, after
// the announcements made before this module arrived (timelinewatch.js).
export function drawTimeline(section, before) {
  const v = new View(section);
  before.forEach((e) => {
    if (e.type === "demo-start") v.onStart(e.detail);
    else if (e.type === "demo-frame") v.onFrame(e.detail);
    else v.onExit(e.detail);
  });
  return v;
}

// ---- the time axis ------------------------------------------------------
// A domain end that only moves in visible jumps while a run grows, so the
// bars do not creep leftwards every frame.
const NICE = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

function niceCeil(x) {
  x = Math.max(x, 50);
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (let i = 0; i < NICE.length; i++) if (NICE[i] * p >= x * 0.999) return NICE[i] * p;
  return 10 * p;
}

function tickStep(domain, maxTicks) {
  const raw = domain / Math.max(1, maxTicks);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const steps = [1, 2, 2.5, 5, 10];
  for (let i = 0; i < steps.length; i++) if (steps[i] * p >= raw) return steps[i] * p;
  return 10 * p;
}

// ---- the view of one panel -------------------------------------------------
class View {
  constructor(section) {
    this.section = section;
    this.demo = section.dataset.demo;
    this.figure = section.querySelector("figure.timeline");
    this.plot = section.querySelector(".timeline-plot");
    this.summary = section.querySelector(".timeline-summary");
    this.legend = section.querySelector(".timeline-legend");
    this.ordersBox = section.querySelector(".orders");
    this.placeholder = this.summary.textContent;
    this.traces = [];
    this.byId = {};
    this.mode = "single";
    this.series = null;
    this.domain = 0;
    this.dirty = false;
    this.frame = 0;
    this.moved = 0;
    this.scale = null;
    this.live = []; // nodes that move every animation frame
    // The previous run of this panel, drawn faintly on the same axis so
    // that limit=1 and limit=20 look as different as they are; 清除
    // forgets it.
    this.ghost = null;
    this.clearButton = html("button", "tl-clear", section.querySelector(".timeline-caption"), "清除");
    this.clearButton.type = "button";
    this.clearButton.hidden = true;
    this.clearButton.title = "不再画出上一次运行，时间轴只按这一次";
    this.clearButton.addEventListener("click", () => {
      this.ghost = null;
      this.clearButton.hidden = true;
      if (this.traces.length) this.changed();
    });
    section.addEventListener("demo-start", (e) => this.onStart(e.detail || {}));
    section.addEventListener("demo-frame", (e) => this.onFrame(e.detail || {}));
    section.addEventListener("demo-exit", (e) => this.onExit(e.detail || {}));
    if (window.ResizeObserver) {
      let lastWidth = 0;
      new ResizeObserver(() => {
        const w = this.plot.clientWidth;
        if (w !== lastWidth) {
          lastWidth = w;
          if (this.traces.length) this.draw();
        }
      }).observe(this.plot);
    }
  }

  onStart(d) {
    const t = new Trace(d);
    if (d.mode === "compare" && d.role === "b") {
      this.traces.push(t);
    } else {
      const prev = this.traces.length === 1 ? this.traces[0] : null;
      // One panel's runs one after another share an axis: the last one
      // that went somewhere stays as a ghost.
      if (d.mode !== "compare" && prev && prev.done && !prev.rejected && prev.lanes.length) this.ghost = prev;
      else if (d.mode === "compare") this.ghost = null;
      this.traces = [t];
      this.byId = {};
    }
    this.clearButton.hidden = !this.ghost;
    this.byId[t.id] = t;
    this.mode = d.mode || "single";
    if (this.mode === "repeat") {
      if (d.round === 1 || !this.series) this.series = { rounds: d.rounds, round: d.round, runs: [] };
      this.series.round = d.round;
    } else {
      this.series = null;
      if (this.ordersBox) {
        this.ordersBox.hidden = true;
        this.ordersBox.textContent = "";
      }
    }
    this.figure.classList.add("has-data");
    this.changed();
  }

  onFrame(msg) {
    const t = this.byId[msg.id];
    if (!t) return;
    switch (msg.type) {
      case "started":
        t.startedAt = performance.now();
        t.params = msg.params || {};
        for (let i = 0; i < CAP_PARAMS.length; i++) {
          const v = Number(t.params[CAP_PARAMS[i]]);
          if (t.params[CAP_PARAMS[i]] !== undefined && isFinite(v) && v > 0) {
            t.cap = v;
            break;
          }
        }
        break;
      case "event":
        if (msg.event) t.event(msg.event, msg.in_flight);
        break;
      case "exit":
        t.done = true;
        t.ok = !!msg.ok;
        t.error = msg.error || "";
        t.code = msg.code || "";
        t.elapsed = msg.elapsed_ms || 0;
        t.startup = msg.startup_ms || 0;
        if (typeof msg.max_in_flight === "number" && msg.max_in_flight >= t.max) t.max = msg.max_in_flight;
        if (typeof msg.max_at_ms === "number" && msg.max_in_flight === t.max) t.maxAt = msg.max_at_ms;
        t.order = msg.order || null;
        if (this.mode === "repeat" && this.series && t.code !== "stopped" && t.code !== "timeout") {
          this.series.runs.push({ order: t.order || [], elapsed: t.elapsed, ok: t.ok, ends: t.ends(), cap: t.cap });
          // orders.js comes with the first run ×N.
          const box = this.ordersBox;
          const series = this.series;
          if (box) import("./orders.js").then((m) => { if (this.series === series) m.drawOrders(box, series); });
        }
        break;
      case "error":
        // Only a run that never started can be refused; an error after
        // "started" is about a later message (a Stop that crossed the
        // exit), and the run's own exit will still come.
        if (t.startedAt !== null) return;
        t.done = true;
        t.ok = false;
        t.error = msg.error || "";
        t.code = msg.code || "";
        t.rejected = true;
        if (this.traces.length === 1) {
          // Nothing ran: the message is next to the field; keep the
          // timeline as it was before, empty.
          this.clear();
          return;
        }
        break;
    }
    this.changed();
  }

  // A run that ended without an exit frame (the connection dropped) stops
  // growing where it was.
  onExit(d) {
    const t = this.byId[d.id];
    if (!t || t.done) return;
    t.elapsed = t.now();
    t.done = true;
    t.ok = false;
    t.error = d.error || "连接断开";
    t.code = d.code || "lost";
    this.changed();
  }

  clear() {
    this.traces = [];
    this.byId = {};
    this.plot.textContent = "";
    this.legend.textContent = "";
    this.summary.textContent = this.placeholder;
    this.figure.classList.remove("has-data");
  }

  changed() {
    this.dirty = true;
    this.schedule();
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.tick();
    });
  }

  running() {
    return this.traces.some((t) => !t.done && t.startedAt !== null);
  }

  currentDomain() {
    let end = 0;
    this.traces.forEach((t) => { end = Math.max(end, t.now()); });
    const g = this.shownGhost();
    if (g) end = Math.max(end, g.now());
    return niceCeil(end);
  }

  // shownGhost is the previous run when it is drawn: beside one run only.
  shownGhost() {
    return this.traces.length === 1 ? this.ghost : null;
  }

  // tick redraws after new events or a jump of the time axis; otherwise it
  // only stretches the open bars, at most 30 times a second (smooth to the
  // eye, and half the painting of every frame on a phone).
  tick() {
    const domain = this.currentDomain();
    const now = performance.now();
    if (this.dirty || domain !== this.domain) {
      this.draw();
      this.moved = now;
    } else if (now - this.moved >= 32) {
      this.moveLive();
      this.moved = now;
    }
    if (this.running()) this.schedule();
  }

  // ---- drawing ------------------------------------------------------------
  draw() {
    this.dirty = false;
    const traces = this.traces;
    const plot = this.plot;
    plot.textContent = "";
    this.live = [];
    if (!traces.length) return;
    const domain = (this.domain = this.currentDomain());
    const width = Math.max(280, plot.clientWidth || 600);
    const narrow = width < 480;

    let longest = 0;
    traces.forEach((t) => t.lanes.forEach((l) => { longest = Math.max(longest, l.task.length); }));
    // Lane labels are monospace, about 0.6em a character at 12px.
    const labelW = Math.round(Math.min(Math.max(longest * 7.6 + 16, 62), narrow ? width * 0.3 : Math.min(180, width * 0.32)));
    const x0 = labelW;
    const x1 = width - 14;
    const sx = (this.scale = (t) => x0 + (x1 - x0) * Math.min(t, domain) / domain);
    this.figure.dataset.axis = [x0, x1, domain, width].join(",");
    const multi = traces.length > 1;
    const IF_H = 44;

    // Layout first (heights), then draw into one SVG.
    let y = 6;
    const blocks = traces.map((t) => {
      const b = { trace: t, head: 0, lanesTop: 0, laneH: 0 };
      if (multi) {
        b.head = y;
        y += 22;
      }
      const n = Math.max(1, t.lanes.length);
      b.laneH = n <= 8 ? 22 : n <= 16 ? 16 : n <= 48 ? 13 : Math.max(4, Math.floor(620 / n));
      b.lanesTop = y;
      y += n * b.laneH + 8;
      b.ifTop = y;
      y += IF_H + 12;
      return b;
    });
    const axisY = y;
    const height = axisY + 26;

    const root = svg("svg", {
      "class": "tl-svg", width, height,
      viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": this.describe()
    });
    const grid = svg("g", { "class": "tl-grid" }, root);
    const step = tickStep(domain, Math.floor((x1 - x0) / (narrow ? 64 : 80)));
    for (let tk = 0; tk <= domain + 1e-9; tk += step) {
      const gx = r1(sx(tk));
      svg("line", { x1: gx, x2: gx, y1: 4, y2: axisY, "class": "tl-gridline" }, grid);
    }
    blocks.forEach((b) => this.drawTrace(root, b, sx, x0, x1, labelW, IF_H, multi));

    // Time axis, shared by every trace.
    const axis = svg("g", { "class": "tl-axis" }, root);
    svg("line", { x1: x0, x2: x1, y1: axisY, y2: axisY, "class": "tl-axisline" }, axis);
    for (let k = 0; k <= domain + 1e-9; k += step) {
      const ax = r1(sx(k));
      svg("line", { x1: ax, x2: ax, y1: axisY, y2: axisY + 4, "class": "tl-axisline" }, axis);
      const text = k === 0 ? "0" : fmtMs(k);
      const anchor = k === 0 ? "start" : ax + text.length * 3.4 > width ? "end" : "middle";
      const label = svg("text", { x: ax, y: axisY + 17, "text-anchor": anchor, "class": "tl-ticklabel" }, axis);
      label.textContent = text;
    }
    const unit = svg("text", { x: 2, y: axisY + 17, "class": "tl-ticklabel tl-unit" }, axis);
    unit.textContent = "时间 →";

    plot.appendChild(root);
    this.drawCaption();
    this.drawLegend();
  }

  drawTrace(root, b, sx, x0, x1, labelW, IF_H, multi) {
    const t = b.trace;
    const H = b.laneH;
    const g = svg("g", { "class": "tl-trace tl-role-" + t.role }, root);
    const ghost = multi ? null : this.shownGhost();
    if (multi) {
      const head = svg("text", { x: 2, y: b.head + 15, "class": "tl-head" }, g);
      head.textContent = fitHead(t, this.traces, x1);
    }
    const showLabels = H >= 9;
    const fontSize = Math.min(12, H - 3);
    const labelEvery = showLabels ? 1 : Math.ceil(10 / H);
    const now = t.now();
    t.lanes.forEach((lane, i) => {
      const ly = b.lanesTop + i * H;
      if (i % 2 === 0) svg("rect", { x: 0, y: ly, width: x1, height: H, "class": "tl-stripe" }, g);
      if (i % labelEvery === 0) {
        const text = svg("text", {
          x: labelW - 6, y: ly + H / 2, "text-anchor": "end", "dominant-baseline": "central",
          "class": "tl-label", "font-size": showLabels ? fontSize : 9
        }, g);
        text.textContent = fitLabel(lane.task, labelW - 10, showLabels ? fontSize : 9);
        if (text.textContent !== lane.task) svg("title", {}, text).textContent = lane.task;
      }
      const bh = Math.max(2, Math.round(H * 0.62));
      const by = ly + (H - bh) / 2;
      const gl = ghost && ghost.laneOf[lane.task];
      if (gl) {
        gl.bars.forEach((bar) => {
          const x = sx(bar.s);
          svg("rect", { x: r1(x), y: r1(by), width: r1(Math.max(1.5, sx(bar.e === null ? ghost.now() : bar.e) - x)), height: bh, "class": "tl-ghost" }, g);
        });
      }
      // Queued: a thin grey segment from the wait to the start.
      const wh = Math.max(2, Math.round(bh * 0.45));
      const wy = ly + (H - wh) / 2;
      lane.waits.forEach((w) => {
        const open = w.e === null;
        const x = sx(w.s);
        const rect = svg("rect", {
          x: r1(x), y: r1(wy), width: r1(Math.max(1.5, sx(open ? now : w.e) - x)), height: wh, "class": "tl-wait" + (open && t.done ? " cut" : ""),
          "data-task": lane.task
        }, g);
        svg("title", {}, rect).textContent = lane.task + " · 排队 " + fmtMs(w.s) + " → " +
          (open ? (t.done ? "没等到" : "还在等") : fmtMs(w.e) + "（" + fmtMs(w.e - w.s) + "）");
        if (open && !t.done) this.live.push({ rect, trace: t, x: r1(x) });
      });
      lane.bars.forEach((bar) => {
        const open = bar.e === null;
        const end = open ? now : bar.e;
        let cls = "tl-bar ";
        if (open && !t.done) cls += "open";
        else if (open) cls += "cut";
        else cls += "k-" + kindOf(bar.status);
        const x = sx(bar.s);
        const rect = svg("rect", {
          x: r1(x), y: r1(by), width: r1(Math.max(1.5, sx(end) - x)), height: bh, rx: Math.min(3, bh / 3), "class": cls,
          "data-task": lane.task
        }, g);
        const title = lane.task + " · " + fmtMs(bar.s) + " → " + (open ? (t.done ? "被打断" : "进行中") : fmtMs(bar.e) + "（" + fmtMs(bar.e - bar.s) + "）· " + (bar.status || "结束"));
        svg("title", {}, rect).textContent = title;
        if (open && !t.done) this.live.push({ rect, trace: t, x: r1(x) });
      });
      const pr = Math.max(1.6, Math.min(3.6, H * 0.2));
      lane.points.forEach((p) => {
        const c = svg("circle", { cx: r1(sx(p.t)), cy: r1(ly + H / 2), r: pr, "class": "tl-point k-" + kindOf(p.status) }, g);
        svg("title", {}, c).textContent = lane.task + " · " + fmtMs(p.t) + (p.status ? " · " + p.status : "");
      });
    });

    // The runtime's start-up before the program's first instruction: a
    // labelled gap, so it is not read as the program's time.
    if (t.startup > 0) {
      const xs = sx(t.startup);
      const band = svg("rect", { x: x0, y: b.lanesTop, width: r1(Math.max(1, xs - x0)), height: b.ifTop + IF_H - b.lanesTop, "class": "tl-startup" }, g);
      const label = t.startupKind + " " + fmtSecs(t.startup);
      const lt = svg("text", { x: r1(x0 + 4), y: b.lanesTop + 12, "class": "tl-startup-label" }, g);
      lt.textContent = textWidth(label, 11) + 8 <= xs - x0 ? label : t.startupKind === "解释器启动" ? "启动" : label.split(" ")[0];
      svg("title", {}, band).textContent = label + "：程序的第一条语句之前；程序自己的用时从这里算起";
      svg("line", { x1: r1(xs), x2: r1(xs), y1: b.lanesTop, y2: b.ifTop + IF_H, "class": "tl-startup-edge" }, g);
    }

    // In flight over time: a step line, the maximum marked, the cap drawn.
    const top = b.ifTop;
    const bottom = top + IF_H;
    let yMax = Math.max(1, t.max, ghost ? ghost.max : 0);
    const capShown = t.cap !== null && t.cap <= Math.max(3 * t.max, 4);
    if (capShown) yMax = Math.max(yMax, t.cap);
    const sy = (n) => bottom - (IF_H - 6) * n / yMax;
    svg("rect", { x: x0, y: top, width: x1 - x0, height: IF_H, "class": "tl-if-bg" }, g);
    const caption = svg("text", { x: labelW - 6, y: top + IF_H / 2, "text-anchor": "end", "dominant-baseline": "central", "class": "tl-label tl-if-caption" }, g);
    caption.textContent = "同时进行";
    let d = "M" + r1(sx(0)) + " " + r1(sy(0));
    t.steps.forEach((s) => { d += "H" + r1(sx(s.t)) + "V" + r1(sy(s.n)); });
    const tail = svg("path", { d: d + "H" + r1(sx(now)), "class": "tl-if-line" }, g);
    const area = svg("path", { d: d + "H" + r1(sx(now)) + "V" + bottom + "H" + r1(sx(0)) + "Z", "class": "tl-if-area" }, g);
    g.insertBefore(area, tail);
    if (!t.done) this.live.push({ path: tail, area, d, trace: t, bottom, x0: r1(sx(0)) });
    if (ghost) {
      let gd = "M" + r1(sx(0)) + " " + r1(sy(0));
      ghost.steps.forEach((s) => { gd += "H" + r1(sx(s.t)) + "V" + r1(sy(s.n)); });
      const gp = svg("path", { d: gd + "H" + r1(sx(ghost.now())), "class": "tl-ghost-line" }, g);
      g.insertBefore(gp, area);
      const ge = r1(sx(ghost.now()));
      svg("line", { x1: ge, x2: ge, y1: b.lanesTop, y2: bottom, "class": "tl-ghost-end" }, g);
      const gt = svg("text", { x: ge - 3, y: bottom - 4, "text-anchor": "end", "class": "tl-ghost-label" }, g);
      gt.textContent = "上次 " + fmtSecs(ghost.programMs()) + paramText(ghost, [ghost, t]);
    }
    // Above the cap, in red: more in flight than the limit allows.
    if (t.cap !== null && t.max > t.cap) {
      let od = "";
      for (let i = 0; i < t.steps.length; i++) {
        const s = t.steps[i];
        if (s.n <= t.cap) continue;
        const end = i + 1 < t.steps.length ? t.steps[i + 1].t : now;
        od += "M" + r1(sx(s.t)) + " " + r1(sy(t.cap)) + "V" + r1(sy(s.n)) + "H" + r1(sx(end)) + "V" + r1(sy(t.cap)) + "Z";
      }
      if (od) svg("path", { d: od, "class": "tl-if-over" }, g);
    }
    if (capShown) {
      const cy = r1(sy(t.cap));
      svg("line", { x1: x0, x2: x1, y1: cy, y2: cy, "class": "tl-cap" }, g);
      const capText = svg("text", { x: x1, y: cy - 3, "text-anchor": "end", "class": "tl-cap-label" }, g);
      capText.textContent = "上限 " + t.cap;
    }
    if (t.max > 0) {
      const my = r1(sy(t.max));
      svg("line", { x1: r1(sx(t.maxAt)), x2: x1, y1: my, y2: my, "class": "tl-max" }, g);
      svg("circle", { cx: r1(sx(t.maxAt)), cy: my, r: 3, "class": "tl-max-dot" }, g);
      const mx = sx(t.maxAt);
      const maxText = svg("text", {
        x: r1(mx + 6), y: capShown && t.cap === t.max ? my + 12 : my - 3,
        "class": "tl-max-label", "text-anchor": mx > (x0 + x1) / 2 ? "end" : "start"
      }, g);
      if (mx > (x0 + x1) / 2) maxText.setAttribute("x", r1(mx - 6));
      maxText.textContent = "最多 " + t.max + " 个";
    }
  }

  // Between events only the open bars and the end of the in-flight line
  // move; everything else stays as drawn.
  moveLive() {
    const sx = this.scale;
    if (!sx || !this.live.length) return;
    this.live.forEach((n) => {
      const now = n.trace.now();
      if (n.rect) {
        n.rect.setAttribute("width", r1(Math.max(1.5, sx(now) - n.x)));
      } else {
        const xe = r1(sx(now));
        n.path.setAttribute("d", n.d + "H" + xe);
        n.area.setAttribute("d", n.d + "H" + xe + "V" + n.bottom + "H" + n.x0 + "Z");
      }
    });
    this.drawCaption();
  }

  describe() {
    const t = this.traces[0];
    if (!t) return "时间线";
    if (this.traces.length > 1) return "两次运行的时间线：" + this.compareText();
    return "时间线：" + t.tasks() + " 个任务，最多同时进行 " + t.max + " 个" + (t.done ? "，用时 " + fmtSecs(t.now()) : "，运行中");
  }

  compareText() {
    const a = this.traces[0];
    const b = this.traces[1];
    let text = "A " + named(a, this.traces) + " " + a.state() + " · B " + named(b, this.traces) + " " + b.state();
    // A ratio only means something when both runs went to the end.
    if (a.done && b.done && a.ok && b.ok) {
      const ea = a.programMs();
      const eb = b.programMs();
      if (ea > 0 && eb > 0) {
        const r = ea / eb; // the programs' own times: start-ups left out
        text += r >= 1
          ? " · A 用时是 B 的 " + ratio(r) + " 倍"
          : " · B 用时是 A 的 " + ratio(1 / r) + " 倍";
      }
    }
    return text;
  }

  drawCaption() {
    const t = this.traces[0];
    if (!t) return;
    let text;
    if (this.traces.length > 1) {
      text = this.compareText();
    } else {
      const parts = [];
      if (this.mode === "repeat" && this.series) parts.push("第 " + this.series.round + " / " + this.series.rounds + " 次");
      parts.push(t.tasks() + " 个任务");
      if (!t.done) parts.push("正在进行 " + t.inFlightNow() + " 个");
      let most = "最多同时进行 " + t.max + " 个";
      if (t.cap !== null) most += t.max <= t.cap ? "（上限 " + t.cap + "，从未超过）" : "（超过了上限 " + t.cap + "！）";
      parts.push(most);
      if (t.waits) parts.push("排队最久 " + fmtMs(t.longestWait));
      parts.push(t.state());
      text = parts.join(" · ");
    }
    if (this.summary.textContent !== text) this.summary.textContent = text;
  }

  drawLegend() {
    const seen = {};
    let open = false;
    let cut = false;
    let points = false;
    let waits = false;
    let over = false;
    let startup = "";
    this.traces.forEach((t) => {
      if (t.waits) waits = true;
      if (t.cap !== null && t.max > t.cap) over = true;
      if (t.startup > 0) startup = t.startupKind;
      t.lanes.forEach((l) => {
        l.bars.forEach((b) => {
          if (b.e === null) {
            if (t.done) cut = true;
            else open = true;
            return;
          }
          const k = kindOf(b.status);
          (seen[k] = seen[k] || {})[b.status || "（无状态）"] = true;
        });
        if (l.points.length) points = true;
      });
    });
    const ul = this.legend;
    ul.textContent = "";
    const item = (cls, text) => {
      const li = html("li", cls, ul);
      html("span", "swatch", li);
      html("span", null, li, text);
    };
    KIND_ORDER.forEach((k) => {
      if (seen[k]) item("k-" + k, Object.keys(seen[k]).slice(0, 4).map(statusWords).join(" / "));
    });
    if (open) item("open", "进行中");
    if (cut) item("cut", "被打断");
    if (points) item("point", "瞬时事件");
    if (waits) item("wait", "排队（等名额）");
    if (startup) item("startup", startup + "（不算程序用时）");
    item("inflight", "同时进行的任务数");
    if (over) item("over", "超过上限");
    if (this.shownGhost()) item("ghost", "上一次运行");
  }
}

// ---- labels ----------------------------------------------------------------
function ratio(r) {
  return r >= 10 ? r.toFixed(0) : r.toFixed(r >= 2 ? 1 : 2);
}

// fitHead is the title line of one trace in a comparison, as long as the
// width allows: role, demo, what differs, how it ended.
function fitHead(t, traces, width) {
  const role = t.role.toUpperCase();
  const sameDemo = traces.every((o) => o.demo === t.demo);
  const params = paramText(t, traces);
  const rt = named(t, traces).slice(t.demo.length);
  const tries = [
    role + " · " + t.demo + rt + params + " — " + t.state(),
    role + (sameDemo ? "" : " · " + t.demo) + rt + params + " — " + t.state(),
    role + (sameDemo ? rt + params : " · " + t.demo + rt) + " — " + t.state()
  ];
  for (let i = 0; i < tries.length; i++) if (textWidth(tries[i], 12.5) <= width) return tries[i];
  let last = tries[tries.length - 1];
  while (last.length > 4 && textWidth(last + "…", 12.5) > width) last = last.slice(0, -1);
  return last + "…";
}

// named is a trace's demo, and its runtime when the traces ran in two.
function named(t, traces) {
  return traces.some((o) => o.runtime !== t.runtime) ? t.demo + " · " + runtimeName(t.runtime) : t.demo;
}

// textWidth estimates the width of bold sans text: CJK characters are
// square, Latin ones a little over half as wide.
function textWidth(s, font) {
  let w = 0;
  for (const ch of s) w += /[\u2E80-\uFFEF]/.test(ch) ? font : font * 0.6;
  return w;
}

// paramText names the parameters that tell the traces of a comparison
// apart: all of them when the demos differ, else those that differ.
function paramText(t, traces) {
  const p = t.params;
  if (!p) return "";
  const others = traces.filter((o) => o !== t && o.demo === t.demo && o.params);
  const keys = Object.keys(p).filter((k) => others.length === 0 || others.some((o) => o.params[k] !== p[k]));
  if (!keys.length) return others.length ? "（参数相同）" : "";
  return "（" + keys.map((k) => k + "=" + p[k]).join(" ") + "）";
}

// fitLabel shortens a lane label to what fits, keeping both ends: "blocking
// call (in the loop)" reads better as "blocking…loop)" than cut off.
function fitLabel(s, px, font) {
  const max = Math.max(3, Math.floor(px / (font * 0.62)));
  if (s.length <= max) return s;
  const head = Math.ceil((max - 1) * 0.6);
  const tail = max - 1 - head;
  return s.slice(0, head) + "…" + (tail > 0 ? s.slice(s.length - tail) : "");
}
