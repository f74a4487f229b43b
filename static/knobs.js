// Knobs are the parameter fields of one fieldset (a panel's own, or the B
// side of a comparison): each a typed field with an optional slider. The
// field is the source of truth (what is checked, linked and sent); the
// slider only moves it. Checking is params.js's, the same as the server's.

import { checkValue, formatDuration, parseDuration, trimSpace } from "./params.js";

export class Knobs {
  // onChange runs when the learner has changed a value (on "change", not
  // at every keystroke), to update the address.
  constructor(root, onChange) {
    this.fields = [];
    this.byName = {};
    root.querySelectorAll(".param").forEach((el) => {
      const input = el.querySelector("[name]");
      if (!input) return;
      const f = {
        name: input.name,
        kind: input.dataset.kind || el.dataset.kind,
        el,
        input,
        slider: el.querySelector("input.slider"),
        error: el.querySelector(".param-error"),
        min: input.dataset.min || "",
        max: input.dataset.max || "",
        maxItems: Number(input.dataset.maxItems) || 0,
        def: input.dataset.default !== undefined ? input.dataset.default : input.value,
        choices: input.tagName === "SELECT" ? Array.from(input.options, (o) => o.value) : null
      };
      this.fields.push(f);
      this.byName[f.name] = f;
      input.addEventListener("input", () => {
        this.syncSlider(f);
        // A message goes as soon as the value is fixed; a new one waits
        // for change (or Run), so a screen reader is not interrupted at
        // every keystroke.
        if (f.error.textContent) this.clearIfValid(f);
      });
      input.addEventListener("change", () => {
        this.check(f);
        if (onChange) onChange();
      });
      if (f.slider) {
        f.slider.addEventListener("input", () => {
          input.value = sliderValue(f);
          if (f.error.textContent) this.clearIfValid(f);
        });
        f.slider.addEventListener("change", () => {
          if (onChange) onChange();
        });
      }
    });
  }

  raw(f) {
    // A number field holding something that is not a number reports "";
    // say so rather than silently running with the default.
    if (f.input.validity && f.input.validity.badInput) return null;
    return trimSpace(f.input.value);
  }

  values() {
    const out = {};
    this.fields.forEach((f) => { out[f.name] = this.raw(f) || ""; });
    return out;
  }

  // nonDefaults are the values worth putting in a link.
  nonDefaults() {
    const out = {};
    this.fields.forEach((f) => {
      const v = this.raw(f);
      if (v && v !== f.def) out[f.name] = v;
    });
    return out;
  }

  // set puts a value from a link into its field, or says why it cannot.
  set(name, value) {
    const f = this.byName[name];
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
  }

  problem(f) {
    const raw = this.raw(f);
    return raw === null ? (f.kind === "int" ? "要填一个整数" : "要填一个数") : checkValue(f, raw);
  }

  check(f) {
    const why = this.problem(f);
    // The message is a live region: rewriting the same text would have it
    // read out again.
    if (f.error.textContent !== why) f.error.textContent = why;
    if (why) f.input.setAttribute("aria-invalid", "true");
    else f.input.removeAttribute("aria-invalid");
    return !why;
  }

  clearIfValid(f) {
    if (!this.problem(f)) this.check(f);
  }

  // checkAll checks every field and puts the cursor on the first bad one.
  checkAll() {
    let first = null;
    this.fields.forEach((f) => {
      if (!this.check(f) && !first) first = f;
    });
    if (first) {
      problem(first);
      first.input.focus();
    }
    return !first;
  }

  // showError puts a message (the server's, or about a link) by a field.
  showError(name, message) {
    const f = this.byName[name];
    if (!f) return false;
    f.error.textContent = message;
    f.input.setAttribute("aria-invalid", "true");
    problem(f);
    f.input.focus();
    return true;
  }

  clearErrors() {
    this.fields.forEach((f) => {
      f.error.textContent = "";
      f.input.removeAttribute("aria-invalid");
    });
  }

  syncSlider(f) {
    const s = f.slider;
    if (!s) return;
    const raw = trimSpace(f.input.value);
    let v = f.kind === "duration" ? parseDuration(raw) : Number(raw);
    if (raw === "" || isNaN(v)) return;
    const lo = Number(s.dataset.lo);
    const hi = Number(s.dataset.hi);
    v = Math.min(Math.max(v, lo), hi);
    if (s.dataset.scale === "log") s.value = String(Math.round(Number(s.max) * Math.log(v / lo) / Math.log(hi / lo)));
    else s.value = String(v);
  }
}

// sliderValue turns a slider position into the text of the field: round
// numbers, in the field's own notation ("250ms", "1.5s", "3").
function sliderValue(f) {
  const s = f.slider;
  let v = Number(s.value);
  const lo = Number(s.dataset.lo);
  const hi = Number(s.dataset.hi);
  if (s.dataset.scale === "log") v = roundish(lo * Math.pow(hi / lo, v / Number(s.max)));
  v = Math.min(Math.max(v, lo), hi);
  if (f.kind === "int") return String(Math.round(v));
  if (f.kind === "duration") return formatDuration(Math.round(v));
  return String(Math.round(v * 1e6) / 1e6);
}

// roundish keeps two significant digits.
function roundish(v) {
  if (v <= 0) return v;
  const p = Math.pow(10, Math.floor(Math.log10(v)) - 1);
  return Math.round(v / p) * p;
}

// problem tells the knobs' surroundings that a field has something to
// say (a folded line opens, knobsline.js), before the field takes focus.
function problem(f) {
  f.input.dispatchEvent(new CustomEvent("knob-problem", { bubbles: true }));
}
