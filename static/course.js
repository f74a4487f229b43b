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

  // ---- socket ---------------------------------------------------------
  // One connection for the whole page. It reconnects by itself after a
  // server restart, waiting a little longer after each failure.
  var socket = null;
  var panels = [];
  var runs = {}; // run id -> panel
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
      var panel = runs[msg.id];
      if (panel) panel.receive(msg);
      else if (msg.type === "error") console.warn("server:", msg.error);
    });
    ws.addEventListener("close", function () {
      if (socket !== ws) return;
      socket = null;
      Object.keys(runs).forEach(function (id) {
        runs[id].lost();
        delete runs[id];
      });
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
  function Panel(section) {
    this.section = section;
    this.demo = section.dataset.demo;
    this.form = section.querySelector("form.params");
    this.runButton = section.querySelector("button.run");
    this.stopButton = section.querySelector("button.stop");
    this.status = section.querySelector(".status");
    this.error = section.querySelector(".demo-error");
    this.term = new Terminal(section.querySelector(".console"));
    this.runId = null;
    this.events = [];
    this.gallery = section.querySelector(".gallery");
    var self = this;
    this.form.addEventListener("submit", function (e) {
      e.preventDefault();
      self.run();
    });
    this.stopButton.addEventListener("click", function () { self.stop(); });
    this.section.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && e.shiftKey) {
        e.preventDefault();
        self.run();
      } else if (e.key === "Escape" && self.runId) {
        e.preventDefault();
        self.stop();
      }
    });
    setupTabs(section);
    this.connected(false);
  }

  Panel.prototype.connected = function (up) {
    this.online = up;
    if (!this.runId) {
      this.runButton.disabled = !up;
      this.setStatus(up ? "就绪" : "正在连接服务器…", up ? "" : "offline");
    }
  };

  Panel.prototype.setStatus = function (text, kind) {
    this.status.textContent = text;
    this.status.dataset.kind = kind || "";
  };

  Panel.prototype.params = function () {
    var out = {};
    this.form.querySelectorAll("[name]").forEach(function (el) {
      out[el.name] = el.value.trim();
    });
    return out;
  };

  Panel.prototype.clearErrors = function () {
    this.section.querySelectorAll(".param-error").forEach(function (el) { el.textContent = ""; });
    this.section.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    this.error.hidden = true;
    this.error.textContent = "";
  };

  Panel.prototype.run = function () {
    if (this.runId || !this.online) return;
    this.clearErrors();
    var id = "r" + nextRun++;
    if (!send({ type: "run", id: id, demo: this.demo, params: this.params() })) return;
    this.runId = id;
    runs[id] = this;
    this.events = [];
    this.term.clear();
    if (this.gallery) this.gallery.textContent = "";
    this.runButton.disabled = true;
    this.stopButton.disabled = false;
    this.section.classList.add("running");
    this.setStatus("启动中…", "running");
    this.section.dispatchEvent(new CustomEvent("demo-start", { bubbles: true, detail: { id: id, demo: this.demo } }));
  };

  Panel.prototype.stop = function () {
    if (!this.runId) return;
    send({ type: "stop", id: this.runId });
    this.setStatus("正在停止…", "running");
  };

  Panel.prototype.done = function () {
    delete runs[this.runId];
    this.runId = null;
    this.runButton.disabled = !this.online;
    this.stopButton.disabled = true;
    this.section.classList.remove("running");
    this.section.dispatchEvent(new CustomEvent("demo-exit", { bubbles: true, detail: { demo: this.demo } }));
  };

  // Every frame of this panel's run is also announced on the section as a
  // "demo-frame" event, so other scripts (timeline, progress) can follow
  // runs without reaching into this one.
  Panel.prototype.receive = function (msg) {
    this.section.dispatchEvent(new CustomEvent("demo-frame", { detail: msg }));
    switch (msg.type) {
      case "started":
        this.started = performance.now();
        this.setStatus("运行中", "running");
        break;
      case "output":
        this.term.write(msg.data);
        break;
      case "event":
        this.events.push(msg.event);
        if (this.gallery) this.addFlag(msg.event);
        break;
      case "exit":
        var secs = ((msg.elapsed_ms || 0) / 1000).toFixed(2);
        if (msg.ok) {
          this.term.finish("ok", "✓ 完成 " + secs + " s");
          this.setStatus("完成 " + secs + " s", "ok");
        } else if (msg.error === "stopped") {
          this.term.finish("stopped", "■ 已停止 " + secs + " s");
          this.setStatus("已停止", "stopped");
        } else if (msg.error === "timeout") {
          this.term.finish("error", "✗ 超时：运行时间超过上限");
          this.setStatus("超时", "error");
        } else {
          this.term.finish("error", "✗ 错误: " + msg.error);
          this.setStatus("出错", "error");
        }
        this.done();
        break;
      case "error":
        this.showError(msg);
        this.setStatus("未运行", "error");
        this.done();
        break;
    }
  };

  // A rejected run: the message goes next to the field it names, or under
  // the panel when it names none.
  Panel.prototype.showError = function (msg) {
    var field = msg.param && this.section.querySelector('.param[data-param="' + CSS.escape(msg.param) + '"]');
    if (field) {
      field.querySelector(".param-error").textContent = msg.error;
      var input = field.querySelector("[name]");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    this.error.textContent = msg.error;
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

  Panel.prototype.lost = function () {
    this.term.finish("error", "✗ 与服务器的连接断开了");
    this.setStatus("连接断开", "error");
    this.done();
  };

  // ---- source tabs ----------------------------------------------------
  function setupTabs(section) {
    var tabs = section.querySelectorAll('[role="tab"]');
    if (tabs.length < 2) return;
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
    select(tabs[0]);
  }

  // ---- page -----------------------------------------------------------
  function setupToc() {
    var button = document.querySelector(".toc-toggle");
    if (!button) return;
    button.addEventListener("click", function () {
      var open = document.body.classList.toggle("toc-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupToc();
    document.querySelectorAll("section.demo").forEach(function (s) {
      panels.push(new Panel(s));
    });
    if (panels.length) connect();
  });
})();
