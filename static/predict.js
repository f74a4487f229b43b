// "Predict the time": the learner's guess in seconds, put beside the
// measurement once a run has finished. The last guess for each demo, and
// the time measured after it, are kept for this browser tab
// (sessionStorage), so that an answer key the learner opens later can show
// them beside the key (answers.js).

const KEY = "walkthrough.predictions";

function loadAll() {
  try {
    const all = JSON.parse(sessionStorage.getItem(KEY) || "{}");
    return all && typeof all === "object" ? all : {};
  } catch (e) {
    return {}; // unreadable or disabled storage: nothing kept
  }
}

function saveAll(all) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(all));
  } catch (e) { /* storage full or disabled: the guess lasts this page only */ }
}

// lastPrediction is {guess, actual} in seconds for a demo (actual null
// until a run has been measured after the guess), or null.
export function lastPrediction(demo) {
  const p = loadAll()[demo];
  if (!p || typeof p.guess !== "number") return null;
  return { guess: p.guess, actual: typeof p.actual === "number" ? p.actual : null };
}

export class Prediction {
  // input is the guess field and verdict the line that compares; either
  // may be missing. demo names the panel, for the guess kept.
  constructor(input, verdict, demo) {
    this.input = input;
    this.verdict = verdict;
    this.demo = demo;
    if (input && demo) {
      input.addEventListener("change", () => this.keep(null));
    }
  }

  // keep stores the current guess, and actual (seconds) when measured.
  keep(actual) {
    if (!this.demo) return;
    const guess = this.guess();
    const all = loadAll();
    if (guess === null) delete all[this.demo];
    else all[this.demo] = { guess, actual };
    saveAll(all);
  }

  // guess is the learner's guess in seconds, or null.
  guess() {
    if (!this.input || this.input.value.trim() === "") return null;
    const v = Number(this.input.value);
    return isFinite(v) && v >= 0 ? v : null;
  }

  reset() {
    if (!this.verdict) return;
    this.verdict.hidden = true;
    this.verdict.textContent = "";
  }

  // show compares the guess with ms measured: what names the measurement
  // ("平均 ", "A "), tail follows it ("（10 次）").
  show(ms, what, tail) {
    const guess = this.guess();
    if (guess === null || !this.verdict) return;
    const actual = ms / 1000;
    const diff = actual - guess;
    const how = Math.abs(diff) < Math.max(0.05, actual * 0.1)
      ? "猜得很准"
      : diff > 0 ? "比预测慢 " + diff.toFixed(2) + " s" : "比预测快 " + (-diff).toFixed(2) + " s";
    this.keep(actual);
    this.verdict.textContent = "你的预测 " + trimSecs(guess) + " s · 实际 " + what + actual.toFixed(2) + " s" + tail + " · " + how;
    this.verdict.hidden = false;
  }
}

export function trimSecs(x) {
  return String(Number(x.toFixed(3)));
}
