// The live timeline of a demo panel: one swimlane per task, bars growing
// while a task runs, dots for instant events, the number of tasks in flight
// underneath (counted by the server, drawn here), and for "run ×N" a small
// histogram of the orders in which tasks finished.
//
// It only listens: course.js announces every run on its section with
// "demo-start" (detail: id, demo, mode single|compare|repeat, role a|b,
// runDemo, round, rounds), every server frame with "demo-frame" and the end
// with "demo-exit". Drawing is plain SVG built with DOM calls; colours come
// from timeline.css, so both themes and the strict CSP just work.
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  // Parameters that cap how many tasks may be in flight: drawn as a limit
  // line on the in-flight chart, so a semaphore is seen to hold.
  var CAP_PARAMS = ["limit", "parallel"];

  function svg(name, attrs, parent) {
    var e = document.createElementNS(SVGNS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(name, cls, parent, text) {
    var e = document.createElement(name);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function r1(x) { return Math.round(x * 10) / 10; }

  // ---- times ------------------------------------------------------------
  function fmtMs(ms) {
    if (ms >= 1000) return trim(ms / 1000, ms >= 10000 ? 1 : 2) + " s";
    return trim(ms, ms >= 10 ? 0 : 1) + " ms";
  }
  function trim(x, digits) { return String(Number(x.toFixed(digits))); }
  function fmtSecs(ms) { return (ms / 1000).toFixed(2) + " s"; }

  // A domain end that only moves in visible jumps while a run grows, so the
  // bars do not creep leftwards every frame.
  var NICE = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
  function niceCeil(x) {
    x = Math.max(x, 50);
    var p = Math.pow(10, Math.floor(Math.log10(x)));
    for (var i = 0; i < NICE.length; i++) if (NICE[i] * p >= x * 0.999) return NICE[i] * p;
    return 10 * p;
  }
  function tickStep(domain, maxTicks) {
    var raw = domain / Math.max(1, maxTicks);
    var p = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= raw) return steps[i] * p;
    return 10 * p;
  }

  // ---- statuses ---------------------------------------------------------
  // The status is free text; colour says what kind of ending it was.
  function kindOf(status) {
    var s = String(status || "").toLowerCase();
    if (s === "") return "other";
    if (/^(ok|done|returned|success|200)\b/.test(s)) return "ok";
    if (/stop|cancel/.test(s)) return "stopped";
    if (/404|not ?found|missing|timeout|timed out/.test(s)) return "warn";
    if (/err|fail|panic|5\d\d|invalid|refused/.test(s)) return "error";
    return "other";
  }
  var KIND_ORDER = ["ok", "warn", "error", "stopped", "other"];

  // ---- one run ----------------------------------------------------------
  function Trace(detail) {
    this.id = detail.id;
    this.role = detail.role || "a";
    this.demo = detail.runDemo || detail.demo;
    this.lanes = [];
    this.laneOf = {};
    this.steps = [{ t: 0, n: 0 }];
    this.max = 0;
    this.maxAt = 0;
    this.last = 0;
    this.startedAt = null;
    this.done = false;
    this.elapsed = null;
    this.ok = null;
    this.error = "";
    this.cap = null;
    this.params = null;
    this.order = null;
  }
  Trace.prototype.lane = function (task) {
    var l = this.laneOf[task];
    if (!l) {
      l = { task: task, bars: [], points: [] };
      this.laneOf[task] = l;
      this.lanes.push(l);
    }
    return l;
  };
  Trace.prototype.event = function (ev, inFlight) {
    var lane = this.lane(ev.task);
    var t = Number(ev.t_ms) || 0;
    this.last = Math.max(this.last, t);
    if (ev.phase === "start") {
      lane.bars.push({ s: t, e: null, status: "" });
    } else if (ev.phase === "end") {
      var open = null;
      for (var i = lane.bars.length - 1; i >= 0; i--) if (lane.bars[i].e === null) { open = lane.bars[i]; break; }
      if (open) { open.e = t; open.status = ev.status || ""; }
      else lane.points.push({ t: t, status: ev.status || "" }); // an end nobody started: still worth a mark
    } else {
      lane.points.push({ t: t, status: ev.status || "" });
    }
    if (typeof inFlight === "number") {
      this.steps.push({ t: t, n: inFlight });
      if (inFlight > this.max) { this.max = inFlight; this.maxAt = t; }
    }
  };
  // now is how far the run has got, in its own milliseconds: while it runs,
  // the time since "started" arrived (never behind the last event).
  Trace.prototype.now = function () {
    if (this.done) return Math.max(this.elapsed || 0, this.last);
    if (this.startedAt === null) return this.last;
    return Math.max(this.last, performance.now() - this.startedAt);
  };
  // tasks counts the lanes with at least one start: a lane of instants
  // only (a callback firing, a file written) is not a task.
  Trace.prototype.tasks = function () {
    return this.lanes.filter(function (l) { return l.bars.length > 0; }).length;
  };
  Trace.prototype.inFlightNow = function () { return this.steps[this.steps.length - 1].n; };
  Trace.prototype.openBars = function () {
    var n = 0;
    this.lanes.forEach(function (l) { l.bars.forEach(function (b) { if (b.e === null) n++; }); });
    return n;
  };

  // ---- the view of one panel ---------------------------------------------
  function View(section) {
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
    this.live = []; // nodes that move every animation frame
    var self = this;
    section.addEventListener("demo-start", function (e) { self.onStart(e.detail || {}); });
    section.addEventListener("demo-frame", function (e) { self.onFrame(e.detail || {}); });
    section.addEventListener("demo-exit", function (e) { self.onExit(e.detail || {}); });
    if (window.ResizeObserver) {
      var lastWidth = 0;
      new ResizeObserver(function () {
        var w = self.plot.clientWidth;
        if (w !== lastWidth) { lastWidth = w; if (self.traces.length) self.draw(); }
      }).observe(this.plot);
    }
  }

  View.prototype.onStart = function (d) {
    var t = new Trace(d);
    if (d.mode === "compare" && d.role === "b") {
      this.traces.push(t);
    } else {
      this.traces = [t];
      this.byId = {};
    }
    this.byId[t.id] = t;
    this.mode = d.mode || "single";
    if (this.mode === "repeat") {
      if (d.round === 1 || !this.series) this.series = { rounds: d.rounds, round: d.round, runs: [] };
      this.series.round = d.round;
    } else {
      this.series = null;
      if (this.ordersBox) { this.ordersBox.hidden = true; this.ordersBox.textContent = ""; }
    }
    this.figure.classList.add("has-data");
    this.changed();
  };

  View.prototype.onFrame = function (msg) {
    var t = this.byId[msg.id];
    if (!t) return;
    switch (msg.type) {
      case "started":
        t.startedAt = performance.now();
        t.params = msg.params || {};
        for (var i = 0; i < CAP_PARAMS.length; i++) {
          var v = Number(t.params[CAP_PARAMS[i]]);
          if (t.params[CAP_PARAMS[i]] !== undefined && isFinite(v) && v > 0) { t.cap = v; break; }
        }
        break;
      case "event":
        if (msg.event) t.event(msg.event, msg.in_flight);
        break;
      case "exit":
        t.done = true;
        t.ok = !!msg.ok;
        t.error = msg.error || "";
        t.elapsed = msg.elapsed_ms || 0;
        if (typeof msg.max_in_flight === "number" && msg.max_in_flight >= t.max) t.max = msg.max_in_flight;
        if (typeof msg.max_at_ms === "number" && msg.max_in_flight === t.max) t.maxAt = msg.max_at_ms;
        t.order = msg.order || null;
        if (this.mode === "repeat" && this.series && t.error !== "stopped" && t.error !== "timeout") {
          this.series.runs.push({ order: t.order || [], elapsed: t.elapsed, ok: t.ok });
          this.drawOrders();
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
  };

  // A run that ended without an exit frame (the connection dropped) stops
  // growing where it was.
  View.prototype.onExit = function (d) {
    var t = this.byId[d.id];
    if (!t || t.done) return;
    t.elapsed = t.now();
    t.done = true;
    t.ok = false;
    t.error = d.error || "lost";
    this.changed();
  };

  View.prototype.clear = function () {
    this.traces = [];
    this.byId = {};
    this.plot.textContent = "";
    this.legend.textContent = "";
    this.summary.textContent = this.placeholder;
    this.figure.classList.remove("has-data");
  };

  View.prototype.changed = function () {
    this.dirty = true;
    this.schedule();
  };
  View.prototype.schedule = function () {
    if (this.frame) return;
    var self = this;
    this.frame = requestAnimationFrame(function () {
      self.frame = 0;
      self.tick();
    });
  };
  View.prototype.running = function () {
    return this.traces.some(function (t) { return !t.done && t.startedAt !== null; });
  };
  View.prototype.currentDomain = function () {
    var end = 0;
    this.traces.forEach(function (t) { end = Math.max(end, t.now()); });
    return niceCeil(end);
  };
  // tick redraws after new events or a jump of the time axis; otherwise it
  // only stretches the open bars, at most 30 times a second (smooth to the
  // eye, and half the painting of every frame on a phone).
  View.prototype.tick = function () {
    var domain = this.currentDomain();
    var now = performance.now();
    if (this.dirty || domain !== this.domain) {
      this.draw();
      this.moved = now;
    } else if (now - (this.moved || 0) >= 32) {
      this.moveLive();
      this.moved = now;
    }
    if (this.running()) this.schedule();
  };

  // ---- drawing ----------------------------------------------------------
  View.prototype.draw = function () {
    this.dirty = false;
    var traces = this.traces;
    var plot = this.plot;
    plot.textContent = "";
    this.live = [];
    if (!traces.length) return;
    var domain = this.domain = this.currentDomain();
    var width = Math.max(280, plot.clientWidth || 600);
    var narrow = width < 480;

    var longest = 0;
    traces.forEach(function (t) { t.lanes.forEach(function (l) { longest = Math.max(longest, l.task.length); }); });
    // Lane labels are monospace, about 0.6em a character at 12px.
    var labelW = Math.round(Math.min(Math.max(longest * 7.6 + 16, 62), narrow ? width * 0.3 : Math.min(180, width * 0.32)));
    var x0 = labelW, x1 = width - 14;
    var sx = this.scale = function (t) { return x0 + (x1 - x0) * Math.min(t, domain) / domain; };
    var multi = traces.length > 1;
    var IF_H = 44;

    // Layout first (heights), then draw into one SVG.
    var y = 6;
    var blocks = traces.map(function (t) {
      var b = { trace: t, head: 0, lanesTop: 0, laneH: 0 };
      if (multi) { b.head = y; y += 22; }
      var n = Math.max(1, t.lanes.length);
      b.laneH = n <= 8 ? 22 : n <= 16 ? 16 : n <= 48 ? 13 : Math.max(4, Math.floor(620 / n));
      b.lanesTop = y;
      y += n * b.laneH + 8;
      b.ifTop = y;
      y += IF_H + 12;
      return b;
    });
    var axisY = y;
    var height = axisY + 26;

    var root = svg("svg", {
      "class": "tl-svg", width: width, height: height,
      viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": this.describe()
    });
    var grid = svg("g", { "class": "tl-grid" }, root);
    var step = tickStep(domain, Math.floor((x1 - x0) / (narrow ? 64 : 80)));
    for (var tk = 0; tk <= domain + 1e-9; tk += step) {
      var gx = r1(sx(tk));
      svg("line", { x1: gx, x2: gx, y1: 4, y2: axisY, "class": "tl-gridline" }, grid);
    }
    var self = this;
    blocks.forEach(function (b) { self.drawTrace(root, b, sx, x0, x1, labelW, IF_H, multi); });

    // Time axis, shared by every trace.
    var axis = svg("g", { "class": "tl-axis" }, root);
    svg("line", { x1: x0, x2: x1, y1: axisY, y2: axisY, "class": "tl-axisline" }, axis);
    for (var k = 0; k <= domain + 1e-9; k += step) {
      var ax = r1(sx(k));
      svg("line", { x1: ax, x2: ax, y1: axisY, y2: axisY + 4, "class": "tl-axisline" }, axis);
      var text = k === 0 ? "0" : fmtMs(k);
      var anchor = k === 0 ? "start" : ax + text.length * 3.4 > width ? "end" : "middle";
      var label = svg("text", { x: ax, y: axisY + 17, "text-anchor": anchor, "class": "tl-ticklabel" }, axis);
      label.textContent = text;
    }
    var unit = svg("text", { x: 2, y: axisY + 17, "class": "tl-ticklabel tl-unit" }, axis);
    unit.textContent = "时间 →";

    plot.appendChild(root);
    this.drawCaption();
    this.drawLegend();
  };

  View.prototype.drawTrace = function (root, b, sx, x0, x1, labelW, IF_H, multi) {
    var t = b.trace, H = b.laneH;
    var g = svg("g", { "class": "tl-trace tl-role-" + t.role }, root);
    if (multi) {
      var head = svg("text", { x: 2, y: b.head + 15, "class": "tl-head" }, g);
      head.textContent = fitHead(t, this.traces, x1);
    }
    var showLabels = H >= 9;
    var fontSize = Math.min(12, H - 3);
    var labelEvery = showLabels ? 1 : Math.ceil(10 / H);
    var now = t.now();
    t.lanes.forEach(function (lane, i) {
      var ly = b.lanesTop + i * H;
      if (i % 2 === 0) svg("rect", { x: 0, y: ly, width: x1, height: H, "class": "tl-stripe" }, g);
      if (i % labelEvery === 0) {
        var text = svg("text", {
          x: labelW - 6, y: ly + H / 2, "text-anchor": "end", "dominant-baseline": "central",
          "class": "tl-label", "font-size": showLabels ? fontSize : 9
        }, g);
        text.textContent = fitLabel(lane.task, labelW - 10, showLabels ? fontSize : 9);
        if (text.textContent !== lane.task) svg("title", {}, text).textContent = lane.task;
      }
      var bh = Math.max(2, Math.round(H * 0.62));
      var by = ly + (H - bh) / 2;
      lane.bars.forEach(function (bar) {
        var open = bar.e === null;
        var end = open ? now : bar.e;
        var cls = "tl-bar ";
        if (open && !t.done) cls += "open";
        else if (open) cls += "cut";
        else cls += "k-" + kindOf(bar.status);
        var x = sx(bar.s);
        var rect = svg("rect", {
          x: r1(x), y: r1(by), width: r1(Math.max(1.5, sx(end) - x)), height: bh, rx: Math.min(3, bh / 3), "class": cls
        }, g);
        var title = lane.task + " · " + fmtMs(bar.s) + " → " + (open ? (t.done ? "被打断" : "进行中") : fmtMs(bar.e) + "（" + fmtMs(bar.e - bar.s) + "）· " + (bar.status || "结束"));
        svg("title", {}, rect).textContent = title;
        if (open && !t.done) this.live.push({ rect: rect, trace: t, x: r1(x) });
      }, this);
      var pr = Math.max(1.6, Math.min(3.6, H * 0.2));
      lane.points.forEach(function (p) {
        var c = svg("circle", { cx: r1(sx(p.t)), cy: r1(ly + H / 2), r: pr, "class": "tl-point k-" + kindOf(p.status) }, g);
        svg("title", {}, c).textContent = lane.task + " · " + fmtMs(p.t) + (p.status ? " · " + p.status : "");
      });
    }, this);

    // In flight over time: a step line, the maximum marked, the cap drawn.
    var top = b.ifTop, bottom = top + IF_H;
    var yMax = Math.max(1, t.max);
    var capShown = t.cap !== null && t.cap <= Math.max(3 * t.max, 4);
    if (capShown) yMax = Math.max(yMax, t.cap);
    var sy = function (n) { return bottom - (IF_H - 6) * n / yMax; };
    svg("rect", { x: x0, y: top, width: x1 - x0, height: IF_H, "class": "tl-if-bg" }, g);
    var caption = svg("text", { x: labelW - 6, y: top + IF_H / 2, "text-anchor": "end", "dominant-baseline": "central", "class": "tl-label tl-if-caption" }, g);
    caption.textContent = "同时进行";
    var d = "M" + r1(sx(0)) + " " + r1(sy(0));
    t.steps.forEach(function (s) { d += "H" + r1(sx(s.t)) + "V" + r1(sy(s.n)); });
    var tail = svg("path", { d: d + "H" + r1(sx(now)), "class": "tl-if-line" }, g);
    var area = svg("path", { d: d + "H" + r1(sx(now)) + "V" + bottom + "H" + r1(sx(0)) + "Z", "class": "tl-if-area" }, g);
    g.insertBefore(area, tail);
    if (!t.done) this.live.push({ path: tail, area: area, d: d, trace: t, bottom: bottom, x0: r1(sx(0)) });
    if (capShown) {
      var cy = r1(sy(t.cap));
      svg("line", { x1: x0, x2: x1, y1: cy, y2: cy, "class": "tl-cap" }, g);
      var capText = svg("text", { x: x1, y: cy - 3, "text-anchor": "end", "class": "tl-cap-label" }, g);
      capText.textContent = "上限 " + t.cap;
    }
    if (t.max > 0) {
      var my = r1(sy(t.max));
      svg("line", { x1: r1(sx(t.maxAt)), x2: x1, y1: my, y2: my, "class": "tl-max" }, g);
      svg("circle", { cx: r1(sx(t.maxAt)), cy: my, r: 3, "class": "tl-max-dot" }, g);
      var mx = sx(t.maxAt);
      var maxText = svg("text", {
        x: r1(mx + 6), y: capShown && t.cap === t.max ? my + 12 : my - 3,
        "class": "tl-max-label", "text-anchor": mx > (x0 + x1) / 2 ? "end" : "start"
      }, g);
      if (mx > (x0 + x1) / 2) maxText.setAttribute("x", r1(mx - 6));
      maxText.textContent = "最多 " + t.max + " 个";
    }
  };

  // Between events only the open bars and the end of the in-flight line
  // move; everything else stays as drawn.
  View.prototype.moveLive = function () {
    var sx = this.scale;
    if (!sx || !this.live.length) return;
    this.live.forEach(function (n) {
      var now = n.trace.now();
      if (n.rect) {
        n.rect.setAttribute("width", r1(Math.max(1.5, sx(now) - n.x)));
      } else {
        var xe = r1(sx(now));
        n.path.setAttribute("d", n.d + "H" + xe);
        n.area.setAttribute("d", n.d + "H" + xe + "V" + n.bottom + "H" + n.x0 + "Z");
      }
    });
    this.drawCaption();
  };

  View.prototype.describe = function () {
    var t = this.traces[0];
    if (!t) return "时间线";
    if (this.traces.length > 1) return "两次运行的时间线：" + this.compareText();
    return "时间线：" + t.tasks() + " 个任务，最多同时进行 " + t.max + " 个" + (t.done ? "，用时 " + fmtSecs(t.now()) : "，运行中");
  };

  View.prototype.compareText = function () {
    var a = this.traces[0], b = this.traces[1];
    var text = "A " + a.demo + " " + traceState(a) + " · B " + b.demo + " " + traceState(b);
    // A ratio only means something when both runs went to the end.
    if (a.done && b.done && a.ok && b.ok) {
      var ea = a.now(), eb = b.now();
      if (ea > 0 && eb > 0) {
        var r = ea / eb;
        text += r >= 1
          ? " · A 用时是 B 的 " + ratio(r) + " 倍"
          : " · B 用时是 A 的 " + ratio(1 / r) + " 倍";
      }
    }
    return text;
  };
  function ratio(r) { return r >= 10 ? r.toFixed(0) : r.toFixed(r >= 2 ? 1 : 2); }

  View.prototype.drawCaption = function () {
    var t = this.traces[0];
    if (!t) return;
    var text;
    if (this.traces.length > 1) {
      text = this.compareText();
    } else {
      var parts = [];
      if (this.mode === "repeat" && this.series) parts.push("第 " + this.series.round + " / " + this.series.rounds + " 次");
      parts.push(t.tasks() + " 个任务");
      if (!t.done) parts.push("正在进行 " + t.inFlightNow() + " 个");
      var most = "最多同时进行 " + t.max + " 个";
      if (t.cap !== null) most += t.max <= t.cap ? "（上限 " + t.cap + "，从未超过）" : "（超过了上限 " + t.cap + "！）";
      parts.push(most);
      parts.push(traceState(t));
      text = parts.join(" · ");
    }
    if (this.summary.textContent !== text) this.summary.textContent = text;
  };

  View.prototype.drawLegend = function () {
    var seen = {}, open = false, cut = false, points = false;
    this.traces.forEach(function (t) {
      t.lanes.forEach(function (l) {
        l.bars.forEach(function (b) {
          if (b.e === null) { if (t.done) cut = true; else open = true; return; }
          var k = kindOf(b.status);
          (seen[k] = seen[k] || {})[b.status || "（无状态）"] = true;
        });
        if (l.points.length) points = true;
      });
    });
    var ul = this.legend;
    ul.textContent = "";
    KIND_ORDER.forEach(function (k) {
      if (!seen[k]) return;
      var li = html("li", "k-" + k, ul);
      html("span", "swatch", li);
      html("span", null, li, Object.keys(seen[k]).slice(0, 4).join(" / "));
    });
    if (open) { var li = html("li", "open", ul); html("span", "swatch", li); html("span", null, li, "进行中"); }
    if (cut) { var lc = html("li", "cut", ul); html("span", "swatch", lc); html("span", null, lc, "被打断"); }
    if (points) { var lp = html("li", "point", ul); html("span", "swatch", lp); html("span", null, lp, "瞬时事件"); }
    var lf = html("li", "inflight", ul); html("span", "swatch", lf); html("span", null, lf, "同时进行的任务数");
  };

  // ---- run ×N: the orders tasks finished in ------------------------------
  View.prototype.drawOrders = function () {
    var box = this.ordersBox, s = this.series;
    if (!box || !s) return;
    var groups = [], index = {};
    s.runs.forEach(function (run) {
      var key = JSON.stringify(run.order);
      if (index[key] === undefined) { index[key] = groups.length; groups.push({ order: run.order, runs: 0 }); }
      groups[index[key]].runs++;
    });
    var stable = groups.slice();
    stable.sort(function (a, b) { return b.runs - a.runs; }); // Array sort is stable: ties keep first appearance
    box.hidden = false;
    box.textContent = "";
    html("h3", null, box, "完成顺序：" + s.runs.length + " 次运行，出现了 " + groups.length + " 种");
    var note = groups.length === 1 && s.runs.length > 1
      ? "每次都一样：这段程序里任务结束的先后是确定的。"
      : "每一行是一种顺序（任务按结束的先后排列），条的长度是出现的次数" +
        (stable[0].runs > 1 && stable.length > 1 ? "；和最常见的顺序不同的位置标了颜色。" : "。");
    html("p", "orders-note", box, note);
    var ol = html("ol", "orders-list", box);
    var most = stable[0].runs, first = stable[0].order;
    // Differences from the most common order mean something only when one
    // order is more common than the rest.
    var highlight = most > 1 && stable.length > 1;
    var shown = stable.slice(0, 12);
    shown.forEach(function (g) {
      var li = html("li", null, ol);
      html("span", "orders-count", li, "×" + g.runs);
      var bar = svg("svg", { "class": "orders-bar", width: 84, height: 12, viewBox: "0 0 84 12", "aria-hidden": "true" }, li);
      svg("rect", { x: 0, y: 1, width: Math.max(3, Math.round(84 * g.runs / most)), height: 10, rx: 2 }, bar);
      var seq = html("span", "orders-seq", li);
      seq.title = g.order.join(" → ");
      if (!g.order.length) html("span", "orders-empty", seq, "（没有任务结束）");
      g.order.forEach(function (name, i) {
        html("span", name === first[i] || !highlight ? "" : "moved", seq, name);
      });
    });
    if (stable.length > shown.length) html("p", "orders-note", box, "另有 " + (stable.length - shown.length) + " 种顺序没有列出。");
  };

  // ---- helpers ------------------------------------------------------------
  function traceState(t) {
    if (t.rejected) return "未运行：" + t.error;
    if (!t.done) return t.startedAt === null ? "等待开始" : "运行中 " + fmtSecs(t.now());
    if (t.ok) return "用时 " + fmtSecs(t.now());
    if (t.error === "stopped") return "已停止 " + fmtSecs(t.now());
    if (t.error === "timeout") return "超时";
    if (t.error === "lost") return "连接断开";
    return "出错 " + fmtSecs(t.now());
  }
  // fitHead is the title line of one trace in a comparison, as long as the
  // width allows: role, demo, what differs, how it ended.
  function fitHead(t, traces, width) {
    var role = t.role.toUpperCase();
    var sameDemo = traces.every(function (o) { return o.demo === t.demo; });
    var params = paramText(t, traces);
    var tries = [
      role + " · " + t.demo + params + " — " + traceState(t),
      role + (sameDemo ? "" : " · " + t.demo) + params + " — " + traceState(t),
      role + (sameDemo ? params : " · " + t.demo) + " — " + traceState(t)
    ];
    for (var i = 0; i < tries.length; i++) if (textWidth(tries[i], 12.5) <= width) return tries[i];
    var last = tries[tries.length - 1];
    while (last.length > 4 && textWidth(last + "…", 12.5) > width) last = last.slice(0, -1);
    return last + "…";
  }
  // textWidth estimates the width of bold sans text: CJK characters are
  // square, Latin ones a little over half as wide.
  function textWidth(s, font) {
    var w = 0;
    for (var ch of s) w += /[\u2E80-\uFFEF]/.test(ch) ? font : font * 0.6;
    return w;
  }

  // paramText names the parameters that tell the traces of a comparison
  // apart: all of them when the demos differ, else those that differ.
  function paramText(t, traces) {
    var p = t.params;
    if (!p) return "";
    var others = traces.filter(function (o) { return o !== t && o.demo === t.demo && o.params; });
    var keys = Object.keys(p).filter(function (k) {
      return others.length === 0 || others.some(function (o) { return o.params[k] !== p[k]; });
    });
    if (!keys.length) return others.length ? "（参数相同）" : "";
    return "（" + keys.map(function (k) { return k + "=" + p[k]; }).join(" ") + "）";
  }
  // fitLabel shortens a lane label to what fits, keeping both ends: "blocking
  // call (in the loop)" reads better as "blocking…loop)" than cut off.
  function fitLabel(s, px, font) {
    var max = Math.max(3, Math.floor(px / (font * 0.62)));
    if (s.length <= max) return s;
    var head = Math.ceil((max - 1) * 0.6), tail = max - 1 - head;
    return s.slice(0, head) + "…" + (tail > 0 ? s.slice(s.length - tail) : "");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("section.demo").forEach(function (s) {
      if (s.querySelector("figure.timeline")) new View(s);
    });
  });
})();
