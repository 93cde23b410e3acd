"""Find and keep orders (issue #14): one search box, the work-order list, the customer page, and the
office's upkeep of an order (cancel, re-prioritise, edit, close), each with its reason and audit entry."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.domain.errors import Conflict, Forbidden, Invalid
from server.models import Customer, PartFitted, VisitEvent, WorkOrder
from server.services import order_list, reconciliation
from server.services import work_orders as service
from server.services.work_orders import create_work_order

from .helpers import Phone, sync_completed_visit
from .test_pages import signed_in


def _order(db, people, world, *, customer=0, technician="tech1", priority="normal", **extra) -> WorkOrder:
    data = {
        "channel": "phone",
        "type": "repair",
        "priority": priority,
        "fault_description": "噪音大",
        "customer_id": world["customers"][customer].id,
        "product_id": world["products"][customer].id,
        **({"technician_id": people[technician].id} if technician else {}),
        **extra,
    }
    wo = create_work_order(data, people["dispatcher"])
    db.session.commit()
    return wo


def _completed(db, world, client_for, part_serial="PCB-SN-0001", arrived_hours_ago=3) -> WorkOrder:
    """wo1 visited, signed and completed by tech1's phone (taken in the day before, so no time flag)."""
    now = datetime.now(UTC)
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.created_at = now - timedelta(days=1)
    arrived = now - timedelta(hours=arrived_hours_ago)
    wo.appointment_start, wo.appointment_end = arrived, arrived + timedelta(hours=1)
    db.session.commit()
    sync_completed_visit(Phone(client_for("tech1")), wo.id, arrived=arrived, part_serial=part_serial)
    wo = db.session.get(WorkOrder, wo.id)
    assert wo.status == "completed"
    return wo


def _text(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- search


def test_every_office_page_has_the_search_box(app, people, world):
    page = signed_in(app, people)
    for url in ("/office/board", "/office/intake", "/office/dispatch", f"/office/work-orders/{world['wo1'].id}"):
        assert 'id="topbar-q"' in _text(page.get(url)), url


def test_a_ticket_typed_exactly_opens_its_order_and_part_of_one_lists_it(app, people, world):
    page = signed_in(app, people)
    wo1 = world["wo1"]
    response = page.get("/office/search", query_string={"q": wo1.ticket_no.lower()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/office/work-orders/{wo1.id}")

    listed = _text(page.get("/office/search", query_string={"q": wo1.ticket_no[:-2]}))
    assert 'id="found-orders"' in listed and wo1.ticket_no in listed and world["wo2"].ticket_no in listed


def test_a_phone_is_found_by_its_keyed_hash_typed_whole_in_any_format(app, people, world, db):
    page = signed_in(app, people)
    c1 = world["customers"][0]
    for typed in ("13800000001", "138-0000 0001", "+86 138 0000 0001"):
        response = page.get("/office/search", query_string={"q": typed})
        assert response.status_code == 302, typed  # the caller on the line: straight to their page
        assert response.headers["Location"].endswith(f"/office/customers/{c1.id}")
    # stored encrypted: a part of the number cannot be looked up
    html = _text(page.get("/office/search", query_string={"q": "1380000"}))
    assert 'id="found-customers"' not in html and 'id="no-results"' in html
    # two records with one number (a household): both listed, masked
    db.session.add(Customer(name="张伟妻子", phone="138 0000 0001", address="上海"))
    db.session.commit()
    html = _text(page.get("/office/search", query_string={"q": "13800000001"}))
    found = html[html.index('id="found-customers"') :]
    assert "张伟" in found and "张伟妻子" in found and "138****0001" in found and "13800000001" not in found
    assert "Anna Li" not in html


def test_product_and_fitted_part_serials_are_found(app, people, world, db):
    wo1 = world["wo1"]
    db.session.add(
        PartFitted(
            work_order_id=wo1.id, part_number="PCB-220", serial_fitted="PCB-SN-7788", serial_removed="OLD-SN-4411"
        )
    )
    db.session.add(
        PartFitted(work_order_id=wo1.id, part_number="PCB-220", serial_fitted="PCB-SN-9999", deleted=True)
    )  # voided on the phone: not a part of the job
    db.session.commit()
    page = signed_in(app, people)

    html = _text(page.get("/office/search", query_string={"q": "ac3k-0001"}))
    assert 'id="found-products"' in html and "AC3K-0001" in html and "张伟" in html

    for serial in ("sn-7788", "OLD-SN-4411"):
        html = _text(page.get("/office/search", query_string={"q": serial}))
        found = html[html.index('id="found-parts"') :]
        assert "PCB-SN-7788" in found and wo1.ticket_no in found, serial
    assert 'id="no-results"' in _text(page.get("/office/search", query_string={"q": "PCB-SN-9999"}))


def test_a_name_is_found_in_part_and_wildcards_are_literal(app, people, world):
    page = signed_in(app, people)
    html = _text(page.get("/office/search", query_string={"q": "anna"}))
    assert "Anna Li" in html and "张伟" not in html
    assert 'id="no-results"' in _text(page.get("/office/search", query_string={"q": "%"}))
    assert "Type what you are looking for" not in _text(page.get("/office/search", query_string={"q": "张"}))


# ---------------------------------------------------------------- the list


def _tickets(html: str) -> set[str]:
    return set(re.findall(r'<tr data-ticket="([^"]+)"', html))


def test_the_list_filters_by_status_priority_technician_days_and_overdue(app, people, world, db):
    wo1, wo2 = world["wo1"], world["wo2"]  # wo1: VIP customer, normal -> important; wo2: tech2
    urgent = _order(db, people, world, customer=1, technician=None, priority="urgent")
    old = _order(db, people, world, customer=1, technician="tech2")
    old.created_at = datetime.now(UTC) - timedelta(days=10)
    old.response_due = old.resolution_due = datetime.now(UTC) - timedelta(days=9)  # long overdue
    db.session.commit()
    page = signed_in(app, people)
    listed = lambda **q: _tickets(_text(page.get("/office/work-orders", query_string=q)))

    assert listed() == {wo1.ticket_no, wo2.ticket_no, urgent.ticket_no, old.ticket_no}
    assert listed(status="new") == {urgent.ticket_no}
    assert listed(priority="urgent") == {urgent.ticket_no}
    assert listed(priority="important") == {wo1.ticket_no}  # the VIP raise counts, as on the board
    assert listed(technician_id=people["tech2"].id) == {wo2.ticket_no, old.ticket_no}
    assert listed(technician_id="none") == {urgent.ticket_no}
    ten_days_ago = (datetime.now(UTC) - timedelta(days=10)).astimezone(order_list_tz()).date()
    assert listed(**{"from": ten_days_ago.isoformat(), "to": ten_days_ago.isoformat()}) == {old.ticket_no}
    assert old.ticket_no not in listed(**{"from": (ten_days_ago + timedelta(days=2)).isoformat()})
    html = _text(page.get("/office/work-orders", query_string={"overdue": "1"}))
    assert _tickets(html) == {old.ticket_no} and 'class="badge overdue">已逾期' in html
    assert listed(status="new", technician_id=people["tech2"].id) == set()


def order_list_tz():
    from server.domain.service_day import SERVICE_TZ

    return SERVICE_TZ


def test_the_list_pages_newest_first_keeping_the_filters(app, people, world, db, monkeypatch):
    monkeypatch.setattr(order_list, "PAGE_SIZE", 2)
    extra = [_order(db, people, world, customer=1, technician="tech2") for _ in range(3)]
    page = signed_in(app, people)
    first = _text(page.get("/office/work-orders", query_string={"technician_id": people["tech2"].id}))
    assert re.findall(r'<tr data-ticket="([^"]+)"', first) == [extra[2].ticket_no, extra[1].ticket_no]
    assert "第 1 / 2 页" in first
    link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert f"technician_id={people['tech2'].id}" in link
    second = _text(page.get(link))
    assert re.findall(r'<tr data-ticket="([^"]+)"', second) == [extra[0].ticket_no, world["wo2"].ticket_no]
    assert "第 2 / 2 页" in second


# ---------------------------------------------------------------- the customer page


def test_the_customer_page_shows_products_history_and_the_contact_log(app, people, world, db, client_for):
    c1, wo1 = world["customers"][0], world["wo1"]
    second = _order(db, people, world, technician=None)
    Phone(client_for("tech1")).event(wo1.id, "phoned_customer", data={"waited_s": 20})
    page = signed_in(app, people)
    url = f"/office/work-orders/{second.id}"
    response = page.submit(url, f"{url}/contact", {"note": "客户确认周三在家"})
    assert response.status_code == 302

    html = _text(page.get(f"/office/customers/{c1.id}"))
    assert "13800000001" in html and "上海市浦东新区世纪大道 100 号" in html  # decrypted for the office
    products = html[html.index('id="customer-products"') :]
    assert "AC3K-0001" in products and "AC-3000" in products and "保内" in products
    history = html[html.index('id="customer-orders"') : html.index('id="customer-products"')]
    assert re.findall(r'<tr data-ticket="([^"]+)"', history) == [second.ticket_no, wo1.ticket_no]
    log = html[html.index('id="contact-log"') :]
    assert re.findall(r'<li data-kind="(\w+)"', log) == ["customer_contacted", "phoned_customer"]
    assert "客户确认周三在家" in log and "客服小张" in log
    assert "Anna Li" not in html
    assert page.get("/office/customers/not-an-id").status_code == 404


def test_results_and_orders_link_to_the_customer_page(app, people, world):
    page = signed_in(app, people)
    html = _text(page.get("/office/search", query_string={"q": "张伟"}))
    assert f"/office/customers/{world['customers'][0].id}" in html
    order_page = _text(page.get(f"/office/work-orders/{world['wo1'].id}"))
    assert f'href="/office/customers/{world["customers"][0].id}" id="wo-customer"' in order_page


# ---------------------------------------------------------------- upkeep: cancel


def _log_kinds(html: str) -> list[str]:
    log = html[html.index('id="upkeep-log"') :]
    return re.findall(r'<li data-kind="(\w+)"', log)


def test_cancelling_needs_a_reason_and_is_audited(app, people, world, db):
    wo1 = world["wo1"]
    page = signed_in(app, people)
    url = f"/office/work-orders/{wo1.id}"
    refused = page.submit(url, f"{url}/cancel", {"reason": "  "})
    assert refused.status_code == 422
    assert 'id="upkeep-cancel"' in _text(refused) and "必填" in _text(refused)
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo1.id).status == "scheduled"

    done = page.submit(url, f"{url}/cancel", {"reason": "重复报修,与另一单相同"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo1.id).status == "cancelled"
    html = _text(page.get(url))
    assert _log_kinds(html) == ["order_cancelled"]
    assert "重复报修,与另一单相同" in html and "客服小张" in html and "服务单已取消" in html
    assert 'id="upkeep-cancel"' not in html  # nothing more to cancel

    again = page.submit(url, f"{url}/cancel", {"reason": "再取消一次"})
    assert again.status_code == 409 and "无法取消" in _text(again)


def test_a_completed_order_cannot_be_cancelled(app, people, world, db, client_for):
    wo = _completed(db, world, client_for)
    with pytest.raises(Conflict) as refused:
        service.cancel_order(wo, people["manager"], "客户撤回")
    assert refused.value.code == "work_order.cancel_not_now"


def test_technicians_are_refused_every_upkeep_action(app, people, world, db):
    wo1 = db.session.get(WorkOrder, world["wo1"].id)
    tech = people["tech1"]
    for action in (
        lambda: service.cancel_order(wo1, tech, "重复"),
        lambda: service.change_priority(wo1, "urgent", tech, "客户催"),
        lambda: service.edit_order(wo1, {"fault_description": "不制热"}, tech, "写错了"),
        lambda: service.close_order(wo1, tech, "完成"),
    ):
        with pytest.raises(Forbidden) as refused:
            action()
        assert refused.value.code == "work_order.upkeep_office_only"
    db.session.rollback()
    assert db.session.get(WorkOrder, wo1.id).status == "scheduled"


def test_a_technician_posting_to_the_office_gets_403(app, people, world, db, client_for):
    client = client_for("tech1")  # signed in through the API (the office form refuses technicians)
    for action in ("cancel", "priority", "edit", "close"):
        response = client.post(f"/office/work-orders/{world['wo1'].id}/{action}", data={"reason": "重复"})
        assert response.status_code == 403, action
    db.session.expire_all()
    assert db.session.get(WorkOrder, world["wo1"].id).status == "scheduled"


# ---------------------------------------------------------------- upkeep: re-prioritise


def test_reprioritising_moves_the_deadlines_and_is_audited(app, people, world, db):
    wo2 = db.session.get(WorkOrder, world["wo2"].id)
    due_before = wo2.resolution_due
    page = signed_in(app, people)
    url = f"/office/work-orders/{wo2.id}"
    assert page.submit(url, f"{url}/priority", {"priority": "urgent"}).status_code == 422  # no reason
    same = page.submit(url, f"{url}/priority", {"priority": "normal", "reason": "无"})
    assert same.status_code == 409 and "已是此优先级" in _text(same)

    assert page.submit(url, f"{url}/priority", {"priority": "urgent", "reason": "客户家中漏水"}).status_code == 302
    db.session.expire_all()
    wo2 = db.session.get(WorkOrder, wo2.id)
    assert wo2.priority == "urgent" and wo2.resolution_due < due_before
    html = _text(page.get(url))
    assert _log_kinds(html) == ["order_reprioritised"]
    entry = html[html.index('id="upkeep-log"') :]
    assert "普通 → 紧急" in entry and "客户家中漏水" in entry


def test_a_closed_or_cancelled_order_keeps_its_priority(app, people, world, db):
    wo2 = db.session.get(WorkOrder, world["wo2"].id)
    service.cancel_order(wo2, people["dispatcher"], "重复")
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        service.change_priority(wo2, "urgent", people["dispatcher"], "催单")
    assert refused.value.code == "work_order.priority_not_now"


# ---------------------------------------------------------------- upkeep: edit


def test_editing_the_details_keeps_what_they_said_before(app, people, world, db, client_for):
    wo1 = world["wo1"]
    phone = Phone(client_for("tech1"))
    _, cursor = phone.pull()
    page = signed_in(app, people)
    url = f"/office/work-orders/{wo1.id}"
    empty = page.submit(url, f"{url}/edit", {"fault_description": " ", "customer_requirements": "", "reason": "改"})
    assert empty.status_code == 422 and 'id="err-fault_description"' in _text(empty)
    unchanged = page.submit(url, f"{url}/edit", {"fault_description": "不制冷", "reason": "改"})
    assert unchanged.status_code == 422 and "没有改动" in _text(unchanged)
    no_reason = page.submit(url, f"{url}/edit", {"fault_description": "不制冷且漏水"})
    assert no_reason.status_code == 422

    done = page.submit(
        url,
        f"{url}/edit",
        {"fault_description": "不制冷且漏水", "customer_requirements": "上午上门", "reason": "客户补充"},
    )
    assert done.status_code == 302
    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo1.id)
    assert (wo.fault_description, wo.customer_requirements) == ("不制冷且漏水", "上午上门")
    entry = _text(page.get(url))
    assert _log_kinds(entry) == ["order_edited"]
    entry = entry[entry.index('id="upkeep-log"') :]
    assert "故障描述 · 修改前: 不制冷" in entry and "客户补充" in entry
    # the technician's phone gets the corrected order on its next pull
    changes, _ = phone.pull(cursor)
    pulled = next(c for c in changes if c["entity"] == "work_order" and c["id"] == wo1.id)
    assert pulled["fields"]["fault_description"] == "不制冷且漏水"


def test_a_completed_order_can_no_longer_be_edited(app, people, world, db, client_for):
    wo = _completed(db, world, client_for)
    with pytest.raises(Conflict) as refused:
        service.edit_order(wo, {"fault_description": "改写"}, people["dispatcher"], "补充")
    assert refused.value.code == "work_order.edit_not_now"
    with pytest.raises(Invalid):
        service.edit_order(world["wo2"], {"fault_description": "x" * 2001}, people["dispatcher"], "补充")


# ---------------------------------------------------------------- upkeep: close


def test_only_a_completed_order_closes(app, people, world, db):
    page = signed_in(app, people)
    url = f"/office/work-orders/{world['wo1'].id}"
    assert 'id="upkeep-close"' not in _text(page.get(url))
    refused = page.submit(url, f"{url}/close", {"reason": "完成"})
    assert refused.status_code == 409 and "只有已完成的服务单才能关闭" in _text(refused)


def test_closing_waits_for_the_reconciliation_then_needs_a_reason(app, people, world, db, client_for):
    wo = _completed(db, world, client_for, part_serial=None)  # a serialised part fitted without its serial
    assert service.unreviewed_flags(wo) == ["part_without_serial"]
    page = signed_in(app, people, "manager")
    url = f"/office/work-orders/{wo.id}"
    html = _text(page.get(url))
    assert 'id="close-flags"' in html and "换件未记录序列号" in html

    waiting = page.submit(url, f"{url}/close", {"reason": "已回访"})
    assert waiting.status_code == 409 and "尚未核查" in _text(waiting)
    reconciliation.mark_reviewed(wo.id, "part_without_serial", "师傅补录序列号 PCB-SN-0002", people["manager"])
    db.session.commit()
    assert page.submit(url, f"{url}/close", {"reason": ""}).status_code == 422

    assert page.submit(url, f"{url}/close", {"reason": "已对账并回访,客户满意"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).status == "closed"
    html = _text(page.get(url))
    assert _log_kinds(html) == ["order_closed"] and "已对账并回访,客户满意" in html and "售后主管" in html
    event = db.session.scalar(sa.select(VisitEvent).where(VisitEvent.kind == "order_closed"))
    assert event.created_by_id == people["manager"].id and event.note == "已对账并回访,客户满意"


def test_the_list_and_the_order_page_are_office_pages(app, people, world):
    anonymous = app.test_client()
    for url in ("/office/search?q=1", "/office/work-orders", f"/office/customers/{world['customers'][0].id}"):
        assert anonymous.get(url).status_code == 302


def test_a_stale_tab_is_told_the_order_changed_instead_of_overwriting_it(app, people, world, db):
    wo2 = db.session.get(WorkOrder, world["wo2"].id)
    page = signed_in(app, people)
    url = f"/office/work-orders/{wo2.id}"
    shown = wo2.version
    service.change_priority(wo2, "important", people["manager"], "主管调整")  # a colleague, meanwhile
    db.session.commit()
    stale = page.submit(url, f"{url}/priority", {"priority": "urgent", "reason": "客户催", "version": shown})
    assert stale.status_code == 409 and 'id="upkeep-error"' in _text(stale) and "已被修改" in _text(stale)
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo2.id).priority == "important"
    current = re.search(r'name="version" value="(\d+)"', _text(stale)).group(1)
    assert (
        page.submit(url, f"{url}/priority", {"priority": "urgent", "reason": "客户催", "version": current}).status_code
        == 302
    )


def test_closing_long_after_the_visit_is_no_late_record(app, people, world, db, client_for):
    """The office's own entries are not the technician's service record (reconciliation's 4-hour rule)."""
    wo = _completed(db, world, client_for, arrived_hours_ago=9)
    assert service.unreviewed_flags(wo) == []
    service.close_order(wo, people["dispatcher"], "已回访")
    db.session.commit()
    assert service.unreviewed_flags(db.session.get(WorkOrder, wo.id)) == []
