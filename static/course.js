// The course page's entry module: it wires the modules of the page, one
// concern each, in the order the page needs them. Module scripts run once
// the document is parsed, so the DOM is all there.
//
//   socket.js    the page's one websocket: reconnects, hands frames to runs
//   panel.js     a demo panel: run, stop, status, console, errors
//     runtime.js   the runtime switch: Go or the Python original
//     terminal.js  the console: \r, \b and \n rendered in place
//     knobs.js     parameter fields and sliders
//     knobsline.js on a phone, the knobs folded into one line
//     params.js    parameter values checked as the server checks them
//     address.js   parameters in the address and the share link
//     compare.js   "compare": the B side, only what differs from A
//     repeat.js    "run ×N" (orders.js draws what the runs add up to)
//     predict.js   the learner's predicted time against the measured one
//     gallery.js   the flags of the download demos
//     tabs.js      the source tabs
//   timelinewatch.js  keeps a panel's first announcements and loads
//   timeline.js  the live timeline (trace.js, dom.js; orders.js for run ×N)
//                on the first run
//   toc.js       the table of contents, a toggle on phones
//   searchbox.js the search box in the header (search.js, loaded on first use),
//                and the searched words marked on the page a result opens
//   copy.js      copy buttons on code
//   core.js      "只看核心": fold a demo's source down to its core lines
//   answers.js   answer keys show the learner's last prediction
//   anchors.js   "#" links on headings
//   progress.js  progress kept in this browser
//   keys.js      ←/→ between lessons, Shift+Enter and Esc for the demo in view
//
// theme.js is not among them: it is a classic script in <head>, because a
// module runs only after the document is parsed, too late to set the
// theme before the first paint.

import { setupAnchors } from "./anchors.js";
import { setupAnswers } from "./answers.js";
import { setupCopy } from "./copy.js";
import { setupCore } from "./core.js";
import { setupKeys } from "./keys.js";
import { Panel } from "./panel.js";
import { setupProgress } from "./progress.js";
import { markLanding, setupSearchBox } from "./searchbox.js";
import { Socket } from "./socket.js";
import { watchTimeline } from "./timelinewatch.js";
import { setupToc } from "./toc.js";

const sections = document.querySelectorAll("section.demo");
// The timeline listens to the runs a panel announces, so it is in place
// before any panel can start one.
sections.forEach(watchTimeline);
sections.forEach((s) => {
  const box = s.querySelector(".sched-box");
  if (!box) return;
  box.hidden = false;
  let p;
  box.firstElementChild.onchange = (e) => e.target.checked && (p ||= import(box.dataset.module).then((m) => m.watchSchedView(s)));
});

const socket = new Socket();
const panels = new Map(); // demo id -> panel
sections.forEach((s) => {
  const p = new Panel(s, socket, panels);
  panels.set(p.demo, p);
});
// Restore after every panel exists: a comparison copies its partner's
// fields.
const query = new URLSearchParams(location.search);
panels.forEach((p) => p.restore(query));
if (panels.size) socket.connect();

setupToc();
setupSearchBox();
setupCopy();
setupCore();
setupAnswers();
setupAnchors();
setupProgress();
setupKeys();
// Last: the marks go into the page as the other modules left it.
markLanding();
