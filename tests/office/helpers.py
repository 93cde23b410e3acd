"""Helpers for the office tests: a browser-like page client and a phone that syncs a visit."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from datetime import datetime, timedelta, timezone

from quotes import fee_quote_fields, fitted_fields

from server.domain import sla
from server.domain.signed_summary import summary_sha256
from server.domain.work_calendar import SEED_HOURS, WorkCalendar
from server.extensions import db
from server.models import WorkOrder
from server.services.sign_off import compute_summary

CST = timezone(timedelta(hours=8))

# The seed defaults: respond in 15/15/30 min, resolve in 4/24/24 h of working time (seed 001 §四3),
# Monday to Friday 8:30-18:00 (000 §二(一)2), within 8 h of the next working day after hours (000 §二(二)1).
SEED_RESPONSE = {"urgent": 0.25, "important": 0.25, "normal": 0.5}
SEED_RESOLUTION = {"urgent": 4, "important": 24, "normal": 24}


def seed_deadlines(created: datetime, priority: str, tier: str = "normal") -> tuple[datetime, datetime]:
    """(response_due, resolution_due) under the seed defaults."""
    calendar = WorkCalendar.from_hours(SEED_HOURS)
    return sla.deadlines(created, priority, tier, SEED_RESPONSE, SEED_RESOLUTION, calendar, 8)


def signature_png() -> bytes:
    """A small signature-like PNG (a few strokes on white)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 100), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(20, 70), (60, 20), (90, 80), (130, 30), (170, 75), (230, 40), (280, 60)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


PNG = signature_png()
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class PageClient:
    """Signs in through the office login form and posts forms with the token the page carries."""

    def __init__(self, app):
        self.client = app.test_client()

    def token_from(self, url: str) -> str:
        html = self.client.get(url).get_data(as_text=True)
        match = CSRF_FIELD.search(html)
        assert match, f"no csrf_token field on {url}"
        return match.group(1)

    def login(self, email: str, password: str):
        token = self.token_from("/office/login")
        return self.client.post("/office/login", data={"csrf_token": token, "email": email, "password": password})

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def submit(self, page_url: str, action: str, data: dict, **kw):
        """Post a form of `page_url` to `action`, with the csrf_token that page carries."""
        return self.client.post(action, data={"csrf_token": self.token_from(page_url), **data}, **kw)


def at(moment: datetime) -> str:
    return moment.astimezone(CST).isoformat()


class Phone:
    """A technician's device: numbers its mutations and pushes them like the PWA's outbox."""

    def __init__(self, client, skew: timedelta = timedelta(0)):
        self.client = client
        self.id = str(uuid.uuid4())
        self.seq = 0
        # How far this phone's clock is ahead (negative: behind); `when` is the true time,
        # which the phone stamps by its own clock, and its pushes say what its clock reads.
        self.skew = skew

    def mutation(self, entity, fields, op="create", entity_id=None, base_version=None, when=None) -> dict:
        self.seq += 1
        return {
            "seq": self.seq,
            "id": str(uuid.uuid4()),
            "entity": entity,
            "entity_id": entity_id or str(uuid.uuid4()),
            "op": op,
            "fields": fields,
            "base_version": base_version,
            "at": at((when or datetime.now(CST)) + self.skew),
        }

    def push(self, *mutations) -> list[dict]:
        response = self.client.post(
            "/api/sync/push",
            json={"device_id": self.id, "device_time": at(datetime.now(CST) + self.skew), "mutations": list(mutations)},
        )
        assert response.status_code == 200, response.get_json()
        results = response.get_json()["results"]
        assert all(r["status"] in ("applied", "merged") for r in results), results
        return results

    def event(self, wo_id, kind, when=None, data=None):
        return self.push(
            self.mutation(
                "visit_event", {"work_order_id": wo_id, "kind": kind, **({"data": data} if data else {})}, when=when
            )
        )

    def update(self, wo_id, when=None, **fields):
        db.session.expire_all()
        version = db.session.get(WorkOrder, wo_id).version
        return self.push(
            self.mutation("work_order", fields, op="update", entity_id=wo_id, base_version=version, when=when)
        )

    def upload(self, data: bytes = PNG, content_type="image/png") -> str:
        sha = hashlib.sha256(data).hexdigest()
        response = self.client.put(f"/api/blobs/{sha}", data=data, headers={"Content-Type": content_type})
        assert response.status_code in (200, 201), response.get_json()
        return sha

    def pull(self, cursor=None) -> tuple[list[dict], str]:
        changes = []
        while True:
            page = self.client.get("/api/sync/pull?limit=1000" + (f"&cursor={cursor}" if cursor else "")).get_json()
            changes.extend(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                return changes, cursor


def sync_completed_visit(
    phone: Phone,
    wo_id: str,
    *,
    arrived: datetime,
    finished: datetime | None = None,
    outcome: str = "fixed",
    ratings: tuple[int, int] | None = (5, 5),
    part_serial: str | None = "PCB-SN-0001",
    complete: bool = True,
    declined: str | None = None,
    adjustments=(),
) -> None:
    """A whole visit as the PWA syncs it: on the way, arrived, diagnosis, part, fee, outcome,
    the customer's sign-off (unless ratings is None; `declined`: their refusal with this reason)
    and completion. With neither, the push cannot complete it (issue #13): the completion is
    written to the database as one from before that rule, for the reconciliation's flag."""
    finished = finished or arrived + timedelta(hours=1)
    phone.update(wo_id, status="en_route", when=arrived - timedelta(minutes=30))
    phone.event(wo_id, "departed", when=arrived - timedelta(minutes=30))
    phone.event(wo_id, "arrived", when=arrived)
    phone.update(wo_id, status="on_site", when=arrived)
    phone.push(
        phone.mutation(
            "diagnosis",
            {
                "work_order_id": wo_id,
                "fault_cause": "主板电容鼓包",
                "repair_method": "更换主板",
                "customer_visible": True,
            },
            when=arrived + timedelta(minutes=10),
        ),
        # The quote and the customer's consent come before the repair (seed 003 §三(五)2).
        phone.mutation(
            "fee_quote",
            fee_quote_fields(
                wo_id,
                [("PCB-220", 1)],
                work_minutes=40,
                travel_minutes=25,
                adjustments=adjustments,
                consented_at=at(arrived + timedelta(minutes=15)),
            ),
            when=arrived + timedelta(minutes=15),
        ),
        phone.mutation(
            "part_fitted",
            fitted_fields(wo_id, "PCB-220", serial_fitted=part_serial, serial_removed="OLD-SN-0001"),
            when=arrived + timedelta(minutes=20),
        ),
    )
    phone.update(wo_id, outcome=outcome, when=finished - timedelta(minutes=5))
    if ratings is not None:
        signature = phone.upload()
        db.session.expire_all()
        summary = summary_sha256(compute_summary(db.session, db.session.get(WorkOrder, wo_id)))
        phone.push(
            phone.mutation(
                "sign_off",
                {
                    "work_order_id": wo_id,
                    "signer_name": "张伟",
                    "rating_quality": ratings[0],
                    "rating_attitude": ratings[1],
                    "comment": "师傅很专业",
                    "signature_sha256": signature,
                    "summary_sha256": summary,
                },
                when=finished,
            )
        )
    if declined is not None:
        phone.event(wo_id, "sign_off_declined", when=finished, data={"reason": declined})
    if complete:
        phone.event(wo_id, "completed", when=finished)
        if ratings is None and declined is None:
            db.session.expire_all()
            wo = db.session.get(WorkOrder, wo_id)
            wo.status, wo.completed_at = "completed", finished
            db.session.commit()
        else:
            phone.update(wo_id, status="completed", when=finished)
    db.session.expire_all()


def recent_range() -> dict:
    """A KPI range holding orders taken in the last hours, whatever the hour the suite runs (the
    default range, this month so far, is empty of them in the first hours of a month) and with
    working days in it (a week back)."""
    today = datetime.now(CST).date()
    return {"from": (today - timedelta(days=8)).isoformat(), "to": today.isoformat()}
