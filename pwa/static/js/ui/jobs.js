// Today's jobs, in appointment order, with priority and SLA deadline; other open jobs below.

import { allJobs } from "../records.js";
import { dateTime, t, time } from "../i18n.js";
import { ACTIVE, byAppointment, isToday } from "../visit.js";
import { h } from "./dom.js";
import { dueCallBacks } from "./callback.js";

function card(job, now, callBacks = new Map()) {
  const { wo, customer, product } = job;
  const due = wo.resolution_due ? new Date(wo.resolution_due) : null;
  const overdue = due && due < now && ACTIVE.has(wo.status);
  return h("li", {},
    h("a", { class: "job", href: `/app/jobs/${wo.id}`, "data-ticket": wo.ticket_no },
      h("div", { class: "row" },
        h("span", { class: "time" }, `${time(wo.appointment_start)}–${time(wo.appointment_end)}`),
        h("span", { class: ["badge", wo.priority] }, t(`priority_${wo.priority}`))),
      h("div", { class: "row" },
        h("strong", {}, customer?.name ?? "—"),
        h("span", { class: "badge" }, t(`status_${wo.status}`))),
      h("div", { class: "sub" }, customer?.address ?? ""),
      callBacks.has(wo.id) ? h("div", { class: "row sub callback-due" }, t("callback_due", { time: dateTime(callBacks.get(wo.id)) })) : null,
      h("div", { class: "row sub" },
        h("span", {}, `${wo.ticket_no} · ${product?.model ?? ""}`),
        due ? h("span", { class: overdue ? "overdue" : null }, t(overdue ? "sla_overdue" : "sla_due", { when: dateTime(wo.resolution_due) })) : null)));
}

/** The job list screen. */
export async function render() {
  const now = new Date();
  const [all, callBacks] = await Promise.all([allJobs(), dueCallBacks()]);
  const jobs = all.filter(({ wo }) => ACTIVE.has(wo.status) || isToday(wo.appointment_start, now));
  const today = jobs.filter(({ wo }) => isToday(wo.appointment_start, now)).sort(byAppointment);
  const others = jobs.filter((j) => !today.includes(j)).sort(byAppointment);
  return h("section", { class: "screen", id: "jobs" },
    h("h1", { tabindex: "-1" }, t("todays_jobs")),
    all.skipped ? h("p", { class: "error", role: "alert", id: "damaged-records" }, t("damaged_skipped", { n: all.skipped })) : null,
    today.length
      ? h("ul", { class: "list", id: "today-list" }, today.map((j) => card(j, now, callBacks)))
      : h("p", { class: "sub", id: "no-jobs" }, t("no_jobs_today")),
    others.length ? [h("h2", {}, t("other_jobs")), h("ul", { class: "list", id: "other-list" }, others.map((j) => card(j, now, callBacks)))] : null,
    h("a", { class: "btn block", href: "/app/ready" }, t("ready_check")));
}
