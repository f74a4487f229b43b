// The runtime switch beside Run: Go or Python, for every way the panel
// runs (A of a comparison). The source tabs follow it: the file in view is
// the file that runs. Python unavailable here stays shown, its reason below.

// runtimeName is how a runtime is written for the learner.
export function runtimeName(rt) {
  return rt === "python" ? "Python" : "Go";
}

export class RuntimeSwitch {
  // onChange runs when the learner picks the other runtime.
  constructor(section, onChange) {
    this.section = section;
    this.value = "go";
    this.buttons = Array.from(section.querySelectorAll(".runtime button"));
    const py = this.buttons[1];
    this.python = !!py && py.getAttribute("aria-disabled") !== "true"; // runs here
    if (py) py.parentNode.hidden = false;
    this.buttons.forEach((b) => b.addEventListener("click", () => {
      if (this.set(b.dataset.runtime)) onChange();
    }));
  }

  // set picks rt and shows its source; false when it is picked already or
  // cannot run here.
  set(rt) {
    if (rt === this.value || (rt !== "go" && (rt !== "python" || !this.python))) return false;
    this.value = rt;
    this.buttons.forEach((b) => b.setAttribute("aria-pressed", b.dataset.runtime === rt));
    this.section.querySelector('[role="tab"][data-tab="' + (rt === "go" ? "go" : "py") + '"]').click();
    return true;
  }

  // lock keeps the choice while the panel runs.
  lock(busy) {
    this.buttons.forEach((b) => { b.disabled = busy; });
  }
}
