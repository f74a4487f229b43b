// A panel's parameters as part of the page's address, so that a link
// brings the same configuration back. ?flags-semaphore.limit=3 sets limit
// on that panel; a comparison adds flags-semaphore.vs=<demo> and
// flags-semaphore.vs.limit=20 (vs=python|go: itself in that runtime), and
// flags-semaphore.runtime=python runs it in Python. Only values that
// differ from the defaults are written, so links stay short.

// queryString keeps commas readable: a durations list stays "1s,2s".
function queryString(q) {
  return q.toString().replace(/%2C/gi, ",");
}

// panelQuery is one panel's part of the address: its runtime, its own
// values a, and when it compares, the partner vs and the B side's values b.
export function panelQuery(demo, runtime, a, vs, b) {
  const q = new URLSearchParams();
  if (runtime !== "go") q.set(demo + ".runtime", runtime);
  Object.keys(a).forEach((k) => q.set(demo + "." + k, a[k]));
  if (vs) {
    q.set(demo + ".vs", vs);
    Object.keys(b).forEach((k) => q.set(demo + ".vs." + k, b[k]));
  }
  return q;
}

// readPanel picks one panel's part out of the address: its runtime (or
// null), its own values as [name, value] pairs in the order written, the
// partner of a comparison (or null) and the B side's values.
export function readPanel(query, demo) {
  const prefix = demo + ".";
  const own = [];
  const b = {};
  let vs = null;
  let runtime = null;
  query.forEach((value, key) => {
    if (key.indexOf(prefix) !== 0) return;
    const name = key.slice(prefix.length);
    if (name === "vs") vs = value;
    else if (name === "runtime") runtime = value;
    else if (name.indexOf("vs.") === 0) b[name.slice(3)] = value;
    else own.push([name, value]);
  });
  return { runtime, own, vs, b };
}

// writePanel replaces one panel's part of the address, leaving the other
// panels' parts and the fragment as they are.
export function writePanel(demo, part) {
  const q = new URLSearchParams(location.search);
  const prefix = demo + ".";
  Array.from(q.keys()).forEach((k) => {
    if (k.indexOf(prefix) === 0) q.delete(k);
  });
  part.forEach((v, k) => q.append(k, v));
  const s = queryString(q);
  try {
    history.replaceState(history.state, "", location.pathname + (s ? "?" + s : "") + location.hash);
  } catch (e) { /* some embedded browsers refuse; the share link still works */ }
}

// shareHref is a link to this page with one panel's part, landing on it.
export function shareHref(part, anchor) {
  const s = queryString(part);
  return location.pathname + (s ? "?" + s : "") + "#" + anchor;
}
