// One job: customer (address opens maps, phone taps to call), product and warranty,
// repair history, the fault; then the visit's steps with what is done.

import { date, dateTime, t } from "../i18n.js";
import { STEPS, nextStep } from "../visit.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { callBackCard } from "./callback.js";
import { actionButton, callLink, loadJob } from "./visitkit.js";
import { navTargets } from "../navlinks.js";
import { recordVisit } from "../records.js";
import { warrantyState } from "../warranty.js";

/** In warranty, out of it, not covered (human damage / consumable), or the office's decision. */
function warrantyBadge(wo, product, records) {
  const state = warrantyState(wo, product, records);
  const text = state.why === "decision" ? t("warranty_office_decision", { decision: t(`warranty_decision_${state.decision}`) })
    : state.why === "in_warranty" ? t("in_warranty_until", { date: date(product.warranty_end) })
      : state.why === "out_of_warranty" ? t("out_of_warranty")
        : t("warranty_not_covered", { reason: t(`void_reason_${state.why}`) });
  return h("span", { class: ["badge", state.covered ? "ok" : "bad"], id: "warranty", "data-why": state.why }, text);
}

function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

// escalations: what the technician reported to the company and its decision (seed 003 §三(七)2:
// 依照公司批示解决), pulled read-only from the office; shown in the phone's language.
function escalationsCard(records) {
  const cases = records.filter((r) => r.entity === "escalation");
  if (!cases.length) return null;
  return h("div", { class: "card", id: "escalations" },
    h("h2", {}, t("escalations_title")),
    h("ul", { class: "records" }, cases.map((c) => h("li", { "data-escalation": c.id, "data-status": c.status },
      h("strong", {}, t(`esc_kind_${c.kind}`)), " ",
      h("span", { class: ["badge", c.status === "decided" && "ok"] }, t(`esc_status_${c.status}`)),
      c.status === "decided"
        ? [h("div", { class: "decision" }, h("strong", {}, t(`esc_decision_${c.decision}`)), ": ", c.decision_text),
          h("div", { class: "sub" }, t("escalation_decided_by", { name: c.decided_by_name || "", time: dateTime(c.decided_at) }))]
        : h("div", { class: "sub" }, c.owner_name ? t("escalation_owner", { name: c.owner_name }) : t("escalation_waiting"))))));
}

/** The job detail screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, customer, product, records } = bundle;
  const next = nextStep(wo, records);
  const history = (product?.repair_history || []).filter((r) => r.ticket_no !== wo.ticket_no);
  // Where the visit goes: the order's `service_address` (intake may give one), else the customer's.
  const address = wo.service_address || customer?.address;
  const navs = navTargets(address); // geo: and the Chinese map apps (navlinks.js)
  return h("section", { class: "screen", id: "job" },
    h("h1", { tabindex: "-1" }, wo.ticket_no),
    h("p", {},
      h("span", { class: ["badge", wo.priority] }, t(`priority_${wo.priority}`)), " ",
      h("span", { class: "badge" }, t(`status_${wo.status}`)), " ",
      h("span", { class: "badge" }, t(`type_${wo.type}`))),
    facts([
      [t("appointment"), `${dateTime(wo.appointment_start)} – ${dateTime(wo.appointment_end)}`],
      [t("sla_response"), dateTime(wo.response_due)],
      [t("sla_resolution"), dateTime(wo.resolution_due)],
    ]),
    // A completed job has nothing to continue: it shows how the visit ended [issue #15].
    bundle.done.complete
      ? h("p", { class: "okmsg", id: "job-finished" }, icon("check"), " ", t("job_completed_outcome", { outcome: wo.outcome ? t(`outcome_${wo.outcome}`) : t("done") }))
      : next === "accept"
        // A new job: accepting it is one tap that goes on to the kit check (the accept screen,
        // for confirming or rescheduling, stays one link away) [issue #15].
        ? [actionButton(ctx, t("accept_and_start"), () => recordVisit(wo.id, "visit_event", { kind: "accepted" }), { id: "accept-start", primary: true, then: `/app/jobs/${wo.id}/kit` }),
          h("a", { class: "btn block", href: `/app/jobs/${wo.id}/accept`, id: "continue" }, t("continue_step", { step: t("step_accept") }))]
        : h("a", { class: "btn primary block", href: `/app/jobs/${wo.id}/${next}`, id: "continue" }, t("continue_step", { step: t(`step_${next}`) })),
    callBackCard(ctx, bundle),
    escalationsCard(records),
    customer ? h("div", { class: "card", id: "customer" },
      h("h2", {}, t("customer")),
      facts([[t("name"), customer.name], [t("tier"), t(`tier_${customer.tier || "normal"}`)], [t("address"), address]]),
      h("div", { class: "actions" },
        callLink(customer.phone),
        navs.map((n) => h("a", { class: "btn block", href: n.href, id: n.id === "geo" ? "open-maps" : `nav-${n.id}`, "data-nav": n.id },
          icon("locate"), " ", t(n.id === "geo" ? "open_maps" : `nav_${n.id}`))))) : null,
    product ? h("div", { class: "card", id: "product" },
      h("h2", {}, t("product")),
      facts([
        [t("model"), [product.model, product.name].filter(Boolean).join(" · ")],
        [t("serial_no"), product.serial_no],
        [t("purchase_date"), product.purchase_date ? date(product.purchase_date) : t("unknown")],
        [t("warranty"), warrantyBadge(wo, product, records)],
      ])) : null,
    h("div", { class: "card", id: "fault" },
      h("h2", {}, t("fault_description")),
      h("p", {}, wo.fault_description),
      wo.customer_requirements ? h("p", { class: "sub" }, t("customer_requirements"), ": ", wo.customer_requirements) : null,
      wo.technician_notes ? h("p", { class: "sub" }, t("notes"), ": ", wo.technician_notes) : null),
    h("div", { class: "card", id: "history" },
      h("h2", {}, t("repair_history")),
      history.length ? h("ul", { class: "records" }, history.map((r) => h("li", {},
        h("strong", {}, r.ticket_no), " · ", date(r.created_at), " · ", t(`status_${r.status}`),
        h("div", {}, r.fault_description),
        (r.parts || []).map((p) => h("div", { class: "sub" }, `${p.part_number} ${p.serial_removed || ""} → ${p.serial_fitted || ""}`,
          p.warranty_end ? ` · ${t("warranty_end")} ${date(p.warranty_end)}` : "")))))
        : h("p", { class: "sub" }, t("no_history"))),
    h("h2", {}, t("visit_steps")),
    h("ol", { class: "steps", id: "steps" }, STEPS.map((step, i) => h("li", { class: [bundle.done[step] && "done", step === next && "next"] },
      h("a", { href: `/app/jobs/${wo.id}/${step}`, "data-step": step },
        h("span", { class: "mark", "aria-hidden": "true" }, bundle.done[step] ? icon("check") : String(i + 1)),
        h("span", {}, t(`step_${step}`)),
        h("span", { class: "visually-hidden" }, bundle.done[step] ? t("done") : t("not_done")))))));
}
