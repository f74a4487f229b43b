// For "run ×N": the orders in which tasks finished, grouped, most common
// first, as a small histogram. The same order every time means the
// program's order is determined; many orders show the scheduler at work.

import { html, svg } from "./dom.js";

// MAX_SHOWN bounds the orders listed.
const MAX_SHOWN = 12;

// drawOrders fills box from series.runs, each {order: [task, ...]}.
export function drawOrders(box, series) {
  const groups = [];
  const index = {};
  series.runs.forEach((run) => {
    const key = JSON.stringify(run.order);
    if (index[key] === undefined) {
      index[key] = groups.length;
      groups.push({ order: run.order, runs: 0 });
    }
    groups[index[key]].runs++;
  });
  const stable = groups.slice();
  stable.sort((a, b) => b.runs - a.runs); // Array sort is stable: ties keep first appearance
  box.hidden = false;
  box.textContent = "";
  html("h3", null, box, "完成顺序：" + series.runs.length + " 次运行，出现了 " + groups.length + " 种");
  const note = groups.length === 1 && series.runs.length > 1
    ? "每次都一样：这段程序里任务结束的先后是确定的。"
    : "每一行是一种顺序（任务按结束的先后排列），条的长度是出现的次数" +
      (stable[0].runs > 1 && stable.length > 1 ? "；和最常见的顺序不同的位置标了颜色。" : "。");
  html("p", "orders-note", box, note);
  const ol = html("ol", "orders-list", box);
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
  if (stable.length > shown.length) html("p", "orders-note", box, "另有 " + (stable.length - shown.length) + " 种顺序没有列出。");
}
