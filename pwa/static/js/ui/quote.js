// Step 7: the fee quote, BEFORE the repair [seed 003 §三(五)2, §三(七)1-2]. The technician
// plans the parts (from the van or the catalogue, with the old part traded in or not), the
// work and travel minutes, and any waiver or discount with its reason; the phone prices it
// with the synced fee schedule exactly as the server will (fees.js), shows it in the
// customer's language and records the customer's consent or refusal. A refusal leads to
// the three-guarantees (三包) explanation: the customer agrees after all, the office is
// asked, or the visit ends with outcome `refused` and no repair.

import { FeeError, canonicalQuote, cents, computeQuote, describeLines, money as moneyOfCents, partCovered, scheduleFrom, visitCovered } from "../fees.js";
import { dismissRejected, rejectedEntries } from "../outbox.js";
import { live, partsAndStock, recordMany, recordVisit, syncedFeeSchedule, updateWorkOrder, voidRecord } from "../records.js";
import { locale, money, reason, supported, t } from "../i18n.js";
import { events, has, latestQuote } from "../visit.js";
import { isoWithOffset } from "../wire.js";
import { formValues, h, replace } from "./dom.js";
import { icon } from "./icons.js";
import { loadValue, saveValue } from "./drafts.js";
import { ask } from "./leave_guard.js";
import { actionButton, field, loadJob, sealedNotice, stepPage } from "./visitkit.js";

/** Rejections that mean: price the quote again with the current schedule. */
export const REPRICE_CODES = new Set(["sync.fee_schedule_stale", "sync.quote_mismatch", "sync.quote_invalid"]);

/** A table of fee lines and the total. */
export function feeTable(quote, loc) {
  return h("table", { class: "fees", id: "fee-table" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("fee_item", {}, loc)), h("th", { scope: "col", class: "amount" }, t("amount", {}, loc)))),
    h("tbody", {}, quote.lines.map((l) => h("tr", { "data-kind": l.kind }, h("td", {}, l.description), h("td", { class: "amount" }, money(l.amount, loc))))),
    h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, t("total", {}, loc)), h("td", { class: "amount total", id: "fee-total" }, money(quote.total, loc)))));
}

/** Minutes from the last departure to the arrival after it (travel time), or 0. */
export function travelMinutes(records) {
  const departed = events(records, "departed").at(-1);
  const arrived = events(records, "arrived").filter((e) => !departed || e.at >= departed.at).at(-1);
  if (!departed || !arrived) return 0;
  const minutes = Math.round((Date.parse(arrived.at) - Date.parse(departed.at)) / 60000);
  return Number.isFinite(minutes) ? Math.min(1440, Math.max(0, minutes)) : 0;
}

/** The plan a quote was made from (to start again from the last one). */
function planOf(q) {
  return {
    work_minutes: q.work_minutes ?? 0,
    travel_minutes: q.travel_minutes ?? 0,
    parts: (q.parts || []).map((p) => ({ part_number: p.part_number, quantity: p.quantity ?? 1, trade_in: !!p.trade_in, serial_removed: p.serial_removed ?? null })),
    adjustments: (q.adjustments || []).map((a) => ({ kind: a.kind, line: a.line ?? null, amount: a.amount ?? null, reason: a.reason })),
  };
}

/** The quote's wire fields without consent: what is priced and how. */
export function priced({ plan, schedule, covered, product, describe }) {
  const quote = computeQuote(schedule, {
    covered,
    work_minutes: plan.work_minutes,
    parts: plan.parts.map((p) => ({ ...p, covered: partCovered(product, p.serial_removed) })),
    adjustments: plan.adjustments,
  });
  return describeLines(quote, describe);
}

/** The recorded quote is the plan's quote: same priced lines (parts, trade-ins, adjustments) and times. */
export function sameAs(recorded, plan, quote) {
  const norm = (q) => canonicalQuote({
    lines: (q.lines || []).map((l) => ({ ...l, amount: moneyOfCents(cents(l.amount)) })), total: moneyOfCents(cents(q.total)),
  });
  return !!recorded && norm(recorded) === norm(quote) &&
    (recorded.work_minutes ?? 0) === plan.work_minutes && (recorded.travel_minutes ?? 0) === plan.travel_minutes;
}

/** The quote screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, customer, product, records, signed } = bundle;
  const loc = supported(customer?.locale);
  const { parts, stock, usedLocally } = await partsAndStock();
  const synced = await syncedFeeSchedule();
  const schedule = scheduleFrom(synced, ctx.app.config.fees, parts);
  const covered = visitCovered(wo, product, records);
  const byNumber = new Map(parts.map((p) => [p.part_number, p]));
  const nameOf = (n, l = loc) => { const p = byNumber.get(n); return p ? (l === "en" && p.name_en ? p.name_en : p.name) : n; };
  const describe = { text: (key, params) => t(key, params, loc), partName: (n) => nameOf(n) };
  const quotes = live(records).filter((r) => r.entity === "fee_quote");
  const latest = latestQuote(records);
  const rejectedRows = (await rejectedEntries()).filter((row) => row.entry?.entity === "fee_quote" &&
    row.entry.fields?.work_order_id === wo.id && REPRICE_CODES.has(row.error?.code));
  const lastRejected = records.filter((r) => r.entity === "fee_quote" && r.rejected).at(-1);

  const key = `quote:${wo.id}`;
  const base = latest || lastRejected;
  let plan = (await loadValue(key)) || (base ? planOf(base) : { work_minutes: 0, travel_minutes: travelMinutes(records), parts: [], adjustments: [] });
  const save = () => saveValue(key, plan);

  const error = h("p", { class: "error", role: "alert", id: "quote-error" });
  const table = h("div", { id: "quote-table" });
  const state = h("div", { id: "quote-state" });
  const planList = h("ul", { class: "records", id: "plan-parts" });
  const adjList = h("ul", { class: "records", id: "plan-adjustments" });
  const buttons = h("div", { class: "actions", id: "quote-actions" });
  // The customer's consent sits in the step bar (in view on a small phone) until it is recorded.
  const consentSlot = h("div", { class: "bar-slot" });
  const inBar = !bundle.done.quote && !signed;
  let current = null; // the priced quote of the plan, or null when it cannot be priced

  // A part chosen in the plan form but not yet added must not be silently left out of the
  // quote the customer agrees to [issue #15]: add it (the customer then sees the new total), or drop it.
  const chosenNotAdded = () => !signed && !!partForm?.elements.part_number.value;
  const addChosen = async () => {
    partForm.requestSubmit();
    await save();
    return !partForm.querySelector("#plan-error").textContent || partForm.elements.part_number.value === "";
  };
  const record = (consented) => async () => {
    if (!current) return;
    if (chosenNotAdded()) {
      const choice = await ask({
        id: "leave-guard",
        title: t("chosen_part_title"),
        message: t("chosen_part_message", { part: nameOf(partForm.elements.part_number.value, locale()) }),
        buttons: [
          { value: "save", label: t("chosen_part_add"), primary: true },
          { value: "discard", label: t("chosen_part_drop"), danger: true },
          { value: "stay", label: t("leave_stay") },
        ],
      });
      if (choice === "save") await addChosen(); // shown again with the part: the customer is asked again
      if (choice !== "discard") return;
      partForm.elements.part_number.value = "";
    }
    // A new quote replaces the ones before it (they are voided, not edited).
    for (const q of quotes) await voidRecord(q.id);
    for (const row of rejectedRows) await dismissRejected(row.id); // re-priced: dealt with
    const now = new Date();
    await recordMany(wo.id, [
      { entity: "fee_quote", fields: {
        schedule_revision: schedule.revision, ...plan, lines: current.lines, total: current.total,
        consented, consented_at: consented ? isoWithOffset(now) : null,
      } },
      { entity: "visit_event", fields: { kind: consented ? "fee_consented" : "fee_refused", note: null, data: { total: current.total } } },
    ], { at: now });
  };

  const draw = () => {
    replace(planList, plan.parts.length ? plan.parts.map((p, i) => h("li", {},
      h("strong", {}, `${nameOf(p.part_number, locale())} · ${p.part_number} ×${p.quantity}`),
      p.trade_in ? h("div", { class: "sub" }, t("trade_in_short")) : null,
      p.serial_removed ? h("div", { class: "sub" }, t("serial_removed"), ": ", p.serial_removed) : null,
      signed ? null : h("button", { type: "button", class: "btn danger", id: `plan-remove-${i}`, onclick: () => { plan.parts.splice(i, 1); save(); draw(); } }, t("plan_remove"))))
      : h("li", { class: "sub" }, t("plan_none")));
    replace(adjList, plan.adjustments.map((a, i) => h("li", {},
      h("strong", {}, a.kind === "discount" ? `${t("adj_discount")} ${money(a.amount)}` : t(`adj_waiver_${a.line}`)),
      h("div", { class: "sub" }, a.reason),
      signed ? null : h("button", { type: "button", class: "btn danger", id: `adj-remove-${i}`, onclick: () => { plan.adjustments.splice(i, 1); save(); draw(); } }, t("plan_remove")))));
    try {
      current = priced({ plan, schedule, covered, product, describe });
      error.textContent = "";
    } catch (err) {
      if (!(err instanceof FeeError)) throw err;
      current = null;
      error.textContent = t("quote_cannot_price", { reason: t(`fee_error.${err.code}`) });
    }
    const same = current && sameAs(latest, plan, current);
    replace(table, feeTable(same ? latest : current || { lines: [], total: "0.00" }, loc));
    replace(state,
      same ? h("p", { class: latest.consented ? "okmsg" : "error", id: "consent-state" }, t(latest.consented ? "consented" : "refused_fee", {}, loc)) : null,
      latest && !same && !signed ? h("p", { class: "warnbox", id: "quote-stale" }, t("quote_stale")) : null);
    const open = !(signed || same);
    const consentButton = open ? actionButton(ctx, t("customer_consents"), record(true), { id: "consent", primary: true, disabled: !current }) : null;
    if (consentButton && inBar) consentButton.classList.remove("block");
    replace(consentSlot, inBar ? consentButton : null);
    replace(buttons, inBar ? null : consentButton,
      open ? actionButton(ctx, t("customer_refuses"), record(false), { id: "refuse", danger: true, disabled: !current }) : null);
  };

  // The parts the customer is asked to pay for, planned before the repair.
  const stockBy = new Map(stock.map((s) => [s.part_number || parts.find((p) => p.id === s.part_id)?.part_number, s]));
  const vanParts = parts.filter((p) => stockBy.has(p.part_number));
  const otherParts = parts.filter((p) => !stockBy.has(p.part_number));
  const option = (p) => h("option", { value: p.part_number }, `${nameOf(p.part_number, locale())} · ${p.part_number} · ${money(p.price)}`);
  const partForm = h("form", { class: "card", id: "plan-form" },
    h("h2", {}, t("planned_parts")),
    planList,
    h("label", { class: "field", for: "f-plan-part" }, h("span", {}, t("part")),
      h("select", { name: "part_number", id: "f-plan-part" },
        h("option", { value: "" }, t("choose_part")),
        vanParts.length ? h("optgroup", { label: t("van_stock") }, vanParts.map((p) => option(p))) : null,
        otherParts.length ? h("optgroup", { label: t("catalogue") }, otherParts.map((p) => option(p))) : null)),
    field("quantity", t("quantity"), { id: "f-plan-quantity", type: "number", value: "1", min: "1", max: "100", inputmode: "numeric" }),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "trade_in", id: "f-plan-trade-in" }), h("span", {}, t("trade_in"))),
    field("serial_removed", t("serial_removed"), { id: "f-plan-serial-removed", maxlength: 80, autocomplete: "off" }),
    h("p", { class: "error", role: "alert", id: "plan-error" }),
    h("button", { type: "submit", class: "btn block", id: "plan-add" }, t("plan_add")));
  partForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = formValues(partForm);
    const quantity = Number(v.quantity);
    const problem = !byNumber.has(v.part_number) ? t("part_unknown")
      : !Number.isInteger(quantity) || quantity < 1 || quantity > 100 ? t("quantity_invalid") : "";
    partForm.querySelector("#plan-error").textContent = problem;
    if (problem) return;
    const stockRow = stockBy.get(v.part_number);
    if (stockRow && quantity > stockRow.quantity - (usedLocally.get(v.part_number) || 0)) {
      partForm.querySelector("#plan-error").textContent = t("plan_stock_note");
    }
    plan.parts.push({ part_number: v.part_number, quantity, trade_in: !!v.trade_in, serial_removed: v.serial_removed.trim() || null });
    partForm.reset();
    partForm.querySelector("#f-plan-quantity").value = "1"; // the value is set as a property: reset() empties it
    save();
    draw();
  });

  // Work and travel time: work is priced (per started quarter hour), travel is recorded only.
  const timeForm = h("form", { class: "card", id: "time-form" },
    field("work_minutes", t("work_minutes"), { id: "f-work_minutes", type: "number", min: "0", max: "1440", inputmode: "numeric", value: String(plan.work_minutes) }),
    h("p", { class: "sub" }, t("labour_rule", { rate: money(schedule.labour_per_hour) })),
    field("travel_minutes", t("travel_minutes"), { id: "f-travel_minutes", type: "number", min: "0", max: "1440", inputmode: "numeric", value: String(plan.travel_minutes) }));
  timeForm.addEventListener("input", () => {
    const v = formValues(timeForm);
    const clamp = (x) => Math.min(1440, Math.max(0, Math.trunc(Number(x) || 0)));
    plan = { ...plan, work_minutes: clamp(v.work_minutes), travel_minutes: clamp(v.travel_minutes) };
    save();
    draw();
  });
  timeForm.addEventListener("submit", (e) => e.preventDefault());

  // Waivers and discounts, each with its reason.
  const adjForm = h("form", { class: "card", id: "adj-form" },
    h("h2", {}, t("adjustments")),
    adjList,
    h("label", { class: "field", for: "f-adj-kind" }, h("span", {}, t("adj_kind")),
      h("select", { name: "kind", id: "f-adj-kind" },
        ["waiver_call_out", "waiver_labour", "discount"].map((k) => h("option", { value: k }, t(`adj_${k}`))))),
    field("amount", t("adj_amount"), { id: "f-adj-amount", inputmode: "decimal", maxlength: 12 }),
    field("reason", t("adj_reason"), { id: "f-adj-reason", maxlength: 200 }),
    h("p", { class: "error", role: "alert", id: "adj-error" }),
    h("button", { type: "submit", class: "btn block", id: "adj-add" }, t("adj_add")));
  adjForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = formValues(adjForm);
    const err = adjForm.querySelector("#adj-error");
    if (!v.reason.trim()) return (err.textContent = t("reason_required"));
    const discount = v.kind === "discount";
    if (discount && !/^\d+(\.\d{1,2})?$/.test(v.amount.trim())) return (err.textContent = t("adj_amount_invalid"));
    err.textContent = "";
    plan.adjustments.push(discount
      ? { kind: "discount", line: null, amount: v.amount.trim(), reason: v.reason.trim() }
      : { kind: "waiver", line: v.kind.replace("waiver_", ""), amount: null, reason: v.reason.trim() });
    adjForm.reset();
    save();
    draw();
    return null;
  });

  draw();
  ctx.guardLeave({
    dirty: chosenNotAdded,
    save: addChosen,
    discard: () => { partForm.elements.part_number.value = ""; },
    what: () => t("unsaved_plan_part", { part: nameOf(partForm.elements.part_number.value, locale()) }),
  });

  let refusal = null;
  if (latest && !latest.consented && !signed && wo.outcome !== "refused") {
    const explained = has(records, "three_guarantees_explained");
    refusal = h("div", { class: "card warnbox", id: "three-guarantees" },
      h("h2", {}, t("three_guarantees_title")),
      h("p", {}, t("three_guarantees_text")),
      h("div", { class: "actions" },
        actionButton(ctx, explained ? [icon("check"), " ", t("three_guarantees_explained")] : t("three_guarantees_explained"),
          () => recordVisit(wo.id, "visit_event", { kind: "three_guarantees_explained", note: null }), { id: "explained", disabled: explained }),
        actionButton(ctx, t("customer_now_consents"), async () => {
          current = describeLines({ lines: latest.lines, total: latest.total }, describe);
          plan = planOf(latest);
          await record(true)();
        }, { id: "consent-after", primary: true }),
        actionButton(ctx, has(records, "escalated") ? [icon("check"), " ", t("escalated")] : t("escalate"),
          () => recordVisit(wo.id, "visit_event", { kind: "escalated", note: t("escalate_note", { total: latest.total }) }), { id: "escalate", disabled: has(records, "escalated") }),
        actionButton(ctx, t("end_refused"), async () => {
          // No repair: the outcome is `refused`, the office follows up [003 §三(七)].
          await updateWorkOrder(wo.id, { outcome: "refused" });
          await recordVisit(wo.id, "visit_event", { kind: "refused", note: t("escalate_note", { total: latest.total }) });
        }, { id: "end-refused", danger: true, disabled: !explained })));
  }

  const rejectedNote = rejectedRows.length ? h("div", { class: "card warnbox", id: "quote-rejected" },
    h("p", {}, t("quote_rejected_reprice", { reason: reason(rejectedRows.at(-1).error) }))) : null;

  return stepPage(bundle, "quote", { primary: inBar ? consentSlot : null },
    signed ? sealedNotice() : h("p", { class: "note", id: "quote-hint" }, t(covered ? "quote_hint_warranty" : "quote_hint_charged")),
    rejectedNote,
    synced ? h("p", { class: "sub", id: "schedule-revision" }, t("schedule_revision_note", { revision: schedule.revision }))
      : h("p", { class: "sub", id: "schedule-revision" }, t("schedule_not_synced")),
    wo.outcome === "refused" ? h("div", { class: "warnbox", id: "ended-refused" }, h("p", {}, t("ended_refused")),
      h("a", { class: "btn primary block", href: `/app/jobs/${wo.id}/handover`, id: "to-handover" }, t("step_handover"))) : null,
    signed || wo.outcome === "refused" ? null : [partForm, timeForm, adjForm],
    h("div", { class: "card", id: "quote", lang: loc },
      h("h2", {}, t("quote_for_customer", {}, loc)),
      table, state),
    error,
    buttons,
    refusal);
}
