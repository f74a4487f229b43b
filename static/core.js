// "只看核心": a demo's shown files have lines that carry the idea (the
// lesson declares them beside its demos; the server gives those lines the
// class "core", the import lines the class "import", and the stylesheet
// draws a bar in the gutter without any script). A panel opens with its
// imports folded and scrolled to its first core line. The toggle folds
// every other run of lines into a "⋯ N 行" button that opens that run
// again. Line numbers stay the file's; the copy button still copies the
// whole file (copy.js leaves the fold buttons out).

export function setupCore() {
  document.querySelectorAll("section.demo").forEach((section) => {
    const panes = Array.from(section.querySelectorAll(".source"));
    panes.forEach((pane) => {
      foldImports(pane);
      scrollToCoreWhenShown(pane);
    });
    const toggle = section.querySelector("button.core-toggle");
    if (!toggle || !panes.some((p) => p.querySelector(".line.core"))) return;
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const on = toggle.getAttribute("aria-pressed") !== "true";
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      panes.forEach((pane) => {
        if (on) {
          fold(pane);
        } else {
          unfold(pane);
          foldImports(pane);
        }
      });
    });
  });
}

// foldImports folds a file's import lines: they are rarely what a panel
// is about.
function foldImports(pane) {
  const code = pane.querySelector("pre code");
  const lines = code ? Array.from(code.querySelectorAll(":scope > .line.import")) : [];
  if (lines.length > 1) foldRun(code, lines);
}

// scrollToCoreWhenShown scrolls a pane to its first core line (one line
// of context above it) the first time it has a size: a pane behind a tab
// has none until the tab is picked.
function scrollToCoreWhenShown(pane) {
  const first = pane.querySelector(".line.core");
  if (!first) return;
  const scroll = () => {
    if (pane.clientHeight === 0) return false;
    const above = first.previousElementSibling;
    const target = above && above.classList.contains("line") ? above : first;
    pane.scrollTop += target.getBoundingClientRect().top - pane.getBoundingClientRect().top;
    return true;
  };
  if (scroll() || typeof ResizeObserver === "undefined") return;
  const watch = new ResizeObserver(() => {
    if (scroll()) watch.disconnect();
  });
  watch.observe(pane);
}

// fold hides each run of lines outside the core behind a button.
function fold(pane) {
  const code = pane.querySelector("pre code");
  if (!code || !code.querySelector(".line.core")) return;
  unfold(pane);
  let run = [];
  const close = () => {
    if (run.length) foldRun(code, run);
    run = [];
  };
  Array.from(code.children).forEach((line) => {
    if (!line.classList.contains("line")) return;
    if (line.classList.contains("core")) close();
    else run.push(line);
  });
  close();
}

function foldRun(code, lines) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "fold";
  const first = lines[0].querySelector(".ln");
  const last = lines[lines.length - 1].querySelector(".ln");
  button.textContent = "⋯ " + lines.length + " 行";
  button.setAttribute("aria-label", "展开折叠的 " + lines.length + " 行" +
    (first && last ? "（第 " + first.textContent + " 到 " + last.textContent + " 行）" : ""));
  lines.forEach((l) => l.classList.add("folded"));
  button.addEventListener("click", () => {
    lines.forEach((l) => l.classList.remove("folded"));
    // The focus goes to the code that was opened rather than to nowhere.
    const pane = button.closest(".source");
    button.remove();
    if (pane) {
      if (!pane.hasAttribute("tabindex")) pane.tabIndex = -1;
      pane.focus({ preventScroll: true });
    }
  });
  code.insertBefore(button, lines[0]);
}

function unfold(pane) {
  pane.querySelectorAll("button.fold").forEach((b) => b.remove());
  pane.querySelectorAll(".line.folded").forEach((l) => l.classList.remove("folded"));
}
