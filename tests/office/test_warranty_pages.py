"""The office's warranty pages: review a technician's human damage (with its photo) and decide who
pays with a reason; find a product or a fitted part by any serial (seed 000 §二(一)1)."""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa

from server.domain.service_day import today
from server.domain.warranty import add_months
from server.models import VisitEvent, WorkOrder

from .helpers import PNG, Phone
from .test_pages import signed_in


def human_damage(client_for, wo_id: str) -> None:
    phone = Phone(client_for("tech1"))
    sha = hashlib.sha256(PNG).hexdigest()
    uploaded = phone.client.put(f"/api/blobs/{sha}", data=PNG, headers={"Content-Type": "image/png"})
    assert uploaded.status_code in (200, 201)
    shot = phone.mutation("photo", {"work_order_id": wo_id, "blob_sha256": sha, "caption": "外壳摔裂"})
    phone.push(
        shot,
        phone.mutation(
            "visit_event",
            {
                "work_order_id": wo_id,
                "kind": "warranty_void",
                "note": "机身有明显摔痕",
                "data": {"reason": "human_damage", "photo_id": shot["entity_id"]},
            },
        ),
    )


def test_the_office_reviews_human_damage_and_decides_with_a_reason(app, people, world, client_for, db):
    wo_id = world["wo1"].id
    human_damage(client_for, wo_id)
    page = signed_in(app, people)
    url = f"/office/work-orders/{wo_id}"
    html = page.get(url).get_data(as_text=True)
    card = html[html.index('id="warranty"') :]
    assert "收费" in card and "人为损坏" in card and "机身有明显摔痕" in card
    assert re.search(r'href="/api/blobs/[0-9a-f]{64}"', card)  # the photo, to review

    missing = page.submit(url, f"{url}/warranty", {"decision": "covered"})
    assert missing.status_code == 422
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).warranty_decision is None

    done = page.submit(url, f"{url}/warranty", {"decision": "covered", "reason": "照片看不出人为损坏"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).warranty_decision == "covered"
    event = db.session.scalar(sa.select(VisitEvent).where(VisitEvent.kind == "warranty_overridden"))
    assert event.data["reason"] == "照片看不出人为损坏" and event.created_by_id == people["dispatcher"].id
    html = page.get(url).get_data(as_text=True)
    card = html[html.index('id="wo-coverage"') :]
    assert "保修免费" in card[:400] and "公司裁定" in card[:400]
    log = html[html.index('id="warranty-log"') :]
    assert "公司裁定保修" in log and "照片看不出人为损坏" in log  # who decided, why, kept on the page

    # back to the rule: human damage recorded, so chargeable again
    assert page.submit(url, f"{url}/warranty", {"decision": "rule", "reason": "复核后按规则"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).warranty_decision is None


def test_serial_look_up_finds_a_product_or_a_fitted_part(app, people, world, client_for, db):
    wo1 = world["wo1"]
    phone = Phone(client_for("tech1"))
    phone.push(
        phone.mutation(
            "part_fitted",
            {
                "work_order_id": wo1.id,
                "part_number": "PCB-220",
                "serial_fitted": "PCB-A1",
                "serial_removed": "PCB-FACTORY",
                "unit_price": "0.00",
                "under_warranty": True,
            },
        )
    )
    page = signed_in(app, people)
    assert page.get("/office/serials").status_code == 200
    product = page.get("/office/serials?serial=AC3K-0001").get_data(as_text=True)
    assert 'id="serial-product"' in product and wo1.ticket_no in product
    part = page.get("/office/serials?serial=PCB-A1").get_data(as_text=True)
    assert 'id="serial-part"' in part and wo1.ticket_no in part
    assert add_months(today(), 3).isoformat() in part[part.index('id="serial-part-warranty"') :]
    removed = page.get("/office/serials?serial=PCB-FACTORY").get_data(as_text=True)
    assert "已在之后的上门中换下" in removed and wo1.ticket_no in removed
    none = page.get("/office/serials?serial=NOPE").get_data(as_text=True)
    assert 'id="serial-missing"' in none
