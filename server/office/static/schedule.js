// The schedule board (issue #16): draws the grid from /office/schedule/data, moves jobs by drag and
// drop or by the keyboard (Enter on a job opens the same form), and polls the change cursor so a
// change by another dispatcher shows without a reload. Writes go to /office/schedule/work-orders/<id>/move
// with the CSRF header; the server calls the dispatch service, so reason and consent rules are its own.
import { navTargets } from "/static/js/navlinks.js";

const root = document.getElementById("schedule");
const T = (key) => root.dataset[`t${key.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())}`] || key;
const grid = document.getElementById("grid");
const waitingList = document.getElementById("waiting");
const statusLine = document.getElementById("board-status");
const dialog = document.getElementById("move-dialog");
const form = document.getElementById("move-form");
const dateInput = document.getElementById("board-date");
const SLOT_MIN = 30;
const FIRST_HOUR = 7;
const LAST_HOUR = 21; // the day view shows 07:00-21:00, service-area time
const TZ_OFFSET_MIN = 8 * 60; // the service area's time (UTC+8), whatever the browser's zone

// gen counts this board's own saves, so a poll that crossed one is not taken for another's change
let state = { cursor: root.dataset.cursor, data: null, moving: null, gen: 0 };

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = Array.isArray(v) ? v.filter(Boolean).join(" ") : v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

// --- service-area time helpers: "YYYY-MM-DDTHH:MM" local <-> ISO with offset ---------------------
function localParts(iso) {
  const d = new Date(new Date(iso).getTime() + TZ_OFFSET_MIN * 60000);
  return d.toISOString().slice(0, 16); // "YYYY-MM-DDTHH:MM" in UTC+8
}
function toIso(local) {
  return local ? `${local}:00+08:00` : null;
}
function minutesOfDay(local) {
  const [hh, mm] = local.slice(11, 16).split(":").map(Number);
  return hh * 60 + mm;
}
function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function pad(n) {
  return String(n).padStart(2, "0");
}
function atMinutes(day, minutes) {
  return `${day}T${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function span() {
  return document.querySelector("input[name=span]:checked").value;
}

function say(text, kind = "success") {
  statusLine.hidden = false;
  statusLine.className = `flash flash-${kind}`;
  statusLine.textContent = text;
}

function navLinks(address) {
  return h("span", { class: "nav-links" },
    navTargets(address).map((n) => h("a", { href: n.href, "data-nav": n.id, rel: "noopener", target: n.id === "geo" ? null : "_blank" }, T(`nav-${n.id}`))));
}

function jobCard(job, { placed = false } = {}) {
  // The card drags; its first element is a button (the keyboard alternative: Enter or Space opens
  // the move form); the links beside it stay links, so nothing interactive nests inside another.
  const current = () => openMove(job, job.technician_id, job.appointment_start ? localParts(job.appointment_start) : null);
  const card = h("div", {
    class: ["job", `prio-${job.priority}`, placed && "placed"],
    draggable: "true",
    "data-id": job.id,
    "data-ticket": job.ticket_no,
  },
  h("button", {
    type: "button",
    class: "move",
    "aria-haspopup": "dialog",
    "aria-label": `${T("move-title")}: ${job.ticket_no} ${job.customer} ${job.time || T("not-scheduled")}`,
    onclick: current,
  },
  h("strong", {}, job.time ? `${job.time} ` : "", job.ticket_no), " ",
  h("span", { class: "badge" }, job.priority_label),
  h("span", { class: "who" }, job.customer),
  h("span", { class: "where" }, job.city || "")),
  navLinks(job.address),
  h("a", { class: "open", href: `/office/work-orders/${job.id}` }, T("open")));
  card.addEventListener("dragstart", (ev) => {
    ev.dataTransfer.setData("text/plain", job.id);
    ev.dataTransfer.effectAllowed = "move";
    grid.classList.add("dragging");
  });
  card.addEventListener("dragend", () => grid.classList.remove("dragging"));
  return card;
}

function allJobs() {
  return [...state.data.jobs, ...state.data.waiting];
}

function dropTarget(cell, techId, when) {
  cell.dataset.tech = techId;
  cell.addEventListener("dragover", (ev) => {
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    cell.classList.add("over");
  });
  cell.addEventListener("dragleave", () => cell.classList.remove("over"));
  cell.addEventListener("drop", (ev) => {
    ev.preventDefault();
    cell.classList.remove("over");
    grid.classList.remove("dragging");
    const job = allJobs().find((j) => j.id === ev.dataTransfer.getData("text/plain"));
    if (job) openMove(job, techId, when(job));
  });
}

function drawDay(data) {
  const day = data.days[0];
  const opens = day.opens ? minutesOfDay(localParts(day.opens)) : null;
  const closes = day.closes ? minutesOfDay(localParts(day.closes)) : null;
  const slots = [];
  for (let m = FIRST_HOUR * 60; m < LAST_HOUR * 60; m += SLOT_MIN) slots.push(m);
  const total = (LAST_HOUR - FIRST_HOUR) * 60;
  const head = h("div", { class: "row head" }, h("div", { class: "tech" }),
    h("div", { class: "track" }, slots.filter((m) => m % 60 === 0).map((m) =>
      h("span", { class: "hour", style: null, "data-left": ((m - FIRST_HOUR * 60) / total) * 100 }, `${pad(m / 60)}:00`))));
  const rows = data.technicians.map((tech) => {
    const track = h("div", { class: "track", "data-tech": tech.id },
      slots.map((m) => {
        const off = opens === null || m < opens || m >= closes;
        const cell = h("div", { class: ["slot", off && "off-hours"], "data-slot": atMinutes(day.date, m), title: atMinutes(day.date, m).slice(11) });
        dropTarget(cell, tech.id, () => atMinutes(day.date, m));
        return cell;
      }));
    for (const job of data.jobs.filter((j) => j.technician_id === tech.id)) {
      const start = minutesOfDay(localParts(job.appointment_start));
      const end = job.appointment_end ? minutesOfDay(localParts(job.appointment_end)) : start + 60;
      const card = jobCard(job, { placed: true });
      const from = Math.max(start, FIRST_HOUR * 60);
      const to = Math.min(Math.max(end, start + SLOT_MIN), LAST_HOUR * 60);
      card.style.left = `${((from - FIRST_HOUR * 60) / total) * 100}%`;
      card.style.width = `${(Math.max(to - from, SLOT_MIN) / total) * 100}%`;
      track.append(card);
    }
    return h("div", { class: "row", "data-technician": tech.name, "data-tech-id": tech.id },
      h("div", { class: "tech" }, tech.name, tech.service_area ? h("small", {}, tech.service_area) : null), track);
  });
  grid.replaceChildren(head, ...rows);
  for (const el of grid.querySelectorAll(".hour")) el.style.left = `${el.dataset.left}%`;
}

function drawWeek(data) {
  const head = h("div", { class: "row head" }, h("div", { class: "tech" }),
    h("div", { class: "week" }, data.days.map((d) => h("div", { class: ["day-head", !d.opens && "off-hours"] }, d.date.slice(5)))));
  const rows = data.technicians.map((tech) => h("div", { class: "row", "data-technician": tech.name, "data-tech-id": tech.id },
    h("div", { class: "tech" }, tech.name, tech.service_area ? h("small", {}, tech.service_area) : null),
    h("div", { class: "week" }, data.days.map((d) => {
      const cell = h("div", { class: ["day-cell", !d.opens && "off-hours"], "data-day": d.date },
        data.jobs.filter((j) => j.technician_id === tech.id && localParts(j.appointment_start).slice(0, 10) === d.date).map((j) => jobCard(j)));
      // a week drop keeps the job's time of day, or takes the day's opening hour
      dropTarget(cell, tech.id, (job) => {
        const time = job.appointment_start ? localParts(job.appointment_start).slice(11) : d.opens ? localParts(d.opens).slice(11) : "09:00";
        return `${d.date}T${time}`;
      });
      return cell;
    }))));
  grid.replaceChildren(head, ...rows);
}

function draw(data) {
  state.data = data;
  state.cursor = String(data.cursor);
  grid.dataset.span = data.span;
  if (data.span === "week") drawWeek(data);
  else drawDay(data);
  const names = Object.fromEntries(data.technicians.map((t) => [t.id, t.name]));
  waitingList.replaceChildren(...(data.waiting.length ? data.waiting.map((j) => h("li", {},
    jobCard(j), h("small", { class: "muted" }, j.technician_id ? names[j.technician_id] || "" : T("unassigned"), " · ", j.status_label))) : [h("li", { class: "muted" }, T("none-waiting"))]));
}

async function load() {
  const params = new URLSearchParams({ date: dateInput.value || root.dataset.day, span: span() });
  const r = await fetch(`/office/schedule/data?${params}`, { credentials: "same-origin" });
  if (r.ok) draw(await r.json());
}

// --- the move form: the drop's confirmation and the keyboard alternative -----------------------
function showErrors(errors = {}) {
  for (const p of form.querySelectorAll(".field-error")) p.textContent = (errors[p.dataset.for] || []).join(" ");
}

async function preview() {
  const job = state.moving;
  if (!job) return;
  const params = new URLSearchParams({ technician_id: form.technician_id.value });
  if (form.appointment_start.value) params.set("appointment_start", toIso(form.appointment_start.value));
  if (form.appointment_end.value) params.set("appointment_end", toIso(form.appointment_end.value));
  const r = await fetch(`/office/schedule/work-orders/${job.id}/warnings?${params}`, { credentials: "same-origin" });
  const body = r.ok ? await r.json() : { warnings: [] };
  document.getElementById("move-warnings").replaceChildren(...(body.warnings || []).map((w) => h("li", { class: "warning", "data-code": w.code }, w.message)));
}

function openMove(job, techId, startLocal) {
  state.moving = job;
  document.getElementById("move-job").textContent = `${job.ticket_no} · ${job.customer} · ${job.address || ""}`;
  if (techId) form.technician_id.value = techId;
  let length = 60;
  if (job.appointment_start && job.appointment_end) length = (new Date(job.appointment_end) - new Date(job.appointment_start)) / 60000;
  form.appointment_start.value = startLocal || "";
  form.appointment_end.value = startLocal ? localParts(new Date(new Date(toIso(startLocal)).getTime() + length * 60000).toISOString()) : "";
  form.reason.value = "";
  form.customer_consent.checked = false;
  showErrors();
  document.getElementById("move-warnings").replaceChildren();
  if (!dialog.open) dialog.showModal();
  preview();
  (startLocal && techId ? form.reason : form.technician_id).focus();
}

form.technician_id.addEventListener("change", preview);
form.appointment_start.addEventListener("change", () => {
  if (form.appointment_start.value && state.moving) {
    const j = state.moving;
    const length = j.appointment_start && j.appointment_end ? (new Date(j.appointment_end) - new Date(j.appointment_start)) / 60000 : 60;
    form.appointment_end.value = localParts(new Date(new Date(toIso(form.appointment_start.value)).getTime() + length * 60000).toISOString());
  }
  preview();
});
form.appointment_end.addEventListener("change", preview);
document.getElementById("move-cancel").addEventListener("click", () => dialog.close());
dialog.addEventListener("close", () => {
  const id = state.moving && state.moving.id;
  state.moving = null;
  const handle = id && document.querySelector(`.job[data-id="${id}"] button.move`);
  if (handle) handle.focus();
});

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const job = state.moving;
  if (!job) return;
  const body = {
    technician_id: form.technician_id.value,
    appointment_start: toIso(form.appointment_start.value),
    appointment_end: toIso(form.appointment_end.value),
    reason: form.reason.value.trim() || null,
    customer_consent: form.customer_consent.checked,
  };
  if (!body.appointment_start) delete body.appointment_start;
  let r;
  try {
    r = await fetch(`/office/schedule/work-orders/${job.id}/move`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify(body),
    });
  } catch {
    showErrors({ _schema: [T("offline")] });
    return;
  }
  const answer = await r.json().catch(() => ({}));
  if (!r.ok) {
    showErrors(answer.errors || { _schema: [T("failed")] });
    return;
  }
  state.gen += 1;
  if (answer.cursor !== undefined) state.cursor = String(answer.cursor);
  dialog.close();
  const warnings = (answer.warnings || []).map((w) => w.message);
  say([T("moved"), ...warnings].join(" "), warnings.length ? "warning" : "success");
  await load();
  const handle = document.querySelector(`.job[data-id="${job.id}"] button.move`);
  if (handle) handle.focus(); // the keyboard user stays on the job just moved
});

// --- live updates: poll the change cursor; fetch the grid again when it moved --------------------
async function poll() {
  try {
    const gen = state.gen;
    const r = await fetch(`/office/schedule/changes?since=${encodeURIComponent(state.cursor)}`, { credentials: "same-origin" });
    if (r.ok) {
      const body = await r.json();
      if (body.changed && !state.moving && gen === state.gen && String(body.cursor) !== state.cursor) {
        await load();
        say(T("updated"));
      }
    }
  } catch {
    /* offline for a moment: the next poll tries again */
  }
  setTimeout(poll, Number(root.dataset.pollMs) || 3000);
}

document.getElementById("prev").addEventListener("click", () => { dateInput.value = addDays(dateInput.value, span() === "week" ? -7 : -1); load(); });
document.getElementById("next").addEventListener("click", () => { dateInput.value = addDays(dateInput.value, span() === "week" ? 7 : 1); load(); });
document.getElementById("today").addEventListener("click", () => { dateInput.value = root.dataset.day; load(); });
dateInput.addEventListener("change", load);
for (const r of document.querySelectorAll("input[name=span]")) r.addEventListener("change", load);

load().then(() => setTimeout(poll, Number(root.dataset.pollMs) || 3000));
