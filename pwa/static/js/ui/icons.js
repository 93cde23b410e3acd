// The app's icons: small inline SVGs shipped in the bundle (so precached with it), drawn in
// the text's colour (currentColor) and hidden from screen readers (aria-hidden: the words
// next to an icon say what it means). They replace emoji and symbol characters, which show
// as empty boxes on phones without an emoji font (issue #15).

const NS = "http://www.w3.org/2000/svg";

// 24 x 24 outline paths (stroke: currentColor, 2 px, round ends).
const PATHS = {
  check: ["M5 12.5l4.5 4.5L19 7.5"],
  cross: ["M6 6l12 12", "M18 6L6 18"],
  circle: ["M12 19a7 7 0 1 0 0-14 7 7 0 0 0 0 14z"],
  key: ["M14.5 9.5a4.5 4.5 0 1 0-3.2 4.3", "M11.3 13.8L20 5", "M17 8l2.5 2.5", "M14.5 10.5l2 2", "M8 9.5h.01"],
  camera: ["M4 8h3.5L9 5.5h6L16.5 8H20v11H4z", "M12 16.5a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z"],
  locate: ["M12 20s6.5-5.6 6.5-10.5a6.5 6.5 0 0 0-13 0C5.5 14.4 12 20 12 20z", "M12 11.5a2 2 0 1 0 0-4 2 2 0 0 0 0 4z"],
  phone: ["M6.5 3.5h3l1.5 4-2 1.5a11 11 0 0 0 6 6l1.5-2 4 1.5v3a2 2 0 0 1-2 2A16.5 16.5 0 0 1 4.5 5.5a2 2 0 0 1 2-2z"],
  scan: ["M4 8V5h3", "M17 5h3v3", "M20 16v3h-3", "M7 19H4v-3", "M8 8.5v7", "M11 8.5v7", "M14 8.5v7", "M16.5 8.5v7"],
  warn: ["M12 4l9 16H3z", "M12 10v4.5", "M12 17.5h.01"],
  cloud_off: ["M7 18h10a4 4 0 0 0 .8-7.9A6 6 0 0 0 6.3 9.6 4.3 4.3 0 0 0 7 18z", "M4 4l16 16"],
  sync: ["M19 8a7.5 7.5 0 0 0-13.3-1.5", "M5 16a7.5 7.5 0 0 0 13.3 1.5", "M19 4v4h-4", "M5 20v-4h4"],
};

/** The names of the icons there are. */
export const ICONS = Object.freeze(Object.keys(PATHS));

/** An inline SVG icon `name` (one of ICONS), decorative: aria-hidden, currentColor, 1.2em square. */
export function icon(name, { cls = "" } = {}) {
  const paths = PATHS[name];
  if (!paths) throw new Error(`no icon ${name}`);
  const svg = document.createElementNS(NS, "svg");
  for (const [k, v] of Object.entries({
    viewBox: "0 0 24 24", width: "1.2em", height: "1.2em", fill: "none", stroke: "currentColor",
    "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round",
    "aria-hidden": "true", focusable: "false", class: `icon icon-${name}${cls ? ` ${cls}` : ""}`,
  })) svg.setAttribute(k, v);
  svg.dataset.icon = name;
  for (const d of paths) {
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

/** An icon followed by a space, to put before a label: h("a", {}, iconed("phone"), phone). */
export function iconed(name) {
  return [icon(name), " "];
}
