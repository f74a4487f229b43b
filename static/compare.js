// "Compare two configurations": the B side of a panel. A runs with the
// panel's own values, B with a copy of the partner demo's fields (the same
// demo in the other runtime, another demo of the lesson, or the same one
// with other values); both start at once and are drawn on one time axis.

import { Knobs } from "./knobs.js";
import { runtimeName } from "./runtime.js";

export class Comparison {
  constructor(section, demo) {
    this.demo = demo;
    this.form = section.querySelector("form.compare");
    this.toggle = section.querySelector(".compare-toggle");
    this.with = section.querySelector(".compare-with");
    this.box = section.querySelector(".compare-params");
    this.runButton = section.querySelector(".compare-run");
    this.knobs = null; // B's fields, once built
    this.twin = null; // the choice "this demo in the other runtime"
  }

  // offerTwin makes "this demo in the other runtime" B's first choice, and
  // the default, for A in rt. Its value (in the address too) is B's
  // runtime, as the other choices' are B's demo.
  offerTwin(rt) {
    let o = this.twin;
    if (!o) {
      o = this.twin = this.with.insertBefore(document.createElement("option"), this.with.firstChild);
      o.selected = true;
    }
    o.value = rt === "go" ? "python" : "go";
    o.textContent = "同一个演示，换用 " + runtimeName(o.value) + " 运行";
  }

  // twinned says whether B is this demo in the other runtime.
  twinned() {
    return !!this.twin && this.twin.selected;
  }

  // isOpen says whether the panel is set to compare, B's fields built.
  isOpen() {
    return !!(this.form && !this.form.hidden && this.knobs);
  }

  show(open) {
    this.form.hidden = !open;
    this.toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  // partner is the demo B runs.
  partner() {
    return this.twinned() ? this.demo : this.with.value;
  }

  // offers says whether demo is one B may run.
  offers(demo) {
    return !!this.with && Array.from(this.with.options).some((o) => o.value === demo);
  }

  // build puts B's fields in the form: a copy of the partner panel's
  // fieldset (ids renamed), starting from that panel's current values, or
  // from its defaults when a link says what differs from them (values).
  build(source, demo, values, fromDefaults, onChange) {
    const box = this.box;
    box.textContent = "";
    const fieldset = source && source.form.querySelector("fieldset");
    if (!fieldset) {
      const p = document.createElement("p");
      p.className = "compare-none";
      p.textContent = "这个演示没有参数。";
      box.appendChild(p);
      this.knobs = new Knobs(box, null);
      return;
    }
    const copy = fieldset.cloneNode(true);
    const prefix = "b-" + this.demo + "-";
    copy.querySelectorAll("[id]").forEach((el) => { el.id = prefix + el.id; });
    copy.querySelectorAll("label[for]").forEach((el) => { el.htmlFor = prefix + el.htmlFor; });
    ["aria-describedby", "aria-controls"].forEach((attr) => {
      copy.querySelectorAll("[" + attr + "]").forEach((el) => {
        el.setAttribute(attr, el.getAttribute(attr).split(/\s+/).map((id) => prefix + id).join(" "));
      });
    });
    copy.querySelector("legend").textContent = "B 的参数 · " + demo;
    box.appendChild(copy);
    const knobs = (this.knobs = new Knobs(copy, onChange));
    knobs.clearErrors();
    const current = fromDefaults ? {} : source.knobs.values();
    knobs.fields.forEach((f) => knobs.set(f.name, current[f.name] || f.def));
    Object.keys(values).forEach((k) => knobs.set(k, values[k]));
  }
}

// pairStatus says how far each side of a comparison has got: the status
// line's text, and whether both are over. Runs in two runtimes say which.
export function pairStatus(pair) {
  const parts = [];
  let done = true;
  const mixed = pair.a && pair.b && pair.a.runtime !== pair.b.runtime;
  ["a", "b"].forEach((role) => {
    const r = pair[role];
    if (!r) return;
    const m = r.result;
    const name = role.toUpperCase() + (mixed ? " " + runtimeName(r.runtime) : "");
    if (!m) {
      done = false;
      parts.push(name + " 运行中");
      return;
    }
    const secs = ((m.elapsed_ms || 0) / 1000).toFixed(2) + " s";
    if (m.type === "error") parts.push(name + " 未运行");
    else if (m.ok) parts.push(name + " 完成 " + secs);
    else if (m.error === "stopped") parts.push(name + " 已停止");
    else if (m.error === "lost") parts.push(name + " 连接断开");
    else parts.push(name + " 出错");
  });
  return { text: parts.join(" · "), done };
}
