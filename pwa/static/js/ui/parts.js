// Step 8: parts, after the customer's consent. The serials of the part removed and the part
// fitted, scanned with the camera or typed; checked offline against the catalogue and the
// van stock; warranty decides the price (the visit's coverage, or the replaced part's own
// warranty). A chargeable part must be on the consented quote, in that quantity [seed 003
// §三(五)2: consent before the repair]; the server refuses it otherwise (sync.consent_required).

import { partCovered, partPrice, visitCovered, withinConsent } from "../fees.js";
import { live, partsAndStock, recordVisit, voidRecord } from "../records.js";
import { locale, money, t } from "../i18n.js";
import { answers, consentedQuote } from "../visit.js";
import { formValues, h } from "./dom.js";
import { icon } from "./icons.js";
import { bindDraft, clearDraft } from "./drafts.js";
import { act, field, loadJob, notify, sealedNotice, stepPage } from "./visitkit.js";

function partLabel(part) {
  return locale() === "en" && part.name_en ? part.name_en : part.name;
}

async function scanInto(input) {
  const { scan } = await import("./scanner.js");
  const code = await scan();
  if (code) {
    input.value = code;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
  input.focus();
  return code;
}

function serialField(name, label) {
  const input = h("input", { type: "text", name, id: `f-${name}`, autocomplete: "off", autocapitalize: "characters", spellcheck: "false", maxlength: 80 });
  return h("div", { class: "serial-row" },
    h("label", { class: "field", for: `f-${name}` }, h("span", {}, label), input),
    h("button", { type: "button", class: "btn", id: `scan-${name}`, "aria-label": t("scan_for", { field: label }), onclick: () => scanInto(input) }, icon("scan"), " ", t("scan")));
}

/** Check a part against the catalogue and the van stock; a list of problems (empty if fine). */
export function checkPart({ part, stockRow, usedLocally, quantity, serialFitted }) {
  const problems = [];
  if (!part) return [t("part_unknown")];
  if (!Number.isInteger(quantity) || quantity < 1) problems.push(t("quantity_invalid"));
  const available = (stockRow?.quantity ?? 0) - (usedLocally.get(part.part_number) || 0);
  if (!stockRow) problems.push(t("part_not_in_van"));
  else if (quantity > available) problems.push(t("part_stock_short", { available: Math.max(0, available) }));
  if (part.serialised && !serialFitted) problems.push(t("serial_required"));
  return problems;
}

/** The parts screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, product, records, signed } = bundle;
  const { parts, stock, usedLocally } = await partsAndStock();
  const byNumber = new Map(parts.map((p) => [p.part_number, p]));
  const byId = new Map(parts.map((p) => [p.id, p]));
  const stockByNumber = new Map(stock.map((s) => [s.part_number || byId.get(s.part_id)?.part_number, s]));
  const fitted = live(records).filter((r) => r.entity === "part_fitted");
  const covered = visitCovered(wo, product, records);
  const consent = consentedQuote(records);
  const vanParts = stock.map((s) => byId.get(s.part_id) || byNumber.get(s.part_number)).filter(Boolean);
  const otherParts = parts.filter((p) => !vanParts.includes(p));
  const error = h("p", { class: "error", role: "alert", id: "parts-error" });

  const select = h("select", { name: "part_number", id: "f-part_number", required: true },
    h("option", { value: "" }, t("choose_part")),
    vanParts.length ? h("optgroup", { label: t("van_stock") }, vanParts.map((p) => h("option", { value: p.part_number },
      `${partLabel(p)} · ${p.part_number} (${t("in_van", { n: (stockByNumber.get(p.part_number)?.quantity ?? 0) - (usedLocally.get(p.part_number) || 0) })})`))) : null,
    otherParts.length ? h("optgroup", { label: t("catalogue") }, otherParts.map((p) => h("option", { value: p.part_number }, `${partLabel(p)} · ${p.part_number}`))) : null);
  const priceNote = h("p", { class: "note", id: "price-note", "aria-live": "polite" });
  const showPrice = () => {
    const part = byNumber.get(select.value);
    if (!part) return (priceNote.textContent = covered ? t("price_in_warranty") : t("price_out_of_warranty"));
    const price = partPrice(part, { covered, partIsCovered: partCovered(product, form.querySelector("#f-serial_removed")?.value.trim()) });
    priceNote.textContent = price.under_warranty ? t("price_free_warranty", { price: money(part.price) }) : t("price_charged", { price: money(price.unit_price) });
    return null;
  };
  select.addEventListener("change", showPrice);
  const scanPart = h("button", {
    type: "button", class: "btn block", id: "scan-part",
    onclick: async () => {
      const { scan } = await import("./scanner.js");
      const code = await scan({ title: t("scan_part_title") });
      if (!code) return;
      const part = parts.find((p) => p.barcode === code || p.part_number === code);
      if (part) {
        select.value = part.part_number;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      } else notify(t("barcode_not_in_catalogue", { code }), { error: true });
    },
  }, icon("scan"), " ", t("scan_part"));

  const form = h("form", { class: "card", id: "part-form" },
    h("label", { class: "field", for: "f-part_number" }, h("span", {}, t("part")), select),
    scanPart,
    priceNote,
    serialField("serial_removed", t("serial_removed")),
    serialField("serial_fitted", t("serial_fitted")),
    field("quantity", t("quantity"), { type: "number", value: "1", min: "1", max: "100", inputmode: "numeric" }),
    error,
    h("button", { class: "btn primary block", type: "submit", id: "part-save" }, t("record_part")));
  const key = `parts:${wo.id}`;
  await bindDraft(key, form);
  showPrice();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = formValues(form);
    const part = byNumber.get(v.part_number);
    const quantity = Number(v.quantity);
    const serialFitted = v.serial_fitted.trim() || null;
    const serialRemoved = v.serial_removed.trim() || null;
    const problems = checkPart({ part, stockRow: part && stockByNumber.get(part.part_number), usedLocally, quantity, serialFitted });
    if (problems.length) return (error.textContent = problems.join(" "));
    const price = partPrice(part, { covered, partIsCovered: partCovered(product, serialRemoved) });
    if (!price.under_warranty && !withinConsent(consent, part.part_number, quantity, fitted)) {
      error.replaceChildren(t("part_needs_consent", { part: `${partLabel(part)} · ${part.part_number}` }), " ",
        h("a", { href: `/app/jobs/${wo.id}/quote`, id: "to-quote" }, t("step_quote")));
      return null;
    }
    error.textContent = "";
    return act(ctx, async () => {
      await recordVisit(wo.id, "part_fitted", {
        part_number: part.part_number, serial_fitted: serialFitted, serial_removed: serialRemoved, quantity, ...price,
      });
      await clearDraft(key);
    }, { button: form.querySelector("#part-save") });
  });

  form.querySelector("#f-serial_removed").addEventListener("input", showPrice);
  const none = answers(records).parts_none;
  const agreed = (consent?.parts || []).map((p) => `${partLabel(byNumber.get(p.part_number) || { name: p.part_number })} ×${p.quantity}`);
  return stepPage(bundle, "parts",
    signed ? sealedNotice() : null,
    !covered && !signed ? h("p", { class: "note", id: "consented-parts" },
      consent ? t("consented_parts", { list: agreed.join("、") || t("none") }) : t("no_consent_yet")) : null,
    fitted.length ? h("ul", { class: "records", id: "parts-fitted" }, fitted.map((p) => h("li", { "data-id": p.id },
      h("strong", {}, `${partLabel(byNumber.get(p.part_number) || { name: p.part_number })} · ${p.part_number} ×${p.quantity}`),
      h("div", {}, t("serial_removed"), ": ", h("span", { class: "serial-removed" }, p.serial_removed || "—")),
      h("div", {}, t("serial_fitted"), ": ", h("span", { class: "serial-fitted" }, p.serial_fitted || "—")),
      h("div", { class: "sub" }, p.under_warranty ? t("under_warranty_free") : money(p.unit_price)),
      signed ? null : h("button", { type: "button", class: "btn danger", onclick: () => act(ctx, () => voidRecord(p.id)) }, t("void"))))) : null,
    signed ? null : form,
    !signed && !fitted.length && !none ? h("button", {
      type: "button", class: "btn block", id: "no-parts",
      onclick: () => act(ctx, () => recordVisit(wo.id, "checklist_answer", { step: "parts_none", value: "none", note: null })),
    }, t("no_parts_needed")) : null);
}
