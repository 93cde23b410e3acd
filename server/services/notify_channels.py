"""The ways a notification reaches a customer, behind one interface: `send(message)` or raise.

- **email**: SMTP (`smtplib`; SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS,
  SMTP_FROM). The `completed` message carries the signed service report PDF.
- **sms**, **wechat**: an HTTP provider (or the company's gateway in front of one) at
  SMS_URL / WECHAT_URL. Each message is one POST of JSON, ``Authorization: Bearer
  NOTIFY_HTTP_TOKEN`` when set; any 2xx is delivered, anything else is retried::

      {
        "id": "<notification id>",
        "idempotency_key": "<sha256 of work order|template|trigger>",  # dedupe on this
        "to": "+8613800000001",           # mobile number (WeChat: the gateway maps it to the openid)
        "template": "on_the_way",          # our template name
        "template_id": "SMS_123456",       # the provider's approved template (SMS_TEMPLATES / WECHAT_TEMPLATES)
        "language": "zh-CN",               # or "en"
        "params": {"ticket": "SR-20261130-0001", "name": "...", "technician": "...", "eta": "10:00",
                   "appointment": "...", "track_url": "...", "report_url": "...", "call_at": "...",
                   "service_phone": "...", "code": "7K2M-Q9XD"},  # code: the report's verification code
        "subject": "...",                  # the rendered subject
        "text": "..."                      # the rendered text, for providers without templates
      }

- **console**: logs the notification (id, template, subject) for development; no personal
  data in the log (server/log_privacy.py).
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The channel could not hand the message over; the outbox retries it."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str = "application/pdf"


@dataclass(frozen=True)
class Outgoing:
    """One message as a channel sends it."""

    id: str
    idempotency_key: str
    template: str
    language: str
    recipient: str
    subject: str
    body: str
    params: dict
    attachments: list[Attachment] = field(default_factory=list)


class Channel(Protocol):
    name: str
    wants_attachments: bool

    def send(self, message: Outgoing) -> None: ...


class ConsoleChannel:
    name = "console"
    wants_attachments = False

    def send(self, message: Outgoing) -> None:
        log.info("notification %s (%s, %s): %s", message.id, message.template, message.language, message.subject)


class EmailChannel:
    name = "email"
    wants_attachments = True

    def __init__(self, config: dict):
        self.config = config

    def send(self, message: Outgoing) -> None:
        c = self.config
        mail = EmailMessage()
        mail["From"] = c["SMTP_FROM"]
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        # Derived from the idempotency key: a resend after a lost reply is recognisably the same mail.
        mail["Message-ID"] = make_msgid(idstring=message.idempotency_key[:32], domain="onsite.invalid")
        mail.set_content(message.body)
        for item in message.attachments:
            main, _, sub = item.mime.partition("/")
            mail.add_attachment(item.content, maintype=main, subtype=sub, filename=item.filename)
        try:
            with smtplib.SMTP(c["SMTP_HOST"], c["SMTP_PORT"], timeout=c["NOTIFY_HTTP_TIMEOUT"]) as smtp:
                if c["SMTP_STARTTLS"]:
                    smtp.starttls()
                if c["SMTP_USER"]:
                    smtp.login(c["SMTP_USER"], c["SMTP_PASSWORD"] or "")
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP: {type(exc).__name__}: {exc}"[:300]) from exc


def template_ids(spec: str) -> dict[str, str]:
    """'ticket_created=SMS_1,completed=SMS_5' -> {template: provider template id}."""
    pairs = (item.split("=", 1) for item in spec.split(",") if "=" in item)
    return {k.strip(): v.strip() for k, v in pairs}


class HttpChannel:
    """An SMS or WeChat provider reached over HTTP (payload: the module docstring)."""

    wants_attachments = False

    def __init__(self, name: str, url: str | None, templates: str, token: str | None, timeout: float):
        self.name, self.url, self.token, self.timeout = name, url, token, timeout
        self.templates = template_ids(templates)

    def payload(self, message: Outgoing) -> dict:
        return {
            "id": message.id,
            "idempotency_key": message.idempotency_key,
            "to": message.recipient,
            "template": message.template,
            "template_id": self.templates.get(message.template),
            "language": message.language,
            "params": message.params,
            "subject": message.subject,
            "text": message.body,
        }

    def send(self, message: Outgoing) -> None:
        if not self.url:
            raise DeliveryError(f"{self.name}: no provider URL configured")
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.idempotency_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(self.payload(message), ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"{self.name}: HTTP {exc.code}") from exc
        except (OSError, urllib.error.URLError) as exc:
            raise DeliveryError(f"{self.name}: {type(exc).__name__}") from exc


def channel(name: str, config: dict) -> Channel:
    """The channel called `name`, configured from the app's config."""
    if name == "email":
        return EmailChannel(config)
    if name in ("sms", "wechat"):
        prefix = name.upper()
        return HttpChannel(
            name,
            config[f"{prefix}_URL"],
            config[f"{prefix}_TEMPLATES"],
            config["NOTIFY_HTTP_TOKEN"],
            config["NOTIFY_HTTP_TIMEOUT"],
        )
    if name == "console":
        return ConsoleChannel()
    raise DeliveryError(f"unknown channel {name!r}")


# ---------------------------------------------------------------- webpush (technicians' phones)


class SubscriptionGone(DeliveryError):
    """The push service says this subscription no longer exists (404/410): remove it, do not retry."""


class WebPushChannel:
    """Web Push (RFC 8030) to one browser subscription, encrypted per RFC 8291 and signed with VAPID (RFC 8292).

    Not a customer channel: server/services/push.py sends technicians' messages through it.
    `send_to(subscription, payload)`: `subscription` as the browser's PushSubscription.toJSON()
    spells it, `payload` a dict the service worker reads ({title, body, url, tag, kind, work_order_id}).
    """

    name = "webpush"
    wants_attachments = False

    def __init__(self, private_key_file: str, subject: str, ttl: int, timeout: float):
        self.private_key_file, self.subject, self.ttl, self.timeout = private_key_file, subject, ttl, timeout

    def send(self, message: Outgoing) -> None:
        """The channel interface: `recipient` is the subscription as JSON, `params` the payload."""
        self.send_to(json.loads(message.recipient), message.params)

    def send_to(self, subscription: dict, payload: dict) -> None:
        from pywebpush import WebPushException, webpush

        try:
            webpush(
                subscription_info=subscription,
                data=json.dumps(payload, ensure_ascii=False),
                vapid_private_key=self.private_key_file,
                vapid_claims={"sub": self.subject},
                ttl=self.ttl,
                timeout=self.timeout,
            )
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (404, 410):
                raise SubscriptionGone(f"webpush: HTTP {status}") from exc
            raise DeliveryError(f"webpush: HTTP {status}" if status else f"webpush: {exc}"[:300]) from exc
        except OSError as exc:
            raise DeliveryError(f"webpush: {type(exc).__name__}") from exc
