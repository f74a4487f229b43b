// Copy buttons on code: one on each code block of the prose, and one per
// demo for its source tabs, which copies the tab shown. Code is copied as
// written, without line numbers; a screen reader hears that it worked.

// announcer returns a function that says a short message to a screen
// reader, through a live region made the first time it is needed.
function announcer() {
  let region = null;
  return (text) => {
    if (!region) {
      region = document.createElement("p");
      region.className = "sr-only";
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    region.textContent = "";
    // A fresh text node makes screen readers speak a repeated message too.
    setTimeout(() => { region.textContent = text; }, 50);
  };
}

// codeText is the code as written, without the line numbers, and whole:
// the lines folded away by "只看核心" (core.js) are in it, the fold
// buttons are not.
function codeText(el) {
  const copy = el.cloneNode(true);
  copy.querySelectorAll(".ln, button.fold").forEach((n) => n.remove());
  return copy.textContent.replace(/\n$/, "");
}

// writeClipboard uses the clipboard API where the page may (https or
// localhost), and the older copy command elsewhere, such as a course
// served on a LAN address over http.
function writeClipboard(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text).catch(() => legacyCopy(text));
  }
  return legacyCopy(text);
}

function legacyCopy(text) {
  return new Promise((resolve, reject) => {
    const area = document.createElement("textarea");
    area.className = "clip-buffer";
    area.value = text;
    area.setAttribute("readonly", "");
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    area.remove();
    if (ok) resolve();
    else reject(new Error("copy refused"));
  });
}

function addCopyButton(wrap, source, announce) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "copy";
  button.textContent = "复制";
  button.setAttribute("aria-label", "复制代码");
  let timer = 0;
  button.addEventListener("click", () => {
    const el = source();
    if (!el) return;
    const done = (ok) => {
      button.textContent = ok ? "已复制" : "复制失败";
      button.dataset.state = ok ? "ok" : "error";
      announce(ok ? "代码已复制" : "没能复制，请手动选中代码复制");
      clearTimeout(timer);
      timer = setTimeout(() => {
        button.textContent = "复制";
        delete button.dataset.state;
      }, 2000);
    };
    writeClipboard(codeText(el)).then(() => done(true), () => done(false));
  });
  wrap.appendChild(button);
}

function wrapIn(nodes, className) {
  const wrap = document.createElement("div");
  wrap.className = className;
  nodes[0].parentNode.insertBefore(wrap, nodes[0]);
  nodes.forEach((n) => wrap.appendChild(n));
  return wrap;
}

export function setupCopy() {
  const announce = announcer();
  document.querySelectorAll(".prose pre").forEach((pre) => {
    const wrap = wrapIn([pre], "code-block");
    addCopyButton(wrap, () => pre, announce);
  });
  // A demo's source tabs share one button, which copies the tab shown.
  document.querySelectorAll("section.demo").forEach((section) => {
    const panes = Array.from(section.querySelectorAll(":scope > .source"));
    if (!panes.length) return;
    const wrap = wrapIn(panes, "code-block source-block");
    addCopyButton(wrap, () => panes.filter((p) => !p.hidden)[0] || panes[0], announce);
  });
}
