"""What the customer reads: each notification's subject and text in Simplified Chinese and English.

Seed 000 §三(一)1 (send the ticket number to the customer at once) and §二(二)2 (keep
them informed at key points by SMS). Plain format strings over named values, so the
office's outbox stores the text as sent and SMS/WeChat providers get the same values
for their own approved templates. Words as the glossary has them: 服务单 (work order),
服务单号 (ticket no.), 技术员 (technician), 预约时间 (appointment), 客户 (customer).
"""

from __future__ import annotations

TEMPLATES = (
    "ticket_created",
    "appointment_confirmed",
    "appointment_changed",
    "on_the_way",
    "completed",
    "follow_up_scheduled",
    "report",
)

# template -> language -> (subject, body). Values: ticket, name, appointment, eta, technician,
# track_url, report_url, call_at, service_phone; a missing value reads as "".
MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "ticket_created": {
        "zh-CN": (
            "您的服务单 {ticket} 已受理",
            "{name}您好,您的服务单已受理,服务单号 {ticket}。查看进度:{track_url} 。客服电话 {service_phone}。",
        ),
        "en": (
            "Your work order {ticket} has been received",
            "Hello {name}, we have received your request. Ticket no. {ticket}. "
            "Track it at {track_url} . Service line {service_phone}.",
        ),
    },
    "appointment_confirmed": {
        "zh-CN": (
            "服务单 {ticket} 预约已确认",
            "{name}您好,服务单 {ticket} 的预约时间已确认:{appointment},技术员 {technician} 将按时上门。"
            "查看进度:{track_url}",
        ),
        "en": (
            "Appointment confirmed for {ticket}",
            "Hello {name}, your appointment for ticket no. {ticket} is confirmed: {appointment}. "
            "Technician {technician} will visit. Track it at {track_url}",
        ),
    },
    "appointment_changed": {
        "zh-CN": (
            "服务单 {ticket} 预约时间已变更",
            "{name}您好,服务单 {ticket} 的预约时间已改为:{appointment}。如有疑问请致电 {service_phone}。",
        ),
        "en": (
            "Appointment changed for {ticket}",
            "Hello {name}, the appointment for ticket no. {ticket} is now {appointment}. "
            "Questions? Call {service_phone}.",
        ),
    },
    "on_the_way": {
        "zh-CN": (
            "技术员正在前往",
            "{name}您好,技术员 {technician} 已出发前往您处(服务单 {ticket}),预计 {eta} 到达。"
            "上门时请核对技术员身份:{track_url}",
        ),
        "en": (
            "Your technician is on the way",
            "Hello {name}, technician {technician} is on the way (ticket no. {ticket}) and expects to "
            "arrive at {eta}. Check who is at the door: {track_url}",
        ),
    },
    "completed": {
        "zh-CN": (
            "服务单 {ticket} 已完成",
            "{name}您好,服务单 {ticket} 已完成,感谢您的配合。客户签字的服务报告:{report_url}",
        ),
        "en": (
            "Work order {ticket} completed",
            "Hello {name}, ticket no. {ticket} is completed. Thank you. Your signed service report: {report_url}",
        ),
    },
    "follow_up_scheduled": {
        "zh-CN": (
            "服务回访安排",
            "{name}您好,我们将于 {call_at} 左右致电回访服务单 {ticket},了解您对服务的意见。",
        ),
        "en": (
            "We will call you about {ticket}",
            "Hello {name}, we will call you around {call_at} to ask how the service on ticket no. {ticket} went.",
        ),
    },
    # Asked for on the spot after the sign-off (issue #16): the signed report, to an address
    # the customer gives the technician; an e-mail carries the PDF too.
    "report": {
        "zh-CN": (
            "服务单 {ticket} 的服务报告",
            "{name}您好,这是您刚才签字确认的服务报告(服务单 {ticket},验证码 {code}):{report_url} 。"
            "客服电话 {service_phone}。",
        ),
        "en": (
            "Your service report for {ticket}",
            "Hello {name}, here is the service report you just signed (ticket no. {ticket}, verification code "
            "{code}): {report_url} . Service line {service_phone}.",
        ),
    },
}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def language_of(locale: str | None) -> str:
    """The customer's language among ours (English for en*, else Simplified Chinese)."""
    return "en" if (locale or "").lower().startswith("en") else "zh-CN"


def render(template: str, locale: str | None, params: dict) -> tuple[str, str]:
    """(subject, body) of `template` in the customer's language, with `params` filled in."""
    subject, body = MESSAGES[template][language_of(locale)]
    values = _Blank({k: "" if v is None else str(v) for k, v in params.items()})
    return subject.format_map(values), body.format_map(values)
