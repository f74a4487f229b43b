// "Compare": the B side of a panel. B is A with what differs, and shows
// only that: by default the same demo with one knob changed (the limit, if
// it has one), or the same demo in the other runtime, or another demo of
// the lesson. Every knob B does not change takes A's value (or, for
// another demo, its own panel's) at the moment both start; "＋ 再改一个"
// adds a knob to change, × takes it away again. Both runs start at once
// and are drawn on one time axis.

import { Knobs } from "./knobs.js";
import { checkValue, formatDuration, parseDuration } from "./params.js";
import { runtimeName } from "./runtime.js";

// Knobs that cap concurrency: the first thing worth changing.
const CAPS = ["limit", "parallel"];

export class Comparison {
  constructor(section, demo) {
    this.demo = demo;
    this.form = section.querySelector("form.compare");
    this.toggle = section.querySelector(".compare-toggle");
    this.with = section.querySelector(".compare-with");
    this.box = section.querySelector(".compare-params");
    this.runButton = section.querySelector(".compare-run");
    this.knobs = null; // B's fields, once built
    this.source = null; // the panel whose values B's unchanged knobs take
    this.twin = null; // the choice "this demo in the other runtime"
    this.shown = []; // the names of the knobs B changes, in the order added
  }

  // offerTwin offers "this demo in the other runtime" as B, second after
  // "the same demo, one knob changed". Its value (in the address too) is
  // B's runtime, as the other choices' are B's demo.
  offerTwin(rt) {
    let o = this.twin;
    if (!o) {
      o = this.twin = document.createElement("option");
      const same = Array.from(this.with.options).find((x) => x.value === this.demo);
      this.with.insertBefore(o, same ? same.nextSibling : this.with.firstChild);
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

  // build puts B's knobs in the form: a copy of the partner panel's
  // fieldset (ids renamed) with only the knobs B changes shown: values
  // (from a link) when given, else one knob changed on the same demo, none
  // for the other runtime or another demo.
  build(source, demo, values, fromDefaults, onChange) {
    const box = this.box;
    box.textContent = "";
    if (this.add) this.add.remove();
    this.add = null;
    this.source = source;
    this.shown = [];
    const fieldset = source && source.form.querySelector("fieldset");
    if (!fieldset) {
      const p = document.createElement("p");
      p.className = "compare-none";
      p.textContent = "这个演示没有参数：B 和 A 只差在" + (this.twinned() ? "运行时。" : "演示本身。");
      box.appendChild(p);
      this.knobs = new Knobs(box, null);
      return;
    }
    const copy = fieldset.cloneNode(true);
    const prefix = "b-" + this.demo + "-";
    copy.querySelectorAll("[id]").forEach((el) => { el.id = prefix + el.id; });
    copy.id = prefix + fieldset.id;
    copy.querySelectorAll("label[for]").forEach((el) => { el.htmlFor = prefix + el.htmlFor; });
    ["aria-describedby", "aria-controls"].forEach((attr) => {
      copy.querySelectorAll("[" + attr + "]").forEach((el) => {
        el.setAttribute(attr, el.getAttribute(attr).split(/\s+/).map((id) => prefix + id).join(" "));
      });
    });
    copy.querySelector("legend").textContent = "B 和 A 不同的地方";
    copy.classList.add("compare-diff");
    box.appendChild(copy);
    const knobs = (this.knobs = new Knobs(copy, onChange));
    knobs.clearErrors();
    this.onChange = onChange;
    this.sync(fromDefaults);
    knobs.fields.forEach((f) => {
      const x = document.createElement("button");
      x.type = "button";
      x.className = "compare-drop";
      x.textContent = "×";
      x.title = "不改 " + f.name + "：B 用 A 的值";
      x.setAttribute("aria-label", "不改 " + f.name);
      x.addEventListener("click", () => this.drop(f.name));
      f.el.querySelector("label").after(x);
    });
    // "＋ 再改一个": the knobs B leaves as A has them.
    const add = (this.add = document.createElement("select"));
    add.className = "compare-add";
    add.setAttribute("aria-label", "B 再改一个参数");
    add.addEventListener("change", () => {
      if (add.value) this.pick(add.value, null);
      if (onChange) onChange();
    });
    const controls = this.form.querySelector(".controls");
    controls.insertBefore(add, controls.firstChild);

    const given = Object.keys(values).filter((k) => knobs.byName[k]);
    if (given.length) {
      given.forEach((k) => this.pick(k, values[k]));
    } else if (demo === this.demo && !this.twinned()) {
      const f = knobs.fields.find((x) => CAPS.indexOf(x.name) >= 0) ||
        knobs.fields.find((x) => changed(x, knobs.values()[x.name]) !== null);
      if (f) this.pick(f.name, changed(f, knobs.values()[f.name]));
    }
    this.layout();
  }

  // sync gives every knob B does not change the value it takes from its
  // source panel (or the defaults, for a link that says what differs).
  sync(fromDefaults) {
    if (!this.knobs || !this.knobs.fields.length) return;
    const current = fromDefaults || !this.source ? {} : this.source.knobs.values();
    this.knobs.fields.forEach((f) => {
      if (this.shown.indexOf(f.name) < 0) this.knobs.set(f.name, current[f.name] || f.def);
    });
  }

  // pick shows a knob as one B changes, with value (or its current one).
  pick(name, value) {
    if (this.shown.indexOf(name) < 0) this.shown.push(name);
    if (value !== null && value !== undefined) this.knobs.set(name, value);
    this.layout();
    const f = this.knobs.byName[name];
    if (f && value === null) f.input.focus();
  }

  drop(name) {
    this.shown = this.shown.filter((n) => n !== name);
    this.sync(false);
    this.layout();
    if (this.onChange) this.onChange();
    this.add.focus();
  }

  // layout hides the knobs B leaves alone and lists them under "＋".
  layout() {
    const add = this.add;
    add.textContent = "";
    const head = document.createElement("option");
    head.value = "";
    head.textContent = this.shown.length ? "＋ 再改一个参数…" : "＋ 改一个参数…";
    add.appendChild(head);
    this.knobs.fields.forEach((f) => {
      const on = this.shown.indexOf(f.name) >= 0;
      f.el.hidden = !on;
      if (!on) {
        const o = document.createElement("option");
        o.value = f.name;
        o.textContent = f.name;
        add.appendChild(o);
      }
    });
    add.hidden = add.options.length < 2;
    add.value = "";
  }

  // differs are B's changed knobs, for the address.
  differs() {
    const out = {};
    if (!this.knobs) return out;
    const v = this.knobs.values();
    this.shown.forEach((n) => { if (v[n] !== undefined) out[n] = v[n]; });
    return out;
  }

  // values are what B runs with: its changes over the source's values now.
  values() {
    this.sync(false);
    return this.knobs.values();
  }

  // summary says in a few words what B is, for the toggle's neighbour.
  summary() {
    const d = this.differs();
    const keys = Object.keys(d);
    if (this.twinned()) return "B：换用 " + runtimeName(this.twin.value);
    if (this.partner() !== this.demo) return "B：" + this.partner();
    return keys.length ? "B：" + keys.map((k) => k + "=" + d[k]).join(" · ") : "B：和 A 一样";
  }
}

// changed is a value of f different from cur that teaches something, or
// null: a cap goes to 1 (or up from 1), numbers double (or halve at the
// top), durations double, a choice moves to the next.
function changed(f, cur) {
  const v = cur || f.def;
  let out = null;
  if (f.choices) {
    if (f.choices.length > 1) out = f.choices[(f.choices.indexOf(v) + 1) % f.choices.length];
  } else if (f.kind === "int") {
    const n = Number(v);
    const max = f.max === "" ? Infinity : Number(f.max);
    const min = f.min === "" ? -Infinity : Number(f.min);
    if (CAPS.indexOf(f.name) >= 0) out = String(n > 1 ? Math.max(1, min) : Math.min(max, 5));
    else out = String(n * 2 <= max ? n * 2 : Math.max(min, Math.floor(n / 2)));
  } else if (f.kind === "duration") {
    const ms = parseDuration(v);
    if (ms > 0) out = formatDuration(ms * 2);
  }
  if (out === null || out === v || checkValue(f, out)) return null;
  return out;
}

// pairStatus says how far each side of a comparison has got: the status
// line's text, and whether both are over. Runs in two runtimes say which.
// The times are the programs' own (a runtime's start-up left out).
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
    else if (m.code === "stopped") parts.push(name + " 已停止");
    else if (m.code === "lost") parts.push(name + " 连接断开");
    else parts.push(name + " 出错");
  });
  return { text: parts.join(" · "), done };
}
