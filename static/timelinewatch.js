// The timeline's first moments: timeline.js (with trace.js, orders.js and
// dom.js) draws it, but a page fetches that only when one of its panels
// starts a run, so a page read without running anything does not pay for
// it. Until it is there, the panel's announcements ("demo-start",
// "demo-frame", "demo-exit") are kept, in order, and handed over.

export function watchTimeline(section) {
  if (!section.querySelector("figure.timeline")) return;
  const types = ["demo-start", "demo-frame", "demo-exit"];
  const kept = [];
  let loading = null;
  const keep = (e) => {
    kept.push({ type: e.type, detail: e.detail || {} });
    loading ||= import("./timeline.js").then((m) => {
      // One turn of the event loop: the view listens from here on, and
      // what came before is replayed to it first.
      types.forEach((t) => section.removeEventListener(t, keep));
      m.drawTimeline(section, kept);
    });
  };
  types.forEach((t) => section.addEventListener(t, keep));
}
