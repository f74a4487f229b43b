// "Predict the time": the learner's guess in seconds, put beside the
// measurement once a run has finished.

export class Prediction {
  // input is the guess field and verdict the line that compares; either
  // may be missing.
  constructor(input, verdict) {
    this.input = input;
    this.verdict = verdict;
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
    this.verdict.textContent = "你的预测 " + trimSecs(guess) + " s · 实际 " + what + actual.toFixed(2) + " s" + tail + " · " + how;
    this.verdict.hidden = false;
  }
}

function trimSecs(x) {
  return String(Number(x.toFixed(3)));
}
