// On a phone a panel's knobs fold into one line that says what they are
// set to (`limit=5 · latency=100ms ▾`) and opens them on a tap: the code
// and Run stay close together. Wider screens never see the line (CSS).
// A knob with a problem opens the fold, so its message is seen.

export class KnobsLine {
  constructor(form, knobs) {
    this.form = form;
    this.knobs = knobs;
    const fieldset = form.querySelector("fieldset");
    if (!fieldset || !knobs.fields.length) return;
    const b = (this.button = document.createElement("button"));
    b.type = "button";
    b.className = "knobs-line";
    b.setAttribute("aria-controls", fieldset.id);
    b.title = "参数：点开修改";
    this.text = b.appendChild(document.createElement("span"));
    this.text.className = "knobs-text";
    this.arrow = b.appendChild(document.createElement("span"));
    this.arrow.setAttribute("aria-hidden", "true");
    form.insertBefore(b, fieldset);
    b.addEventListener("click", () => this.open(form.classList.contains("knobs-folded")));
    form.addEventListener("input", () => this.update());
    form.addEventListener("change", () => this.update());
    form.addEventListener("knob-problem", () => this.open(true));
    this.open(false);
  }

  open(on) {
    if (!this.button) return;
    this.form.classList.toggle("knobs-folded", !on);
    this.button.setAttribute("aria-expanded", on ? "true" : "false");
    this.arrow.textContent = on ? "▴" : "▾";
    this.update();
  }

  update() {
    if (!this.button) return;
    const v = this.knobs.values();
    this.text.textContent = this.knobs.fields.map((f) => f.name + "=" + (v[f.name] || f.def)).join(" · ");
  }
}
