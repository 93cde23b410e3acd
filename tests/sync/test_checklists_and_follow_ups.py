"""Per job-type checklists and follow-up visits requested from the field (issue #15).

The checklists are data (server/domain/checklists.json) copied into the synced, read-only
`job_checklist` records; the sync engine checks kit answers against the same lists. A
follow-up request is a visit event the phone records offline; the office books one of the
customer's preferred times.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import sqlalchemy as sa
from conftest import PASSWORD
from office.helpers import PageClient

from server.domain import checklists
from server.domain.sync_reasons import REASONS
from server.models import VisitEvent, WorkOrder
from server.services import checklists as checklist_service
from server.services import follow_up_requests

from .device import CST, SimDevice


def results(phone, *mutations) -> list[dict]:
    return phone.push(list(mutations)).get_json()["results"]


def rejected(result: dict) -> str:
    assert result["status"] == "rejected", result
    return result["error"]["code"]


def event(wo_id, kind, data=None):
    return {"work_order_id": wo_id, "kind": kind, "note": None, "data": data}


def test_the_pull_carries_each_job_types_checklist_from_the_data_file(client_for, world, db):
    checklist_service.ensure()
    db.session.commit()
    phone = SimDevice(client_for("tech1"))
    pulled = {c["fields"]["job_type"]: c for c in phone.pull_all() if c["entity"] == "job_checklist"}
    data = json.loads(checklists.DATA.read_text(encoding="utf-8"))
    assert set(pulled) == {"repair", "installation", "replacement", "consultation"}
    for job_type, lists in data["job_types"].items():
        fields = pulled[job_type]["fields"]
        assert (fields["kit"], fields["entry"], fields["checks"]) == (lists["kit"], lists["entry"], lists["checks"])
        assert fields["revision"] == data["revision"]
    # An installation confirms where the unit goes before the work and checks it after [seed 003 §三(五)2].
    assert "install_location_confirmed" in pulled["installation"]["fields"]["entry"]
    assert "install_location_confirmed" not in pulled["repair"]["fields"]["entry"]
    # Every item names where it comes from in the seed.
    assert all(source.startswith("[seed 003 §") for source in data["items"].values())

    # Unchanged data: no new version, so nothing new to pull.
    checklist_service.ensure()
    db.session.commit()
    assert [c for c in phone.pull_all() if c["entity"] == "job_checklist"] == []

    # A device cannot change a checklist.
    row = pulled["repair"]
    push = phone.mutation("job_checklist", {"kit": []}, op="update", entity_id=row["id"], base_version=row["version"])
    assert rejected(results(phone, push)[0]) == "sync.read_only"


def test_the_kit_checks_missing_items_must_be_on_the_jobs_kit_list(client_for, world, db):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.type = "consultation"  # a consultation carries no parts (server/domain/checklists.json)
    db.session.commit()
    phone = SimDevice(client_for("tech1"))
    out = results(
        phone,
        phone.mutation("visit_event", event(wo.id, "kit_checked", {"missing": ["kit_gloves", "kit_parts"]})),
        phone.mutation("visit_event", event(wo.id, "kit_checked", {"missing": ["kit_multimeter"]})),
        phone.mutation("visit_event", event(wo.id, "kit_checked", {"missing": ["kit_gloves"]})),
        phone.mutation("visit_event", event(wo.id, "kit_checked", {"missing": []})),
        # Checklist answers stay free-form steps (compatible with what phones already record).
        phone.mutation("checklist_answer", {"work_order_id": wo.id, "step": "kit_parts", "value": "ok"}),
    )
    assert [r["status"] for r in out] == ["rejected", "rejected", "applied", "applied", "applied"]
    assert rejected(out[0]) == "sync.not_on_checklist" and out[0]["error"]["params"] == {"items": "kit_parts"}
    assert out[1]["error"]["params"] == {"items": "kit_multimeter"}
    # The same missing part on a repair is fine.
    wo.type = "repair"
    db.session.commit()
    missing = event(wo.id, "kit_checked", {"missing": ["kit_parts"]})
    assert results(phone, phone.mutation("visit_event", missing))[0]["status"] == "applied"


def _windows(*hours):
    base = datetime.now(CST).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    return [
        {"start": (base + timedelta(hours=h)).isoformat(), "end": (base + timedelta(hours=h + 2)).isoformat()}
        for h in hours
    ]


def test_a_follow_up_request_with_bad_input_is_refused_with_a_reason(client_for, world, db):
    phone = SimDevice(client_for("tech1"))
    wo = world["wo1"].id
    past = datetime.now(CST) - timedelta(days=1)
    backwards = _windows(0)[0]
    backwards = {"start": backwards["end"], "end": backwards["start"]}
    out = results(
        phone,
        phone.mutation("visit_event", event(wo, "follow_up_requested", {"windows": _windows(0)})),  # no reason
        phone.mutation("visit_event", event(wo, "follow_up_requested", {"reason": "复查", "windows": []})),
        phone.mutation("visit_event", event(wo, "follow_up_requested", {"reason": "复查", "windows": [backwards]})),
        phone.mutation(
            "visit_event",
            event(
                wo,
                "follow_up_requested",
                {
                    "reason": "复查",
                    "windows": [{"start": past.isoformat(), "end": (past + timedelta(hours=1)).isoformat()}],
                },
            ),
        ),
        phone.mutation(
            "visit_event", event(wo, "follow_up_requested", {"reason": "复查", "windows": [{"start": "x"}]})
        ),
        # Only the office books.
        phone.mutation(
            "visit_event",
            event(wo, "follow_up_booked", {"request_id": wo, "booked_work_order_id": wo, "start": past.isoformat()}),
        ),
    )
    assert [rejected(r) for r in out] == [
        "sync.invalid_fields",
        "sync.invalid_fields",
        "sync.follow_up_window",
        "sync.follow_up_window",
        "sync.invalid_fields",
        "sync.office_only",
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisitEvent)) == 0
    # The phone words each code in both languages (pwa catalogues), the office by its msgid.
    assert "sync.follow_up_window" in REASONS and "sync.not_on_checklist" in REASONS


def test_a_request_from_the_field_is_booked_by_the_office(app, client_for, world, people, db):
    phone = SimDevice(client_for("tech1"))
    wo = world["wo1"]
    windows = _windows(1, 5)
    request = phone.mutation(
        "visit_event", event(wo.id, "follow_up_requested", {"reason": "等配件到货后更换压缩机", "windows": windows})
    )
    assert results(phone, request)[0]["status"] == "applied"

    page = PageClient(app)
    assert page.login(people["dispatcher"].email, PASSWORD).status_code == 302
    html = page.get("/office/follow-ups").get_data(as_text=True)
    assert "等配件到货后更换压缩机" in html and wo.ticket_no in html

    # A window that is not one of the customer's is refused with a reason.
    bad = page.submit("/office/follow-ups", f"/office/follow-ups/requests/{request['entity_id']}/book", {"window": "3"})
    assert bad.status_code == 422
    # The second window: the open job gets it as its new appointment (改约 with the customer's consent).
    done = page.submit(
        "/office/follow-ups", f"/office/follow-ups/requests/{request['entity_id']}/book", {"window": "1"}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/office/work-orders/{wo.id}")
    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo.id)
    assert wo.appointment_start == datetime.fromisoformat(windows[1]["start"])
    assert wo.status == "scheduled"
    assert follow_up_requests.requests() == []
    assert "等配件到货后更换压缩机" not in page.get("/office/follow-ups").get_data(as_text=True)

    # The phone sees the answer.
    kinds = {c["fields"].get("kind") for c in phone.pull_all() if c["entity"] == "visit_event"}
    assert {"follow_up_requested", "follow_up_booked", "rescheduled"} <= kinds


def test_a_request_on_a_closed_job_becomes_a_new_work_order(client_for, world, people, db):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    phone = SimDevice(client_for("tech1"))
    windows = _windows(2)
    request = phone.mutation(
        "visit_event", event(wo.id, "follow_up_requested", {"reason": "一周后复查噪音", "windows": windows})
    )
    assert results(phone, request)[0]["status"] == "applied"
    wo.status = "completed"
    db.session.commit()
    new = follow_up_requests.book(request["entity_id"], 0, people["dispatcher"])
    db.session.commit()
    assert new.id != wo.id
    assert (new.customer_id, new.product_id, new.technician_id) == (wo.customer_id, wo.product_id, wo.technician_id)
    assert new.appointment_start == datetime.fromisoformat(windows[0]["start"])
    assert new.fault_description == "一周后复查噪音" and new.status == "scheduled"
