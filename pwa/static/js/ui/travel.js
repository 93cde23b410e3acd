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
const LATE_REASONS = ["traffic", "previous_job", "address"];

/** The travel screen. */
export async function render(ctx) {
  const bundle = await loadJob(ctx);
  const { wo, customer, records } = bundle;
  const departed = events(records, "departed").at(-1);
  const arrived = events(records, "arrived").at(-1);
  const late = arrived?.data?.late;
  const apologised = has(records, "late_apology");
  let apology = null;
  let apologyButton = null;
  if (late && !apologised) {
    // The step's one action in the sticky step bar (in view): the apology, when late.
    apologyButton = h("button", { class: "btn primary", type: "submit", form: "apology-form", id: "apology-save" }, t("apologised"));
    const form = h("form", { class: "card warnbox", id: "apology-form" },
      h("h2", {}, t("late_title")),
      h("p", {}, t("late_hint", { minutes: arrived.data.minutes_late })),
      // The usual reasons, one tap each (apologised and recorded); or type another below.
      h("div", { class: "actions", id: "late-reasons", role: "group", "aria-label": t("late_reason") },
        LATE_REASONS.map((r) => actionButton(ctx, t(`late_reason_${r}`),
          () => recordVisit(wo.id, "visit_event", { kind: "late_apology", note: t(`late_reason_${r}`) }), { id: `late-${r}` }))),
      field("note", t("late_reason_other"), { required: true, maxlength: 2000 }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      act(ctx, () => recordVisit(wo.id, "visit_event", { kind: "late_apology", note: formValues(form).note.trim() || null }),
        { button: apologyButton });
    });
    apology = form;
    // Late and not yet apologised: leaving asks first (the step is not done without it).
    ctx.guardLeave({
      dirty: () => true,
      save: () => new Promise((resolve) => {
        if (!form.reportValidity()) return resolve(false);
        act(ctx, () => recordVisit(wo.id, "visit_event", { kind: "late_apology", note: formValues(form).note.trim() || null }),
          { button: apologyButton }).then(resolve);
        return null;
      }),
      discard: () => {},
      what: () => t("unsaved_apology"),
    });
  }
  const depart = actionButton(ctx, departed ? t("departed_at", { time: time(departed.at) }) : t("depart"), async () => {
    await recordVisit(wo.id, "visit_event", { kind: "departed" });
    if (DEPART_FROM.has(wo.status)) await updateWorkOrder(wo.id, { status: "en_route" });
  }, { id: "depart", primary: !departed, done: !!departed });
  const arrive = actionButton(ctx, arrived ? t("arrived_at", { time: time(arrived.at) }) : t("arrive"), async () => {
    const now = new Date();  // recorded by the phone's own clock: the server corrects it at the push
    // judged by the server's clock and grace, the one on-time rule the KPIs use
    const judged = serverNow(now.getTime());
    const lateNow = isLate(wo, judged, ctx.app.config.on_time_grace_minutes || 0);
    const minutes = lateNow ? Math.ceil((judged - new Date(wo.appointment_start)) / 60000) : 0;
    await recordVisit(wo.id, "visit_event", { kind: "arrived", data: { late: lateNow, minutes_late: minutes } }, { at: now });
    if (wo.status === "en_route") await updateWorkOrder(wo.id, { status: "on_site" });
  }, { id: "arrive", primary: !!departed && !arrived, disabled: !departed, done: !!arrived });
  // The step bar's action: depart, arrive, then (when late) the apology.
  const primary = apologyButton || (!departed ? depart : !arrived ? arrive : null);
  return stepPage(bundle, "travel", { primary },
    apology, // late: the apology first, in view [issue #15]
    h("p", { class: "big" }, t("appointment"), ": ", dateTime(wo.appointment_start)),
    h("p", { class: "note" }, t("depart_hint")),
    h("div", { class: "actions" }, primary === depart ? null : depart, primary === arrive ? null : arrive),
    late && apologised ? h("p", { class: "okmsg" }, icon("check"), " ", t("apologised")) : null,
    !arrived ? h("div", { class: "card" },
      h("h2", {}, t("delayed_title")),
      h("p", {}, t("delayed_hint")),
      customer ? callLink(customer.phone) : null,
      h("a", { class: "btn block", href: `/app/jobs/${wo.id}/accept#reschedule` }, t("reschedule_title"))) : null);
}
