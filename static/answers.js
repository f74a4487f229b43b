// Answer keys (<details class="answer">, closed until the learner opens
// one): when a key opens, the learner's last prediction for each of this
// lesson's demos, kept by predict.js, is shown at the top of the key, so
// the guess and the key can be read side by side.

import { lastPrediction, trimSecs } from "./predict.js";

export function setupAnswers() {
  const keys = document.querySelectorAll("details.answer");
  if (!keys.length) return;
  const demos = Array.from(document.querySelectorAll("section.demo[data-demo]")).map((s) => ({
    id: s.dataset.demo,
    title: (s.querySelector(".demo-head h2") || {}).textContent || s.dataset.demo
  }));
  keys.forEach((key) => {
    key.addEventListener("toggle", () => {
      if (key.open) showGuesses(key, demos);
    });
  });
}

function showGuesses(key, demos) {
  const body = key.querySelector(".answer-body") || key;
  let line = body.querySelector(".answer-guess");
  const parts = [];
  demos.forEach((d) => {
    const p = lastPrediction(d.id);
    if (!p) return;
    let text = (demos.length > 1 ? d.title + "：" : "") + trimSecs(p.guess) + " s";
    if (p.actual !== null) text += "（实测 " + p.actual.toFixed(2) + " s）";
    parts.push(text);
  });
  if (!parts.length) {
    if (line) line.remove();
    return;
  }
  if (!line) {
    line = document.createElement("p");
    line.className = "answer-guess";
    body.insertBefore(line, body.firstChild);
  }
  line.textContent = "你在面板上的预测：" + parts.join("；");
}
