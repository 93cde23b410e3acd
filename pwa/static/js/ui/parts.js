// Step 8: parts, after the customer's consent. The serials of the part removed and the part
// fitted, scanned with the camera or typed; checked offline against the catalogue and the
// van stock; warranty decides the price (the visit's coverage, or the replaced part's own
// warranty). A chargeable part must be on the consented quote, in that quantity [seed 003
// §三(五)2: consent before the repair]; the server refuses it otherwise (sync.consent_required).

import { partCovered, partPrice, visitCovered, withinConsent } from "../fees.js";
import { live, partsAndStock, recordVisit } from "../records.js";
import { locale, money, t } from "../i18n.js";
import { answers, consentedQuote } from "../visit.js";
import { formValues, h, replace } from "./dom.js";
import { icon } from "./icons.js";
import { bindDraft, clearDraft } from "./drafts.js";
import { act, field, loadJob, notify, sealedNotice, stepPage, voidWithUndo } from "./visitkit.js";

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

/** True when the part fits the product's model: the catalogue lists the models a part fits
 * (`fits_models`); a part that lists none fits any (a hose, a filter). */
export function fitsModel(part, model) {
  return !model || !part.fits_models?.length || part.fits_models.includes(model);
}

/** The part's serial fitted on this product at its last repair: what comes out now. */
export function lastFittedSerial(product, partNumber) {
  for (const r of [...(product?.repair_history || [])].reverse()) {
    const p = (r.parts || []).find((x) => x.part_number === partNumber && x.serial_fitted);
    if (p) return p.serial_fitted;
  }
  return "";
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
  // The picker lists what is in the van and fits the product's model; a search finds any
  // catalogue part (another model's, or not in the van) by name, number or barcode [issue #15].
  const model = product?.model || null;
  const left = (p) => (stockByNumber.get(p.part_number)?.quantity ?? 0) - (usedLocally.get(p.part_number) || 0);
  const vanParts = stock.map((s) => byId.get(s.part_id) || byNumber.get(s.part_number)).filter(Boolean);
  const fitting = vanParts.filter((p) => fitsModel(p, model));
  const search = h("input", { type: "search", id: "part-search", name: "part_search", autocomplete: "off", enterkeyhint: "search" });
  const select = h("select", { name: "part_number", id: "f-part_number", required: true });
  const choice = h("p", { class: "part-choice", id: "part-choice", "aria-live": "polite" });
  const fillOptions = () => {
    const q = search.value.trim().toLowerCase();
    const match = (p) => !q || [p.part_number, p.name, p.name_en, p.barcode].some((x) => x && x.toLowerCase().includes(q));
    const van = (q ? vanParts : fitting).filter(match);
    const others = q ? parts.filter((p) => !vanParts.includes(p) && match(p)) : [];
    const chosen = select.value;
    replace(select,
      h("option", { value: "" }, van.length || others.length ? t("choose_part") : t("no_part_found")),
      van.length ? h("optgroup", { label: model ? t("van_stock_fits", { model }) : t("van_stock") }, van.map((p) => h("option", { value: p.part_number },
        `${partLabel(p)} · ${p.part_number} (${t("in_van", { n: left(p) })})`))) : null,
      others.length ? h("optgroup", { label: t("catalogue") }, others.map((p) => h("option", { value: p.part_number }, `${partLabel(p)} · ${p.part_number}`))) : null);
    if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  };
  // The part chosen, in full (the select's own text is cut off on a narrow phone).
  const showChoice = () => {
    const p = byNumber.get(select.value);
    if (!p) return replace(choice);
    return replace(choice, h("strong", {}, partLabel(p)), " · ", p.part_number, " · ",
      stockByNumber.has(p.part_number) ? t("in_van", { n: left(p) }) : t("part_not_in_van"),
      fitsModel(p, model) ? null : [" · ", h("span", { class: "error" }, t("part_other_model", { model }))]);
  };
  search.addEventListener("input", () => { fillOptions(); showChoice(); });
  const error = h("p", { class: "error", role: "alert", id: "parts-error" });
  fillOptions();
  const priceNote = h("p", { class: "note", id: "price-note", "aria-live": "polite" });
  const showPrice = () => {
    const part = byNumber.get(select.value);
    if (!part) return (priceNote.textContent = covered ? t("price_in_warranty") : t("price_out_of_warranty"));
    const price = partPrice(part, { covered, partIsCovered: partCovered(product, form.querySelector("#f-serial_removed")?.value.trim()) });
    priceNote.textContent = price.under_warranty ? t("price_free_warranty", { price: money(part.price) }) : t("price_charged", { price: money(price.unit_price) });
    return null;
  };
  select.addEventListener("change", () => { showPrice(); showChoice(); prefillRemoved(); });
  const scanPart = h("button", {
    type: "button", class: "btn block", id: "scan-part",
    onclick: async () => {
      const { scan } = await import("./scanner.js");
      const code = await scan({ title: t("scan_part_title") });
      if (!code) return;
      const part = parts.find((p) => p.barcode === code || p.part_number === code);
      if (part) {
        if (![...select.options].some((o) => o.value === part.part_number)) {
          search.value = part.part_number; // scanned a part the short list leaves out: list it
          fillOptions();
        }
        select.value = part.part_number;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      } else notify(t("barcode_not_in_catalogue", { code }), { error: true });
    },
  }, icon("scan"), " ", t("scan_part"));

  const form = h("form", { class: "card", id: "part-form" },
    h("label", { class: "field", for: "part-search" }, h("span", {}, t("part_search")), search),
    h("label", { class: "field", for: "f-part_number" }, h("span", {}, t("part")), select),
    choice,
    scanPart,
    priceNote,
    serialField("serial_removed", t("serial_removed")),
    serialField("serial_fitted", t("serial_fitted")),
    field("quantity", t("quantity"), { type: "number", value: "1", min: "1", max: "100", inputmode: "numeric" }),
    error);
  // The record button sits in the sticky step bar until a part is recorded or the step is done
  // otherwise (a refused visit): then in the form, so a part can still be tried (and refused).
  const fitted0 = fitted.length || answers(records).parts_none || bundle.done.parts;
  const saveButton = h("button", { class: ["btn", "primary", fitted0 && "block"], type: "submit", form: "part-form", id: "part-save" }, t("record_part"));
  if (fitted0 || signed) form.append(saveButton);
  const key = `parts:${wo.id}`;
  // Defaults: the first part on the consented quote not yet fitted, else the only part in the
  // van that fits; the serial removed from this product's last repair with that part.
  const planned = (consent?.parts || []).map((p) => p.part_number).find((n) => !fitted.some((f) => f.part_number === n));
  const defaultPart = planned || (fitting.length === 1 ? fitting[0].part_number : "");
  const removedInput = form.querySelector("#f-serial_removed");
  const prefillRemoved = () => {
    if (removedInput.value.trim() || removedInput.dataset.typed) return;
    const plannedRemoved = (consent?.parts || []).find((p) => p.part_number === select.value)?.serial_removed;
    removedInput.value = plannedRemoved || lastFittedSerial(product, select.value);
  };
  removedInput.addEventListener("input", () => { removedInput.dataset.typed = "1"; });
  const draft = await bindDraft(key, form);
  if (!draft && !fitted0 && defaultPart && [...select.options].some((o) => o.value === defaultPart)) {
    select.value = defaultPart;
    prefillRemoved();
  }
  showPrice();
  showChoice();
  const save = () => {
    const v = formValues(form);
    const part = byNumber.get(v.part_number);
    const quantity = Number(v.quantity);
    const serialFitted = v.serial_fitted.trim() || null;
    const serialRemoved = v.serial_removed.trim() || null;
    const problems = checkPart({ part, stockRow: part && stockByNumber.get(part.part_number), usedLocally, quantity, serialFitted });
    if (problems.length) {
      error.textContent = problems.join(" ");
      return Promise.resolve(false);
    }
    const price = partPrice(part, { covered, partIsCovered: partCovered(product, serialRemoved) });
    if (!price.under_warranty && !withinConsent(consent, part.part_number, quantity, fitted)) {
      error.replaceChildren(t("part_needs_consent", { part: `${partLabel(part)} · ${part.part_number}` }), " ",
        h("a", { href: `/app/jobs/${wo.id}/quote`, id: "to-quote" }, t("step_quote")));
      return Promise.resolve(false);
    }
    error.textContent = "";
    return act(ctx, async () => {
      await recordVisit(wo.id, "part_fitted", {
        part_number: part.part_number, serial_fitted: serialFitted, serial_removed: serialRemoved, quantity, ...price,
      });
      await clearDraft(key);
    }, { button: saveButton });
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    save();
  });
  // A part chosen (or scanned) but not recorded is not dropped by leaving [issue #15].
  ctx.guardLeave({
    dirty: () => !signed && !!select.value,
    save,
    discard: async () => { form.reset(); select.value = ""; await clearDraft(key); },
    what: () => t("unsaved_part", { part: `${partLabel(byNumber.get(select.value) || { name: select.value })} · ${select.value}` }),
  });

  form.querySelector("#f-serial_removed").addEventListener("input", showPrice);
  const none = answers(records).parts_none;
  const agreed = (consent?.parts || []).map((p) => `${partLabel(byNumber.get(p.part_number) || { name: p.part_number })} ×${p.quantity}`);
  return stepPage(bundle, "parts", { primary: fitted0 || signed ? null : saveButton },
    signed ? sealedNotice() : null,
    !covered && !signed ? h("p", { class: "note", id: "consented-parts" },
      consent ? t("consented_parts", { list: agreed.join("、") || t("none") }) : t("no_consent_yet")) : null,
    fitted.length ? h("ul", { class: "records", id: "parts-fitted" }, fitted.map((p) => h("li", { "data-id": p.id },
      h("strong", {}, `${partLabel(byNumber.get(p.part_number) || { name: p.part_number })} · ${p.part_number} ×${p.quantity}`),
      h("div", {}, t("serial_removed"), ": ", h("span", { class: "serial-removed" }, p.serial_removed || "—")),
      h("div", {}, t("serial_fitted"), ": ", h("span", { class: "serial-fitted" }, p.serial_fitted || "—")),
      h("div", { class: "sub" }, p.under_warranty ? t("under_warranty_free") : money(p.unit_price)),
      signed ? null : h("button", {
        type: "button", class: "btn danger", "data-void": p.id,
        onclick: () => voidWithUndo(ctx, p, `${partLabel(byNumber.get(p.part_number) || { name: p.part_number })} · ${p.part_number}`, {
          part_number: p.part_number, serial_fitted: p.serial_fitted ?? null, serial_removed: p.serial_removed ?? null,
          quantity: p.quantity, unit_price: p.unit_price, under_warranty: !!p.under_warranty,
        }),
      }, t("void"))))) : null,
    signed ? null : form,
    !signed && !fitted.length && !none ? h("button", {
      type: "button", class: "btn block", id: "no-parts",
      onclick: () => act(ctx, () => recordVisit(wo.id, "checklist_answer", { step: "parts_none", value: "none", note: null })),
    }, t("no_parts_needed")) : null);
}
