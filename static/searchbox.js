// The search box's first moments: it shows the box (hidden without a
// script, since searching needs one), makes "/" anywhere but in a field
// jump to it, and loads search.js, which does the searching, the first
// time the box gets the focus. search.js is an entry of its own, not an
// import, so the page does not fetch it until then; its address, with
// its content hash, is the form's data-module.

export function setupSearchBox() {
  const form = document.querySelector("form.search[data-module]");
  if (!form) return;
  const input = form.querySelector(".search-input");
  form.hidden = false;
  let loaded = false;
  const load = () => {
    if (loaded) return;
    loaded = true;
    const script = document.createElement("script");
    script.type = "module";
    script.src = form.dataset.module;
    document.head.appendChild(script);
  };
  input.addEventListener("focus", load);
  input.addEventListener("pointerenter", load); // a mouse on its way: start early
  document.addEventListener("keydown", (e) => {
    if (e.key !== "/" || e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented || e.isComposing) return;
    const t = e.target;
    if (t && t.nodeType === 1 && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    input.focus();
    input.select();
  });
}
