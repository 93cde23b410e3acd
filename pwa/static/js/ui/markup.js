// Simple photo markup on a canvas (issue #15): arrow, circle and text, with undo. Marks are
// kept as a list in the photo's pixel coordinates and redrawn over the untouched original,
// so saving gives both the marked-up image and the original. Big targets for gloved thumbs.

import { t } from "../i18n.js";
import { h } from "./dom.js";
import { makeCanvas } from "../image.js";

const COLOUR = "#e0001b";
const TOOLS = ["arrow", "circle", "text"];
const MIN_DRAG = 0.02; // of the longest side: shorter drags are taps, not marks

function strokeOf(canvas) {
  return Math.max(3, Math.round(Math.max(canvas.width, canvas.height) / 180));
}

function drawArrow(g, m, width) {
  const angle = Math.atan2(m.y2 - m.y1, m.x2 - m.x1);
  const head = width * 4.5;
  g.beginPath();
  g.moveTo(m.x1, m.y1);
  g.lineTo(m.x2 - Math.cos(angle) * head * 0.6, m.y2 - Math.sin(angle) * head * 0.6);
  g.stroke();
  g.beginPath();
  g.moveTo(m.x2, m.y2);
  g.lineTo(m.x2 - head * Math.cos(angle - Math.PI / 7), m.y2 - head * Math.sin(angle - Math.PI / 7));
  g.lineTo(m.x2 - head * Math.cos(angle + Math.PI / 7), m.y2 - head * Math.sin(angle + Math.PI / 7));
  g.closePath();
  g.fill();
}

/** Draw one mark on a 2D context sized like the photo. */
export function drawMark(g, m, width) {
  g.save();
  g.strokeStyle = COLOUR;
  g.fillStyle = COLOUR;
  g.lineWidth = width;
  g.lineCap = "round";
  g.lineJoin = "round";
  if (m.kind === "arrow") drawArrow(g, m, width);
  else if (m.kind === "circle") {
    g.beginPath();
    g.arc(m.x1, m.y1, Math.max(width * 2, Math.hypot(m.x2 - m.x1, m.y2 - m.y1)), 0, Math.PI * 2);
    g.stroke();
  } else if (m.kind === "text") {
    g.font = `bold ${m.size}px sans-serif`;
    g.textBaseline = "middle";
    g.lineWidth = Math.max(2, m.size / 6);
    g.strokeStyle = "#ffffff"; // a white edge keeps the words legible on any background
    g.strokeText(m.text, m.x1, m.y1);
    g.fillText(m.text, m.x1, m.y1);
  }
  g.restore();
}

/**
 * A markup editor over `source` (a canvas holding the photo, left untouched). onSave({original,
 * marked, marks}) gets the original canvas and a new canvas with the marks drawn on it.
 */
export function markupEditor(source, { onSave, onCancel }) {
  const marks = [];
  let tool = "arrow";
  let draft = null;
  const width = strokeOf(source);
  const view = makeCanvas(source.width, source.height);
  view.className = "markup-canvas";
  view.id = "markup-canvas";
  view.setAttribute("role", "img");
  view.setAttribute("aria-label", t("markup_canvas"));
  const g = view.getContext("2d");
  const textInput = h("input", { type: "text", id: "markup-words", maxlength: 40, placeholder: t("markup_text_placeholder"), "aria-label": t("markup_text_label") });
  const hint = h("p", { class: "sub", id: "markup-hint", "aria-live": "polite" }, t("markup_hint_arrow"));
  const count = h("span", { class: "sub", id: "markup-count" });
  const undo = h("button", { type: "button", class: "btn", id: "markup-undo", disabled: true }, t("markup_undo"));
  const save = h("button", { type: "button", class: "btn primary block", id: "markup-save", disabled: true }, t("markup_save"));

  function redraw() {
    g.clearRect(0, 0, view.width, view.height);
    g.drawImage(source, 0, 0);
    for (const m of draft ? [...marks, draft] : marks) drawMark(g, m, width);
    undo.disabled = !marks.length;
    save.disabled = !marks.length; // nothing drawn: nothing to save (the photo is already kept)
    count.textContent = marks.length ? t("markup_count", { n: marks.length }) : "";
  }

  const toolButtons = TOOLS.map((name) => h("button", {
    type: "button", class: ["btn", "tool", name === tool ? "on" : null], id: `markup-${name}`, "aria-pressed": String(name === tool),
    onclick: () => {
      tool = name;
      for (const b of toolButtons) {
        const on = b.id === `markup-${name}`;
        b.classList.toggle("on", on);
        b.setAttribute("aria-pressed", String(on));
      }
      textRow.hidden = name !== "text";
      hint.textContent = t(`markup_hint_${name}`);
      if (name === "text") textInput.focus();
    },
  }, t(`markup_${name}`)));
  const textRow = h("label", { class: "field", for: "markup-words", hidden: true }, h("span", {}, t("markup_text_label")), textInput);

  function point(e) {
    const r = view.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * view.width, y: ((e.clientY - r.top) / r.height) * view.height };
  }
  view.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    const p = point(e);
    if (tool === "text") {
      const text = textInput.value.trim();
      if (!text) {
        hint.textContent = t("markup_text_first");
        textInput.focus();
        return;
      }
      marks.push({ kind: "text", text, x1: p.x, y1: p.y, size: Math.max(18, Math.round(Math.max(view.width, view.height) / 22)) });
      textInput.value = "";
      hint.textContent = t("markup_hint_text");
      redraw();
      return;
    }
    view.setPointerCapture?.(e.pointerId);
    draft = { kind: tool, x1: p.x, y1: p.y, x2: p.x, y2: p.y };
  });
  view.addEventListener("pointermove", (e) => {
    if (!draft) return;
    const p = point(e);
    draft.x2 = p.x;
    draft.y2 = p.y;
    redraw();
  });
  const finish = () => {
    if (!draft) return;
    const long = Math.max(view.width, view.height);
    const drawn = Math.hypot(draft.x2 - draft.x1, draft.y2 - draft.y1) >= MIN_DRAG * long;
    if (drawn) marks.push(draft);
    hint.textContent = t(drawn ? `markup_hint_${tool}` : "markup_drag");
    draft = null;
    redraw();
  };
  view.addEventListener("pointerup", finish);
  view.addEventListener("pointercancel", () => { draft = null; redraw(); });
  undo.addEventListener("click", () => { marks.pop(); redraw(); });

  save.addEventListener("click", () => {
    if (!marks.length) return;
    const marked = makeCanvas(source.width, source.height);
    const mg = marked.getContext("2d");
    mg.drawImage(source, 0, 0);
    for (const m of marks) drawMark(mg, m, width);
    onSave({ original: source, marked, marks: marks.length });
  });
  redraw();
  // The photo first, the tools under it (in reach of the thumb), then save.
  return h("div", { class: "markup", id: "markup" },
    hint, view, count,
    h("div", { class: "markup-tools", role: "group", "aria-label": t("markup_tools") }, toolButtons, undo),
    textRow,
    save,
    h("button", { type: "button", class: "btn block", id: "markup-cancel", onclick: () => onCancel?.() }, t("markup_cancel")));
}
