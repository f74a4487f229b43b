// The table of contents, a sidebar on wide screens and a toggle on phones.
// The toggle's open state is the class toc-open on <body> plus
// aria-expanded on the button. Opening it puts the focus on the current
// lesson; Esc (keys.js) closes it and gives the focus back.

export function setToc(open) {
  document.body.classList.toggle("toc-open", open);
  const button = document.querySelector(".toc-toggle");
  if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
}

export function tocOpen() {
  return document.body.classList.contains("toc-open");
}

export function setupToc() {
  const toc = document.getElementById("toc");
  const button = document.querySelector(".toc-toggle");
  if (!toc || !button) return;
  button.addEventListener("click", () => {
    const open = !tocOpen();
    setToc(open);
    if (open) {
      const current = toc.querySelector('a[aria-current="page"]') || toc.querySelector("a");
      if (current) current.focus();
    }
  });
  // Following a link in the open list closes it (a link to this same page
  // would otherwise leave it covering the lesson).
  toc.addEventListener("click", (e) => {
    if (e.target.closest("a")) setToc(false);
  });
  // In the sidebar, bring the current lesson into view.
  const here = toc.querySelector('a[aria-current="page"]');
  if (here && toc.scrollHeight > toc.clientHeight) {
    toc.scrollTop = Math.max(0, here.offsetTop - toc.clientHeight / 2);
  }
}
