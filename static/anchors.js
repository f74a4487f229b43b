// Each heading with an id gets a "#" link to itself, for sharing a deep
// link (the ids keep their Chinese text).

export function setupAnchors() {
  document.querySelectorAll(".prose h2[id], .prose h3[id]").forEach((h) => {
    h.appendChild(anchor(h.id));
  });
  // A panel's title names the panel (aria-labelledby), so its link goes
  // beside the title rather than into it.
  document.querySelectorAll("section.demo[id] .demo-head h2").forEach((h) => {
    h.parentNode.insertBefore(anchor(h.closest("section.demo").id), h.nextSibling);
  });
}

function anchor(id) {
  const a = document.createElement("a");
  a.className = "anchor";
  a.href = "#" + encodeURIComponent(id);
  a.textContent = "#";
  a.setAttribute("aria-label", "本节链接");
  return a;
}
