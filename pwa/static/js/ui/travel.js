// Step 3: departed and arrived (device time recorded). Arriving after the appointment
// start asks for the apology [003 (四)3(1)]; delayed on the way: phone and reschedule.

import { serverNow } from "../api.js";
import { recordVisit, updateWorkOrder } from "../records.js";
import { dateTime, t, time } from "../i18n.js";
import { events, has, isLate } from "../visit.js";
import { formValues, h } from "./dom.js";
import { icon } from "./icons.js";
import { act, actionButton, callLink, field, loadJob, stepPage } from "./visitkit.js";

const DEPART_FROM = new Set(["assigned", "scheduled", "awaiting_parts"]);

/** The travel screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, customer, records } = bundle;
  const departed = events(records, "departed").at(-1);
  const arrived = events(records, "arrived").at(-1);
  const late = arrived?.data?.late;
  const apologised = has(records, "late_apology");
  let apology = null;
  if (late && !apologised) {
    const form = h("form", { class: "card warnbox", id: "apology-form" },
      h("h2", {}, t("late_title")),
      h("p", {}, t("late_hint", { minutes: arrived.data.minutes_late })),
      field("note", t("late_reason"), { required: true, maxlength: 2000 }),
      h("button", { class: "btn primary block", type: "submit", id: "apology-save" }, t("apologised")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      act(ctx, () => recordVisit(wo.id, "visit_event", { kind: "late_apology", note: formValues(form).note.trim() || null }),
        { button: form.querySelector("#apology-save") });
    });
    apology = form;
  }
  return stepPage(bundle, "travel",
    h("p", { class: "big" }, t("appointment"), ": ", dateTime(wo.appointment_start)),
    h("p", { class: "note" }, t("depart_hint")),
    h("div", { class: "actions" },
      actionButton(ctx, departed ? t("departed_at", { time: time(departed.at) }) : t("depart"), async () => {
        await recordVisit(wo.id, "visit_event", { kind: "departed" });
        if (DEPART_FROM.has(wo.status)) await updateWorkOrder(wo.id, { status: "en_route" });
      }, { id: "depart", primary: !departed, disabled: !!departed }),
      actionButton(ctx, arrived ? t("arrived_at", { time: time(arrived.at) }) : t("arrive"), async () => {
        const now = new Date();  // recorded by the phone's own clock: the server corrects it at the push
        // judged by the server's clock and grace, the one on-time rule the KPIs use
        const judged = serverNow(now.getTime());
        const lateNow = isLate(wo, judged, ctx.app.config.on_time_grace_minutes || 0);
        const minutes = lateNow ? Math.ceil((judged - new Date(wo.appointment_start)) / 60000) : 0;
        await recordVisit(wo.id, "visit_event", { kind: "arrived", data: { late: lateNow, minutes_late: minutes } }, { at: now });
        if (wo.status === "en_route") await updateWorkOrder(wo.id, { status: "on_site" });
      }, { id: "arrive", primary: !!departed && !arrived, disabled: !departed || !!arrived })),
    apology,
    late && apologised ? h("p", { class: "okmsg" }, icon("check"), " ", t("apologised")) : null,
    !arrived ? h("div", { class: "card" },
      h("h2", {}, t("delayed_title")),
      h("p", {}, t("delayed_hint")),
      customer ? callLink(customer.phone) : null,
      h("a", { class: "btn block", href: `/app/jobs/${wo.id}/accept#reschedule` }, t("reschedule_title"))) : null);
}
