// For "run ×N": what the runs have in common and what varies. Always the
// spread of the total time (one dot per run). With few tasks, the orders
// in which they finished, grouped, most common first. With many tasks,
// where a single order is almost never seen twice, two pictures that do
// repeat: the batch shape (when tasks finished, all runs pooled: a
// semaphore lets them through in waves) and each task's finishing rank
// (its range over the runs, the median marked).

import { html, r1, svg } from "./dom.js";
import { fmtMs } from "./trace.js";

// MAX_SHOWN bounds the orders listed.
const MAX_SHOWN = 12;
// MANY is the number of tasks from which orders stop being worth listing.
const MANY = 7;

// drawOrders fills box from series.runs, each {order, elapsed, ends}.
export function drawOrders(box, series) {
  const runs = series.runs;
  box.hidden = false;
  box.textContent = "";
  if (!runs.length) return;
  drawTimes(box, runs);
  const tasks = runs.reduce((n, r) => Math.max(n, r.order.length), 0);
  if (tasks >= MANY) {
    drawBatches(box, runs);
    drawRanks(box, runs);
  } else {
    drawGroups(box, runs);
  }
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// drawTimes is the spread of the total time: a dot per run on one line.
function drawTimes(box, runs) {
  const times = runs.map((r) => r.elapsed);
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  const sec = html("section", "orders-part orders-times", box);
  html("h3", null, sec, "用时：" + runs.length + " 次运行");
  html("p", "orders-note", sec, "最短 " + fmtMs(lo) + " · 中位 " + fmtMs(median(times)) + " · 最长 " + fmtMs(hi) +
    (hi - lo < 0.1 * hi ? "：每次差不多，用时由程序的结构决定。" : "：每次不同，点的散开就是调度和网络带来的差别。"));
  const W = 320;
  const H = 30;
  const s = svg("svg", { "class": "orders-strip", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
    "aria-label": "每次运行的用时，从 0 到 " + fmtMs(hi) }, sec);
  const sx = (ms) => 8 + (W - 16) * ms / (hi || 1);
  svg("line", { x1: 8, x2: W - 8, y1: 20, y2: 20, "class": "orders-axis" }, s);
  times.forEach((ms) => svg("circle", { cx: r1(sx(ms)), cy: 14, r: 4, "class": "orders-dot" }, s));
  const m = svg("line", { x1: r1(sx(median(times))), x2: r1(sx(median(times))), y1: 6, y2: 24, "class": "orders-median" }, s);
  svg("title", {}, m).textContent = "中位 " + fmtMs(median(times));
  const t0 = svg("text", { x: 8, y: 29.5, "class": "orders-tick" }, s);
  t0.textContent = "0";
  const t1 = svg("text", { x: W - 8, y: 29.5, "text-anchor": "end", "class": "orders-tick" }, s);
  t1.textContent = fmtMs(hi);
}

// batchesOf is how many batches one run's end times fall into: the sorted
// ends split where two are further apart than a tenth of the whole (jitter
// inside a batch is far less than that).
function batchesOf(ends) {
  if (!ends.length) return 0;
  const sorted = ends.map((t) => Math.max(0, t)).sort((a, b) => a - b);
  const gap = (sorted[sorted.length - 1] || 1) / 10;
  let n = 1;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] - sorted[i - 1] > gap) n++;
  return n;
}

// mode is the value xs hold most often (the smaller, on a tie).
function mode(xs) {
  const count = new Map();
  xs.forEach((x) => count.set(x, (count.get(x) || 0) + 1));
  let best = 0;
  let most = 0;
  [...count.keys()].sort((a, b) => a - b).forEach((x) => {
    if (count.get(x) > most) {
      best = x;
      most = count.get(x);
    }
  });
  return best;
}

// drawBatches is when tasks finished, pooled over the runs: a histogram
// whose humps are the batches a limit lets through.
function drawBatches(box, runs) {
  const ends = [];
  runs.forEach((r) => (r.ends || []).forEach((t) => ends.push(Math.max(0, t))));
  if (!ends.length) return;
  const hi = Math.max(...ends) || 1;
  const BINS = 40;
  const counts = new Array(BINS).fill(0);
  ends.forEach((t) => { counts[Math.min(BINS - 1, Math.floor(BINS * t / hi))]++; });
  const most = Math.max(...counts);
  // Batches are counted run by run, each on its own clock: a run a busy
  // machine held back shifts all its batches, and pooled with the others
  // it would look like batches in between. The count most runs show is
  // the shape.
  const humps = mode(runs.map((r) => batchesOf(r.ends || [])).filter((n) => n > 0));
  const sec = html("section", "orders-part orders-batches", box);
  html("h3", null, sec, "任务在什么时候结束（" + runs.length + " 次合在一起）");
  html("p", "orders-note", sec, humps > 1
    ? "分成 " + humps + " 簇（多数几次运行各自数出的批数）：任务一批一批地结束，每批最多是同时放行的那么多。哪个任务落在哪一批每次不同，批的形状每次都一样。"
    : "连成一片：任务不分批，结束的时间各不相同。");
  const W = 320;
  const H = 60;
  const s = svg("svg", { "class": "orders-hist", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
    "aria-label": "结束时间的分布：" + humps + " 簇" }, sec);
  const bw = (W - 16) / BINS;
  counts.forEach((c, i) => {
    if (!c) return;
    const h = (H - 14) * c / most;
    const rect = svg("rect", { x: r1(8 + i * bw), y: r1(H - 12 - h), width: r1(Math.max(1, bw - 1)), height: r1(h), "class": "orders-bin" }, s);
    svg("title", {}, rect).textContent = fmtMs(hi * i / BINS) + " – " + fmtMs(hi * (i + 1) / BINS) + "：" + c + " 个";
  });
  svg("line", { x1: 8, x2: W - 8, y1: H - 12, y2: H - 12, "class": "orders-axis" }, s);
  const t0 = svg("text", { x: 8, y: H - 1, "class": "orders-tick" }, s);
  t0.textContent = "0";
  const t1 = svg("text", { x: W - 8, y: H - 1, "text-anchor": "end", "class": "orders-tick" }, s);
  t1.textContent = fmtMs(hi);
}

// drawRanks is each task's finishing rank over the runs: a bar from its
// best to its worst place, the median marked, tasks by median.
function drawRanks(box, runs) {
  const ranks = {};
  runs.forEach((r) => r.order.forEach((task, i) => { (ranks[task] = ranks[task] || []).push(i + 1); }));
  const tasks = Object.keys(ranks).map((task) => ({ task, lo: Math.min(...ranks[task]), hi: Math.max(...ranks[task]), med: median(ranks[task]) }));
  tasks.sort((a, b) => a.med - b.med || a.task.localeCompare(b.task));
  const n = runs.reduce((m, r) => Math.max(m, r.order.length), 0);
  const spread = tasks.reduce((s, t) => s + (t.hi - t.lo), 0) / tasks.length;
  const sec = html("section", "orders-part orders-ranks", box);
  html("h3", null, sec, "每个任务第几个完成");
  html("p", "orders-note", sec, spread < 1
    ? "每个任务每次都在同一个名次：完成的先后是确定的。"
    : "条是它在 " + runs.length + " 次里的名次范围，竖线是中位：平均每个任务的名次能差 " + spread.toFixed(1) + " 位，哪个先完成不是程序定的。");
  const W = 320;
  const row = 12;
  const label = 44;
  const H = tasks.length * row + 14;
  const s = svg("svg", { "class": "orders-rank", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
    "aria-label": "每个任务的完成名次范围" }, sec);
  const sx = (k) => label + (W - label - 8) * (k - 1) / Math.max(1, n - 1);
  tasks.forEach((t, i) => {
    const y = 4 + i * row;
    const name = svg("text", { x: label - 6, y: y + row / 2, "text-anchor": "end", "dominant-baseline": "central", "class": "orders-tick" }, s);
    name.textContent = t.task.length > 7 ? t.task.slice(0, 6) + "…" : t.task;
    const bar = svg("rect", { x: r1(sx(t.lo) - 3), y: y + 2, width: r1(sx(t.hi) - sx(t.lo) + 6), height: row - 4, rx: 3, "class": "orders-range" }, s);
    svg("title", {}, bar).textContent = t.task + "：第 " + t.lo + " 到第 " + t.hi + " 个完成，中位第 " + t.med + " 个";
    svg("line", { x1: r1(sx(t.med)), x2: r1(sx(t.med)), y1: y + 1, y2: y + row - 1, "class": "orders-median" }, s);
  });
  const a = svg("text", { x: label, y: H - 1, "class": "orders-tick" }, s);
  a.textContent = "第 1 个";
  const z = svg("text", { x: W - 8, y: H - 1, "text-anchor": "end", "class": "orders-tick" }, s);
  z.textContent = "第 " + n + " 个";
}

// drawGroups lists the orders seen, most common first.
function drawGroups(box, runs) {
  const groups = [];
  const index = {};
  runs.forEach((run) => {
    const key = JSON.stringify(run.order);
    if (index[key] === undefined) {
      index[key] = groups.length;
      groups.push({ order: run.order, runs: 0 });
    }
    groups[index[key]].runs++;
  });
  const stable = groups.slice();
  stable.sort((a, b) => b.runs - a.runs); // Array sort is stable: ties keep first appearance
  const sec = html("section", "orders-part", box);
  html("h3", null, sec, "完成顺序：" + runs.length + " 次运行，出现了 " + groups.length + " 种");
  const note = groups.length === 1 && runs.length > 1
    ? "每次都一样：这段程序里任务结束的先后是确定的。"
    : "每一行是一种顺序（任务按结束的先后排列），条的长度是出现的次数" +
      (stable[0].runs > 1 && stable.length > 1 ? "；和最常见的顺序不同的位置标了颜色。" : "。");
  html("p", "orders-note", sec, note);
  const ol = html("ol", "orders-list", sec);
  const most = stable[0].runs;
  const first = stable[0].order;
  // Differences from the most common order mean something only when one
  // order is more common than the rest.
  const highlight = most > 1 && stable.length > 1;
  const shown = stable.slice(0, MAX_SHOWN);
  shown.forEach((g) => {
    const li = html("li", null, ol);
    html("span", "orders-count", li, "×" + g.runs);
    const bar = svg("svg", { "class": "orders-bar", width: 84, height: 12, viewBox: "0 0 84 12", "aria-hidden": "true" }, li);
    svg("rect", { x: 0, y: 1, width: Math.max(3, Math.round(84 * g.runs / most)), height: 10, rx: 2 }, bar);
    const seq = html("span", "orders-seq", li);
    seq.title = g.order.join(" → ");
    if (!g.order.length) html("span", "orders-empty", seq, "（没有任务结束）");
    g.order.forEach((name, i) => {
      html("span", name === first[i] || !highlight ? "" : "moved", seq, name);
    });
  });
  if (stable.length > shown.length) html("p", "orders-note", sec, "另有 " + (stable.length - shown.length) + " 种顺序没有列出。");
}
