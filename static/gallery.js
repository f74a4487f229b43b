// The flag gallery of the download demos: a download that ended ok puts
// its flag here, in arrival order. The image comes from our own origin
// (/flags/), the same bytes the flag server sent the demo.

export class Gallery {
  constructor(el) {
    this.el = el;
  }

  clear() {
    this.el.textContent = "";
  }

  // add shows the flag of a task named by a country code ("CN", or
  // "CN gif") when the event is its successful end.
  add(ev) {
    if (ev.phase !== "end" || ev.status !== "ok") return;
    const m = /^([A-Z]{2})(?: gif)?$/.exec(ev.task);
    if (!m || this.el.querySelector('[data-cc="' + m[1] + '"]')) return;
    const cc = m[1].toLowerCase();
    const fig = document.createElement("figure");
    fig.dataset.cc = m[1];
    const img = document.createElement("img");
    img.src = "/flags/" + cc + "/" + cc + ".gif";
    img.alt = m[1] + " 国旗";
    img.width = 60;
    img.height = 40;
    const cap = document.createElement("figcaption");
    cap.textContent = m[1];
    fig.appendChild(img);
    fig.appendChild(cap);
    this.el.appendChild(fig);
  }
}
