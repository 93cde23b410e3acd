"""What a technician's phone shows when a job changes: Web Push titles and texts in both languages.

Issue #16 (Web Push to technicians): a new job, a reassignment (to the new and to the former
technician), a reschedule (改约), the company's decision on an escalation (上报, seed 003
§三(七)2: the technician follows it). Words as the glossary has them: 服务单 (work order),
服务单号 (ticket no.), 预约时间 (appointment), 改派 (reassign), 改约 (reschedule), 上报
(escalation). No customer name, phone or address: the message passes through the browser
maker's push service; the job screen has the rest once the phone has pulled.
"""

from __future__ import annotations

from .notify_messages import language_of


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


KINDS = ("assigned", "reassigned_to", "reassigned_from", "rescheduled", "escalation_decided")

# kind -> language -> (title, body). Values: ticket, appointment, decision, text.
MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "assigned": {
        "zh-CN": ("新服务单 {ticket}", "您有一张新服务单 {ticket}，预约时间：{appointment}。"),
        "en": ("New job {ticket}", "You have a new job, ticket no. {ticket}. Appointment: {appointment}."),
    },
    "reassigned_to": {
        "zh-CN": ("改派给您：服务单 {ticket}", "服务单 {ticket} 已改派给您，预约时间：{appointment}。"),
        "en": (
            "Job {ticket} reassigned to you",
            "Ticket no. {ticket} has been reassigned to you. Appointment: {appointment}.",
        ),
    },
    "reassigned_from": {
        "zh-CN": ("服务单 {ticket} 已改派", "服务单 {ticket} 已改派给其他技术员，您无需再上门。"),
        "en": (
            "Job {ticket} reassigned",
            "Ticket no. {ticket} has been reassigned to another technician; you need not visit.",
        ),
    },
    "rescheduled": {
        "zh-CN": ("服务单 {ticket} 已改约", "服务单 {ticket} 的预约时间已改为：{appointment}。"),
        "en": ("Job {ticket} rescheduled", "The appointment for ticket no. {ticket} is now {appointment}."),
    },
    "escalation_decided": {
        "zh-CN": ("服务单 {ticket} 上报已批示", "公司对服务单 {ticket} 的上报已批示：{decision}。{text}"),
        "en": (
            "Decision on job {ticket}",
            "The company decided on your escalation for ticket no. {ticket}: {decision}. {text}",
        ),
    },
}

# The escalation decisions' names, as the glossary words them (escalation_decision).
DECISIONS: dict[str, dict[str, str]] = {
    "approved": {"zh-CN": "同意", "en": "Approved"},
    "declined": {"zh-CN": "不同意", "en": "Declined"},
    "rescheduled": {"zh-CN": "已改约", "en": "Rescheduled"},
    "reassigned": {"zh-CN": "已改派", "en": "Reassigned"},
    "other": {"zh-CN": "其他批示", "en": "Other instruction"},
}

NO_APPOINTMENT = {"zh-CN": "待约", "en": "to be agreed"}


def render(kind: str, locale: str | None, params: dict) -> tuple[str, str]:
    """(title, body) of `kind` in the technician's language, with `params` filled in."""
    lang = language_of(locale)
    title, body = MESSAGES[kind][lang]
    values = _Blank({k: "" if v is None else str(v) for k, v in params.items()})
    if not values.get("appointment"):
        values["appointment"] = NO_APPOINTMENT[lang]
    if "decision" in params:
        values["decision"] = DECISIONS.get(params["decision"], {}).get(lang, params["decision"])
    return title.format_map(values), body.format_map(values).strip()
