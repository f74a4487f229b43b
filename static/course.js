// The course page client: one websocket per page, Run and Stop for every
// demo panel, and a small terminal that renders \r, \b and \n in place.
(function () {
  "use strict";

  // ---- terminal -------------------------------------------------------
  // A grid of lines edited by a cursor, like a terminal: \r goes to the
  // start of the line, \b one column back, anything else overwrites.
  var MAX_LINES = 4000;

  function Terminal(pre) {
    this.pre = pre;
    this.clear();
  }
  Terminal.prototype.clear = function () {
    this.lines = [[]];
    this.row = 0;
    this.col = 0;
    this.pre.textContent = "";
    this.text = document.createTextNode("");
    this.pre.appendChild(this.text);
    this.scheduled = false;
  };
  Terminal.prototype.write = function (s) {
    for (var ch of s) {
      if (ch === "\n") {
        this.row++;
        this.col = 0;
        if (this.row === this.lines.length) this.lines.push([]);
      } else if (ch === "\r") {
        this.col = 0;
      } else if (ch === "\b") {
        if (this.col > 0) this.col--;
      } else {
        var line = this.lines[this.row];
        while (line.length < this.col) line.push(" ");
        line[this.col] = ch;
        this.col++;
      }
    }
    if (this.lines.length > MAX_LINES) {
      var drop = this.lines.length - MAX_LINES;
      this.lines.splice(0, drop);
      this.row -= drop;
    }
    this.schedule();
  };
  Terminal.prototype.schedule = function () {
    if (this.scheduled) return;
    this.scheduled = true;
    var self = this;
    requestAnimationFrame(function () {
      self.scheduled = false;
      self.render();
    });
  };
  Terminal.prototype.render = function () {
    var pre = this.pre;
    // Follow the output unless the learner scrolled up to read.
    var atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
    this.text.data = this.lines.map(function (l) { return l.join(""); }).join("\n");
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  };
  Terminal.prototype.screen = function () {
    return this.lines.map(function (l) { return l.join("").replace(/\s+$/, ""); }).join("\n");
  };
  Terminal.prototype.finish = function (kind, message) {
    this.render();
    var line = document.createElement("span");
    line.className = "exit exit-" + kind;
    line.textContent = (this.col > 0 || this.lines[this.row].length ? "\n" : "") + message;
    this.pre.appendChild(line);
    this.pre.scrollTop = this.pre.scrollHeight;
  };

  // ---- parameter values ---------------------------------------------------
  // The page checks values the way the server does (runner/params.go), so
  // most mistakes are caught before a run; the server checks again and its
  // message lands in the same place next to the field.
  var UNIT_MS = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  var DURATION = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
  var DURATION_PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
  var MAX_LIST = 20;
  var MAX_VALUE = 200;

  // parseDuration reads Go's duration syntax ("1.5s", "1m30s", "0") into
  // milliseconds, or NaN.
  function parseDuration(s) {
    s = s.trim();
    if (s === "0" || s === "+0" || s === "-0") return 0;
    if (!DURATION.test(s)) return NaN;
    var ms = 0, m;
    DURATION_PART.lastIndex = 0;
    while ((m = DURATION_PART.exec(s))) ms += parseFloat(m[1]) * UNIT_MS[m[2]];
    return s.charAt(0) === "-" ? -ms : ms;
  }

  function formatDuration(ms) {
    if (ms <= 0) return "0s";
    if (ms >= 1000) return String(Math.round(ms) / 1000) + "s";
    return String(Math.round(ms * 1000) / 1000) + "ms";
  }

  // checkValue returns why raw is not acceptable, or "". Empty means the
  // default, as on the server.
  function checkValue(f, raw) {
    if (raw === "") return "";
    if (raw.length > MAX_VALUE) return "太长了：最多 " + MAX_VALUE + " 个字符";
    switch (f.kind) {
      case "int":
        if (!/^[+-]?\d+$/.test(raw)) return "要填一个整数，例如 " + (f.def || "5");
        return inRange(f, Number(raw), Number, "不能小于 ", "不能大于 ");
      case "float":
        if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) || !isFinite(Number(raw))) return "要填一个数，例如 " + (f.def || "0.5");
        return inRange(f, Number(raw), Number, "不能小于 ", "不能大于 ");
      case "duration":
        return checkDuration(f, raw);
      case "durations":
        var parts = raw.split(",");
        var most = Math.min(MAX_LIST, f.maxItems || MAX_LIST);
        if (parts.length > most) return "最多 " + most + " 个时长，现在是 " + parts.length + " 个";
        for (var i = 0; i < parts.length; i++) {
          var why = checkDuration(f, parts[i].trim());
          if (why) return (parts.length > 1 ? "第 " + (i + 1) + " 个：" : "") + why;
        }
        return "";
      case "choice":
        return f.choices.indexOf(raw) < 0 ? "只能是 " + f.choices.join("、") + " 之一" : "";
    }
    return "";
  }
  function checkDuration(f, raw) {
    var ms = parseDuration(raw);
    if (isNaN(ms)) return "「" + raw + "」不是时长：要写成 250ms、1.5s 这样，带上单位";
    if (ms < 0) return "时长不能是负数";
    return inRange(f, ms, parseDuration, "不能短于 ", "不能长于 ");
  }
  function inRange(f, x, parse, below, above) {
    if (f.min !== "" && x < parse(f.min)) return below + f.min;
    if (f.max !== "" && x > parse(f.max)) return above + f.max;
    return "";
  }

  // ---- knobs ----------------------------------------------------------------
  // Knobs are the parameter fields of one fieldset (a panel's own, or the B
  // side of a comparison): each a typed field with an optional slider.
  function Knobs(root, onChange) {
    this.fields = [];
    this.byName = {};
    var self = this;
    root.querySelectorAll(".param").forEach(function (el) {
      var input = el.querySelector("[name]");
      if (!input) return;
      var f = {
        name: input.name,
        kind: input.dataset.kind || el.dataset.kind,
        el: el,
        input: input,
        slider: el.querySelector("input.slider"),
        error: el.querySelector(".param-error"),
        min: input.dataset.min || "",
        max: input.dataset.max || "",
        maxItems: Number(input.dataset.maxItems) || 0,
        def: input.dataset.default !== undefined ? input.dataset.default : input.value,
        choices: input.tagName === "SELECT" ? Array.prototype.map.call(input.options, function (o) { return o.value; }) : null
      };
      self.fields.push(f);
      self.byName[f.name] = f;
      input.addEventListener("input", function () {
        self.syncSlider(f);
        // A message goes as soon as the value is fixed; a new one waits
        // for change (or Run), so a screen reader is not interrupted at
        // every keystroke.
        if (f.error.textContent) self.clearIfValid(f);
      });
      input.addEventListener("change", function () {
        self.check(f);
        if (onChange) onChange();
      });
      if (f.slider) {
        f.slider.addEventListener("input", function () {
          input.value = sliderValue(f);
          if (f.error.textContent) self.clearIfValid(f);
        });
        f.slider.addEventListener("change", function () { if (onChange) onChange(); });
      }
    });
  }
  Knobs.prototype.raw = function (f) {
    // A number field holding something that is not a number reports "";
    // say so rather than silently running with the default.
    if (f.input.validity && f.input.validity.badInput) return null;
    return f.input.value.trim();
  };
  Knobs.prototype.values = function () {
    var out = {}, self = this;
    this.fields.forEach(function (f) { out[f.name] = self.raw(f) || ""; });
    return out;
  };
  // nonDefaults are the values worth putting in a link.
  Knobs.prototype.nonDefaults = function () {
    var out = {}, self = this;
    this.fields.forEach(function (f) {
      var v = self.raw(f);
      if (v && v !== f.def) out[f.name] = v;
    });
    return out;
  };
  Knobs.prototype.set = function (name, value) {
    var f = this.byName[name];
    if (!f) return false;
    if (f.choices && f.choices.indexOf(value) < 0) {
      this.showError(name, "链接里的「" + value + "」不是可选的值，用了默认值 " + f.def);
      return false;
    }
    f.input.value = value;
    if (f.input.value !== value) {
      // A number field drops text that is not a number; say so.
      this.showError(name, "链接里的「" + value + "」不是数字，用了默认值 " + f.def);
      f.input.value = f.def;
      this.syncSlider(f);
      return false;
    }
    this.syncSlider(f);
    this.check(f);
    return true;
  };
  Knobs.prototype.problem = function (f) {
    var raw = this.raw(f);
    return raw === null ? (f.kind === "int" ? "要填一个整数" : "要填一个数") : checkValue(f, raw);
  };
  Knobs.prototype.check = function (f) {
    var why = this.problem(f);
    // The message is a live region: rewriting the same text would have it
    // read out again.
    if (f.error.textContent !== why) f.error.textContent = why;
    if (why) f.input.setAttribute("aria-invalid", "true");
    else f.input.removeAttribute("aria-invalid");
    return !why;
  };
  Knobs.prototype.clearIfValid = function (f) {
    if (!this.problem(f)) this.check(f);
  };
  // checkAll checks every field and puts the cursor on the first bad one.
  Knobs.prototype.checkAll = function () {
    var first = null, self = this;
    this.fields.forEach(function (f) { if (!self.check(f) && !first) first = f; });
    if (first) first.input.focus();
    return !first;
  };
  Knobs.prototype.showError = function (name, message) {
    var f = this.byName[name];
    if (!f) return false;
    f.error.textContent = message;
    f.input.setAttribute("aria-invalid", "true");
    f.input.focus();
    return true;
  };
  Knobs.prototype.clearErrors = function () {
    this.fields.forEach(function (f) {
      f.error.textContent = "";
      f.input.removeAttribute("aria-invalid");
    });
  };
  Knobs.prototype.syncSlider = function (f) {
    var s = f.slider;
    if (!s) return;
    var raw = f.input.value.trim();
    var v = f.kind === "duration" ? parseDuration(raw) : Number(raw);
    if (raw === "" || isNaN(v)) return;
    var lo = Number(s.dataset.lo), hi = Number(s.dataset.hi);
    v = Math.min(Math.max(v, lo), hi);
    if (s.dataset.scale === "log") s.value = String(Math.round(Number(s.max) * Math.log(v / lo) / Math.log(hi / lo)));
    else s.value = String(v);
  };
  // sliderValue turns a slider position into the text of the field: round
  // numbers, in the field's own notation ("250ms", "1.5s", "3").
  function sliderValue(f) {
    var s = f.slider, v = Number(s.value);
    var lo = Number(s.dataset.lo), hi = Number(s.dataset.hi);
    if (s.dataset.scale === "log") v = roundish(lo * Math.pow(hi / lo, v / Number(s.max)));
    v = Math.min(Math.max(v, lo), hi);
    if (f.kind === "int") return String(Math.round(v));
    if (f.kind === "duration") return formatDuration(Math.round(v));
    return String(Math.round(v * 1e6) / 1e6);
  }
  function roundish(v) {
    if (v <= 0) return v;
    var p = Math.pow(10, Math.floor(Math.log10(v)) - 1);
    return Math.round(v / p) * p;
  }

  // ---- the address: parameters as a link ----------------------------------
  // ?flags-semaphore.limit=3 sets limit on that panel; a comparison adds
  // flags-semaphore.vs=<demo> and flags-semaphore.vs.limit=20. Only values
  // that differ from the defaults are written, so links stay short.
  function queryString(q) {
    return q.toString().replace(/%2C/gi, ",");
  }
  function panelQuery(demo, a, vs, b) {
    var q = new URLSearchParams();
    Object.keys(a).forEach(function (k) { q.set(demo + "." + k, a[k]); });
    if (vs) {
      q.set(demo + ".vs", vs);
      Object.keys(b).forEach(function (k) { q.set(demo + ".vs." + k, b[k]); });
    }
    return q;
  }

  // ---- socket ---------------------------------------------------------
  // One connection for the whole page. It reconnects by itself after a
  // server restart, waiting a little longer after each failure.
  var socket = null;
  var panels = [];
  var panelOf = {}; // demo id -> panel
  var runs = {}; // run id -> {panel, role, ...}
  var nextRun = 1;
  var retryDelay = 500;

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/ws");
    socket = ws;
    ws.addEventListener("open", function () {
      retryDelay = 500;
      panels.forEach(function (p) { p.connected(true); });
    });
    ws.addEventListener("message", function (e) {
      var msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      var run = runs[msg.id];
      if (run) run.panel.receive(msg, run);
      else if (msg.type === "error") {
        // A Stop that crossed its run's exit is answered after the run is
        // over: nothing wrong. An error about any other id is worth a look.
        var sent = /^r(\d+)$/.exec(msg.id || "");
        if (sent && Number(sent[1]) < nextRun) console.debug("server, about finished run " + msg.id + ":", msg.error);
        else console.warn("server:", msg.error);
      }
    });
    ws.addEventListener("close", function () {
      if (socket !== ws) return;
      socket = null;
      Object.keys(runs).forEach(function (id) { runs[id].panel.lost(runs[id]); });
      panels.forEach(function (p) { p.connected(false); });
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 8000);
    });
  }

  function send(msg) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(msg));
    return true;
  }

  // ---- demo panel -----------------------------------------------------
  // A panel runs in one of three modes: "single" (one run), "compare" (A
  // and B at once, side by side) or "repeat" (the same run N times, one
  // after another). Every run is announced on the section with demo-start,
  // demo-frame and demo-exit; timeline.js draws from those.
  function Panel(section) {
    this.section = section;
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
    this.gallery = section.querySelector(".gallery");
    this.verdict = section.querySelector(".verdict");
    this.predict = section.querySelector(".predict-input");
    this.repeatButton = section.querySelector("button.repeat");
    this.repeatN = section.querySelector(".repeat-n");
    this.compareToggle = section.querySelector(".compare-toggle");
    this.compareForm = section.querySelector("form.compare");
    this.compareWith = section.querySelector(".compare-with");
    this.compareParams = section.querySelector(".compare-params");
    this.compareRun = section.querySelector(".compare-run");
    this.share = section.querySelector("a.share");
    this.active = {}; // run id -> run, for this panel's runs in progress
    this.series = null; // the rounds of "run ×N"
    this.mode = "single";
    this.events = [];
    this.runId = null; // the A run in progress, as before
    this.knobs = new Knobs(this.form, this.saveState.bind(this));
    this.knobsB = null;
    var self = this;
    this.form.addEventListener("submit", function (e) {
      e.preventDefault();
      self.run();
    });
    this.stopButton.addEventListener("click", function () { self.stop(); });
    this.section.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && e.shiftKey) {
        e.preventDefault();
        if (self.compareForm && self.compareForm.contains(e.target)) self.runCompare();
        else self.run();
      } else if (e.key === "Escape" && self.busy()) {
        e.preventDefault();
        self.stop();
      }
    });
    if (this.repeatButton) this.repeatButton.addEventListener("click", function () { self.runRepeat(); });
    if (this.compareToggle) {
      this.compareToggle.addEventListener("click", function () { self.toggleCompare(); });
      this.compareWith.addEventListener("change", function () {
        self.buildCompare(self.compareWith.value, {});
        self.saveState();
      });
      this.compareForm.addEventListener("submit", function (e) {
        e.preventDefault();
        self.runCompare();
      });
    }
    setupTabs(section);
    this.connected(false);
  }

  // restore applies this panel's part of the address, once at load.
  Panel.prototype.restore = function (query) {
    var prefix = this.demo + ".", self = this, vs = null, b = {};
    query.forEach(function (value, key) {
      if (key.indexOf(prefix) !== 0) return;
      var name = key.slice(prefix.length);
      if (name === "vs") vs = value;
      else if (name.indexOf("vs.") === 0) b[name.slice(3)] = value;
      else self.knobs.set(name, value);
    });
    if (vs && this.compareWith && Array.prototype.some.call(this.compareWith.options, function (o) { return o.value === vs; })) {
      this.compareWith.value = vs;
      this.openCompare(true, b, true);
    }
    this.updateShare();
  };

  // saveState writes this panel's knobs into the address and its link.
  Panel.prototype.saveState = function () {
    var q = new URLSearchParams(location.search), prefix = this.demo + ".";
    Array.from(q.keys()).forEach(function (k) { if (k.indexOf(prefix) === 0) q.delete(k); });
    this.panelQuery().forEach(function (v, k) { q.append(k, v); });
    var s = queryString(q);
    try {
      history.replaceState(history.state, "", location.pathname + (s ? "?" + s : "") + location.hash);
    } catch (e) { /* some embedded browsers refuse; the share link still works */ }
    this.updateShare();
  };
  Panel.prototype.panelQuery = function () {
    var comparing = this.compareForm && !this.compareForm.hidden && this.knobsB;
    return panelQuery(this.demo, this.knobs.nonDefaults(),
      comparing ? this.compareWith.value : "", comparing ? this.knobsB.nonDefaults() : {});
  };
  Panel.prototype.updateShare = function () {
    if (!this.share) return;
    var s = queryString(this.panelQuery());
    this.share.href = location.pathname + (s ? "?" + s : "") + "#" + this.section.id;
  };

  Panel.prototype.connected = function (up) {
    this.online = up;
    if (!this.busy()) {
      this.setStatus(up ? "就绪" : "正在连接服务器…", up ? "" : "offline");
    }
    this.updateButtons();
  };

  Panel.prototype.busy = function () {
    return Object.keys(this.active).length > 0 || !!this.series;
  };

  Panel.prototype.updateButtons = function () {
    var busy = this.busy(), can = this.online && !busy;
    this.runButton.disabled = !can;
    this.stopButton.disabled = !busy;
    if (this.repeatButton) this.repeatButton.disabled = !can;
    if (this.compareRun) this.compareRun.disabled = !can;
    if (this.compareToggle) this.compareToggle.disabled = busy;
    this.section.classList.toggle("running", busy);
  };

  Panel.prototype.setStatus = function (text, kind) {
    this.status.textContent = text;
    this.status.dataset.kind = kind || "";
  };

  Panel.prototype.params = function () { return this.knobs.values(); };

  Panel.prototype.clearErrors = function () {
    this.knobs.clearErrors();
    if (this.knobsB) this.knobsB.clearErrors();
    this.error.hidden = true;
    this.error.textContent = "";
  };

  // prediction is the learner's guess in seconds, or null.
  Panel.prototype.prediction = function () {
    if (!this.predict || this.predict.value.trim() === "") return null;
    var v = Number(this.predict.value);
    return isFinite(v) && v >= 0 ? v : null;
  };

  Panel.prototype.resetView = function (compare) {
    this.term.clear();
    this.events = [];
    if (this.gallery) this.gallery.textContent = "";
    if (this.verdict) { this.verdict.hidden = true; this.verdict.textContent = ""; }
    this.consoles.classList.toggle("two", !!compare);
    if (compare) {
      if (!this.termB) {
        var pre = document.createElement("pre");
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
  };

  // start sends one run; the caller has checked the parameters.
  Panel.prototype.start = function (role, demo, params, term, extra) {
    var id = "r" + nextRun++;
    if (!send({ type: "run", id: id, demo: demo, params: params })) return null;
    var run = { id: id, panel: this, role: role, demo: demo, term: term, mode: this.mode, started: null };
    runs[id] = run;
    this.active[id] = run;
    if (role === "a") this.runId = id;
    var detail = { id: id, demo: this.demo, runDemo: demo, role: role, mode: this.mode, params: params };
    for (var k in extra) detail[k] = extra[k];
    this.section.dispatchEvent(new CustomEvent("demo-start", { bubbles: true, detail: detail }));
    return run;
  };

  Panel.prototype.run = function () {
    if (this.busy() || !this.online) return;
    this.clearErrors();
    if (!this.knobs.checkAll()) return;
    this.mode = "single";
    this.resetView(false);
    if (!this.start("a", this.demo, this.params(), this.term, {})) return;
    this.saveState();
    this.setStatus("启动中…", "running");
    this.updateButtons();
  };

  Panel.prototype.runRepeat = function () {
    if (this.busy() || !this.online) return;
    this.clearErrors();
    var n = Number(this.repeatN.value);
    if (!/^\d+$/.test(this.repeatN.value.trim()) || n < 2 || n > 20) {
      this.showPanelError("连续运行的次数要在 2 到 20 之间。");
      this.repeatN.focus();
      return;
    }
    if (!this.knobs.checkAll()) return;
    this.mode = "repeat";
    this.series = { round: 0, rounds: n, params: this.params(), elapsed: [] };
    this.saveState();
    this.nextRound();
  };

  Panel.prototype.nextRound = function () {
    var s = this.series;
    s.round++;
    this.resetView(false);
    if (!this.start("a", this.demo, s.params, this.term, { round: s.round, rounds: s.rounds })) {
      this.series = null;
      this.updateButtons();
      return;
    }
    this.setStatus("第 " + s.round + " / " + s.rounds + " 次…", "running");
    this.updateButtons();
  };

  Panel.prototype.toggleCompare = function () {
    this.openCompare(this.compareForm.hidden, {});
    this.saveState();
  };
  Panel.prototype.openCompare = function (open, values, fromDefaults) {
    if (!this.compareForm) return;
    this.compareForm.hidden = !open;
    this.compareToggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) this.buildCompare(this.compareWith.value, values, fromDefaults);
  };

  // buildCompare puts the B side's fields in the comparison form: a copy of
  // the chosen demo's own fieldset (ids renamed), starting from that
  // panel's current values, or from its defaults when a link says what
  // differs from them.
  Panel.prototype.buildCompare = function (demo, values, fromDefaults) {
    var box = this.compareParams;
    box.textContent = "";
    var source = panelOf[demo];
    var fieldset = source && source.form.querySelector("fieldset");
    if (!fieldset) {
      var p = document.createElement("p");
      p.className = "compare-none";
      p.textContent = "这个演示没有参数。";
      box.appendChild(p);
      this.knobsB = new Knobs(box, null);
      return;
    }
    var copy = fieldset.cloneNode(true);
    var prefix = "b-" + this.demo + "-";
    copy.querySelectorAll("[id]").forEach(function (el) { el.id = prefix + el.id; });
    copy.querySelectorAll("label[for]").forEach(function (el) { el.htmlFor = prefix + el.htmlFor; });
    ["aria-describedby", "aria-controls"].forEach(function (attr) {
      copy.querySelectorAll("[" + attr + "]").forEach(function (el) {
        el.setAttribute(attr, el.getAttribute(attr).split(/\s+/).map(function (id) { return prefix + id; }).join(" "));
      });
    });
    copy.querySelector("legend").textContent = "B 的参数 · " + demo;
    box.appendChild(copy);
    this.knobsB = new Knobs(copy, this.saveState.bind(this));
    this.knobsB.clearErrors();
    var current = fromDefaults ? {} : source.knobs.values(), self = this;
    this.knobsB.fields.forEach(function (f) { self.knobsB.set(f.name, current[f.name] || f.def); });
    Object.keys(values).forEach(function (k) { self.knobsB.set(k, values[k]); });
  };

  Panel.prototype.runCompare = function () {
    if (this.busy() || !this.online || !this.knobsB) return;
    this.clearErrors();
    if (!this.knobs.checkAll() || !this.knobsB.checkAll()) return;
    // A comparison takes both of the page's places on the server.
    if (Object.keys(runs).length > 0) {
      this.showPanelError("对比要同时运行两个程序：请先停止页面上正在运行的其他演示。");
      return;
    }
    var partner = this.compareWith.value;
    this.mode = "compare";
    this.resetView(true);
    this.consoleA.dataset.label = "A · " + this.demo;
    this.termB.pre.dataset.label = "B · " + partner;
    var a = this.start("a", this.demo, this.params(), this.term, {});
    var b = a && this.start("b", partner, this.knobsB.values(), this.termB, {});
    if (!a) return;
    this.pair = { a: a, b: b };
    this.saveState();
    this.setStatus(b ? "A 和 B 同时启动…" : "启动中…", "running");
    this.updateButtons();
  };

  Panel.prototype.stop = function () {
    var ids = Object.keys(this.active);
    if (this.series) this.series.cancelled = true;
    if (!ids.length && this.series) {
      this.series = null;
      this.updateButtons();
      return;
    }
    ids.forEach(function (id) { send({ type: "stop", id: id }); });
    if (ids.length) this.setStatus("正在停止…", "running");
  };

  // Every frame of this panel's runs is also announced on the section as a
  // "demo-frame" event (detail: the message), so other scripts (timeline,
  // progress) can follow runs without reaching into this one.
  Panel.prototype.receive = function (msg, run) {
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
      case "started":
        run.started = performance.now();
        if (this.mode === "single") this.setStatus("运行中", "running");
        else if (this.mode === "compare") this.setStatus("A 和 B 运行中", "running");
        break;
      case "output":
        run.term.write(msg.data);
        break;
      case "event":
        if (run.role === "a") {
          this.events.push(msg.event);
          if (this.gallery) this.addFlag(msg.event);
        }
        break;
      case "exit":
        var secs = ((msg.elapsed_ms || 0) / 1000).toFixed(2);
        if (msg.ok) run.term.finish("ok", "✓ 完成 " + secs + " s");
        else if (msg.error === "stopped") run.term.finish("stopped", "■ 已停止 " + secs + " s");
        else if (msg.error === "timeout") run.term.finish("error", "✗ 超时：运行时间超过上限");
        else run.term.finish("error", "✗ 错误: " + msg.error);
        this.finished(run, msg);
        break;
      case "error":
        this.showError(msg, run);
        this.finished(run, msg);
        break;
    }
  };

  // finished is called once per run, whatever ended it.
  Panel.prototype.finished = function (run, msg) {
    delete runs[run.id];
    delete this.active[run.id];
    if (this.runId === run.id) this.runId = null;
    run.result = msg;
    this.section.dispatchEvent(new CustomEvent("demo-exit", {
      bubbles: true,
      detail: {
        demo: this.demo, id: run.id, runDemo: run.demo, role: run.role, mode: run.mode,
        ok: msg.type === "exit" && !!msg.ok, error: msg.error || "", elapsed_ms: msg.elapsed_ms
      }
    }));
    if (this.mode === "compare") this.compareResult(run);
    if (Object.keys(this.active).length) return;

    var s = this.series;
    if (s) {
      var clean = msg.type === "exit" && msg.error !== "stopped" && msg.error !== "timeout" && msg.error !== "lost";
      if (clean) s.elapsed.push(msg.elapsed_ms || 0);
      if (clean && !s.cancelled && s.round < s.rounds) {
        this.nextRound();
        return;
      }
      this.series = null;
      this.finalStatus(msg, s);
      if (s.elapsed.length) {
        var mean = s.elapsed.reduce(function (a, b) { return a + b; }, 0) / s.elapsed.length;
        this.showVerdict(mean, "平均 ", "（" + s.elapsed.length + " 次）");
      }
    } else {
      this.finalStatus(msg, null);
      if (this.mode === "single" && msg.type === "exit" && msg.ok) this.showVerdict(msg.elapsed_ms, "", "");
    }
    this.updateButtons();
  };

  Panel.prototype.finalStatus = function (msg, series) {
    if (this.mode === "compare") return; // compareResult has said it
    var secs = ((msg.elapsed_ms || 0) / 1000).toFixed(2);
    var prefix = series ? series.elapsed.length + " / " + series.rounds + " 次 · " : "";
    if (msg.type === "error") this.setStatus(prefix + "未运行", "error");
    else if (msg.ok) this.setStatus(prefix + "完成 " + secs + " s", "ok");
    else if (msg.error === "stopped") this.setStatus(prefix + "已停止", "stopped");
    else if (msg.error === "timeout") this.setStatus(prefix + "超时", "error");
    else if (msg.error === "lost") this.setStatus("连接断开", "error");
    else this.setStatus(prefix + "出错", "error");
  };

  // compareResult says how far each side of a comparison has got.
  Panel.prototype.compareResult = function (run) {
    var parts = [], done = true, pair = this.pair || {};
    ["a", "b"].forEach(function (role) {
      var r = pair[role];
      if (!r) return;
      var m = r.result, name = role.toUpperCase();
      if (!m) { done = false; parts.push(name + " 运行中"); return; }
      var secs = ((m.elapsed_ms || 0) / 1000).toFixed(2) + " s";
      if (m.type === "error") parts.push(name + " 未运行");
      else if (m.ok) parts.push(name + " 完成 " + secs);
      else if (m.error === "stopped") parts.push(name + " 已停止");
      else if (m.error === "lost") parts.push(name + " 连接断开");
      else parts.push(name + " 出错");
    });
    this.setStatus(parts.join(" · "), done ? "ok" : "running");
    if (run.role === "a" && run.result.type === "exit" && run.result.ok) this.showVerdict(run.result.elapsed_ms, "A ", "");
  };

  // showVerdict puts the learner's guess beside the measurement.
  Panel.prototype.showVerdict = function (ms, what, tail) {
    var guess = this.prediction();
    if (guess === null || !this.verdict) return;
    var actual = ms / 1000;
    var diff = actual - guess;
    var how = Math.abs(diff) < Math.max(0.05, actual * 0.1)
      ? "猜得很准"
      : diff > 0 ? "比预测慢 " + diff.toFixed(2) + " s" : "比预测快 " + (-diff).toFixed(2) + " s";
    this.verdict.textContent = "你的预测 " + trimSecs(guess) + " s · 实际 " + what + actual.toFixed(2) + " s" + tail + " · " + how;
    this.verdict.hidden = false;
  };
  function trimSecs(x) { return String(Number(x.toFixed(3))); }

  // A rejected run: the message goes next to the field it names (in A's
  // or B's fields), or under the panel when it names none.
  Panel.prototype.showError = function (msg, run) {
    var knobs = run && run.role === "b" ? this.knobsB : this.knobs;
    if (msg.param && knobs && knobs.showError(msg.param, msg.error)) return;
    this.showPanelError((run && run.role === "b" ? "B：" : "") + msg.error);
  };
  Panel.prototype.showPanelError = function (text) {
    this.error.textContent = text;
    this.error.hidden = false;
  };

  // A download that ended ok puts its flag in the gallery, in arrival
  // order. The image comes from our own origin (/flags/), same bytes as the
  // flag server sent the demo.
  Panel.prototype.addFlag = function (ev) {
    if (ev.phase !== "end" || ev.status !== "ok") return;
    var m = /^([A-Z]{2})(?: gif)?$/.exec(ev.task);
    if (!m || this.gallery.querySelector('[data-cc="' + m[1] + '"]')) return;
    var cc = m[1].toLowerCase();
    var fig = document.createElement("figure");
    fig.dataset.cc = m[1];
    var img = document.createElement("img");
    img.src = "/flags/" + cc + "/" + cc + ".gif";
    img.alt = m[1] + " 国旗";
    img.width = 60;
    img.height = 40;
    var cap = document.createElement("figcaption");
    cap.textContent = m[1];
    fig.appendChild(img);
    fig.appendChild(cap);
    this.gallery.appendChild(fig);
  };

  Panel.prototype.lost = function (run) {
    run.term.finish("error", "✗ 与服务器的连接断开了");
    this.finished(run, { type: "exit", ok: false, error: "lost" });
    this.setStatus("连接断开", "error");
  };

  // ---- source tabs ----------------------------------------------------
  // The WAI-ARIA tabs pattern: Tab reaches the selected tab only; ←/→ move
  // to the previous/next tab (round the ends), Home/End to the first/last,
  // and selection follows focus. nav.js leaves ←/→ inside a tablist alone.
  function setupTabs(section) {
    var list = section.querySelector('[role="tablist"]');
    var tabs = Array.prototype.slice.call(section.querySelectorAll('[role="tab"]'));
    if (!list || tabs.length < 2) return;
    function select(tab) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        section.querySelector("#" + CSS.escape(t.getAttribute("aria-controls"))).hidden = !on;
      });
    }
    tabs.forEach(function (t) {
      t.addEventListener("click", function () { select(t); });
    });
    list.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      var i = tabs.indexOf(e.target), next;
      if (i < 0) return;
      switch (e.key) {
        case "ArrowLeft": next = tabs[(i - 1 + tabs.length) % tabs.length]; break;
        case "ArrowRight": next = tabs[(i + 1) % tabs.length]; break;
        case "Home": next = tabs[0]; break;
        case "End": next = tabs[tabs.length - 1]; break;
        default: return;
      }
      e.preventDefault();
      select(next);
      next.focus();
    });
    select(tabs[0]);
  }

  // ---- page -----------------------------------------------------------
  // (The table of contents toggle belongs to page navigation: nav.js.)
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("section.demo").forEach(function (s) {
      var p = new Panel(s);
      panels.push(p);
      panelOf[p.demo] = p;
    });
    // Restore after every panel exists: a comparison copies its partner's
    // fields.
    var query = new URLSearchParams(location.search);
    panels.forEach(function (p) { p.restore(query); });
    if (panels.length) connect();
  });
})();
