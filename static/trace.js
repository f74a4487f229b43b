// One run as the timeline sees it: a lane per task with its bars (start
// to end) and points (instant events), the number of tasks in flight over
// time (counted by the server), and how the run ended; plus how times and
// states are written.

// ---- times --------------------------------------------------------------
export function fmtMs(ms) {
  if (ms >= 1000) return trim(ms / 1000, ms >= 10000 ? 1 : 2) + " s";
  return trim(ms, ms >= 10 ? 0 : 1) + " ms";
}

function trim(x, digits) {
  return String(Number(x.toFixed(digits)));
}

export function fmtSecs(ms) {
  return (ms / 1000).toFixed(2) + " s";
}

// ---- statuses -------------------------------------------------------------
// The status is free text; colour says what kind of ending it was.
export function kindOf(status) {
  const s = String(status || "").toLowerCase();
  if (s === "") return "other";
  if (/^(ok|done|returned|success|200)\b/.test(s)) return "ok";
  if (/stop|cancel/.test(s)) return "stopped";
  if (/404|not ?found|missing|timeout|timed out/.test(s)) return "warn";
  if (/err|fail|panic|5\d\d|invalid|refused/.test(s)) return "error";
  return "other";
}

// STATUS_WORDS say the demos' statuses in the learner's language, for the
// legend (the bars' titles keep the status as the code wrote it).
const STATUS_WORDS = {
  ok: "成功", done: "完成", returned: "返回", error: "出错", stopped: "被停止", cancelled: "被取消",
  timeout: "超时", flag: "看到停止标志后结束", "404": "404 没有这面国旗", new: "新连接", reused: "复用连接"
};

export function statusWords(status) {
  return STATUS_WORDS[status] || status;
}

// KIND_ORDER is the order of the kinds in the legend.
export const KIND_ORDER = ["ok", "warn", "error", "stopped", "other"];

// ---- one run ----------------------------------------------------------------
export class Trace {
  constructor(detail) {
    this.id = detail.id;
    this.role = detail.role || "a";
    this.demo = detail.runDemo || detail.demo;
    this.runtime = detail.runtime || "go";
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
    this.error = ""; // the server's message
    this.code = ""; // ... and its code (socket package doc), or "lost"
    this.cap = null;
    this.params = null;
    this.order = null;
    // A child runtime's start-up (Python's interpreter, a build), from
    // the exit frame: the program's own time (elapsed) comes after it.
    this.startup = 0;
    this.startupKind = detail.source ? "编译" : this.runtime === "python" ? "解释器启动" : "启动";
    this.waits = 0; // tasks that queued (phase wait)
    this.longestWait = 0; // the longest wait that a start ended, ms
  }

  lane(task) {
    let l = this.laneOf[task];
    if (!l) {
      l = { task, bars: [], points: [], waits: [] };
      this.laneOf[task] = l;
      this.lanes.push(l);
    }
    return l;
  }

  event(ev, inFlight) {
    const lane = this.lane(ev.task);
    const t = Number(ev.t_ms) || 0;
    this.last = Math.max(this.last, t);
    if (ev.phase === "wait") {
      // Queued from here to the task's start: drawn grey, not in flight.
      lane.waits.push({ s: t, e: null });
      this.waits++;
    } else if (ev.phase === "start") {
      const w = lane.waits.find((x) => x.e === null);
      if (w) {
        w.e = t;
        this.longestWait = Math.max(this.longestWait, t - w.s);
      }
      lane.bars.push({ s: t, e: null, status: "" });
    } else if (ev.phase === "end") {
      let open = null;
      for (let i = lane.bars.length - 1; i >= 0; i--) {
        if (lane.bars[i].e === null) {
          open = lane.bars[i];
          break;
        }
      }
      if (open) {
        open.e = t;
        open.status = ev.status || "";
      } else {
        lane.points.push({ t, status: ev.status || "" }); // an end nobody started: still worth a mark
      }
    } else {
      lane.points.push({ t, status: ev.status || "" });
    }
    if (typeof inFlight === "number") {
      this.steps.push({ t, n: inFlight });
      if (inFlight > this.max) {
        this.max = inFlight;
        this.maxAt = t;
      }
    }
  }

  // now is how far the run has got, in its own milliseconds: while it runs,
  // the time since "started" arrived (never behind the last event).
  now() {
    if (this.done) return Math.max(this.startup + (this.elapsed || 0), this.last);
    if (this.startedAt === null) return this.last;
    return Math.max(this.last, performance.now() - this.startedAt);
  }

  // programMs is the program's own time once it has ended: without the
  // start-up of its runtime, which is what comparisons divide.
  programMs() {
    return this.done ? Math.max(0, this.now() - this.startup) : this.now();
  }

  // tasks counts the lanes with at least one start: a lane of instants
  // only (a callback firing, a file written) is not a task.
  tasks() {
    return this.lanes.filter((l) => l.bars.length > 0).length;
  }

  // ends lists when each task finished, in milliseconds of the program's
  // own time, for the batch shape of "run ×N".
  ends() {
    const out = [];
    this.lanes.forEach((l) => l.bars.forEach((b) => { if (b.e !== null) out.push(b.e - this.startup); }));
    return out;
  }

  inFlightNow() {
    return this.steps[this.steps.length - 1].n;
  }

  // state says where the run is, or how it ended.
  state() {
    if (this.rejected) return "未运行：" + this.error;
    if (!this.done) return this.startedAt === null ? "等待开始" : "运行中 " + fmtSecs(this.now());
    if (this.ok) return "用时 " + fmtSecs(this.programMs()) + (this.startup > 0 ? "（另有" + this.startupKind + " " + fmtSecs(this.startup) + "）" : "");
    if (this.code === "stopped") return "已停止 " + fmtSecs(this.programMs());
    if (this.code === "timeout") return "超时";
    if (this.code === "lost") return "连接断开";
    return "出错 " + fmtSecs(this.now());
  }
}
