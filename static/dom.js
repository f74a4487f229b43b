// Small helpers to build SVG and HTML with DOM calls (no markup strings:
// the strict CSP and the text stay safe), for the timeline's drawings.

const SVGNS = "http://www.w3.org/2000/svg";

// svg makes an SVG element with attributes, appended to parent if given.
export function svg(name, attrs, parent) {
  const e = document.createElementNS(SVGNS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

// html makes an HTML element with a class and text, appended to parent.
export function html(name, cls, parent, text) {
  const e = document.createElement(name);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

// r1 rounds a coordinate to a tenth of a pixel: shorter SVG, same picture.
export function r1(x) {
  return Math.round(x * 10) / 10;
}
