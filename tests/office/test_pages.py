"""The office pages: sign-in, roles, language, intake, board, dispatch and settings forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa

from server.models import VisitEvent, WorkOrder

from .helpers import PageClient

PASSWORD = "correct horse battery"
CST = timezone(timedelta(hours=8))


def signed_in(app, people, who="dispatcher") -> PageClient:
    page = PageClient(app)
    response = page.login(people[who].email, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    return page


def test_anonymous_visitors_are_sent_to_the_sign_in_page(app):
    response = app.test_client().get("/office/board")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/office/login?next=/office/board")


def test_sign_in_form_needs_its_csrf_token(app, people):
    client = app.test_client()
    client.get("/office/login")
    response = client.post("/office/login", data={"email": people["dispatcher"].email, "password": PASSWORD})
    assert response.status_code == 400


def test_a_wrong_password_says_so_and_signs_nobody_in(app, people):
    page = PageClient(app)
    response = page.login(people["dispatcher"].email, "wrong")
    assert response.status_code == 401
    assert "邮箱或密码错误" in response.get_data(as_text=True)
    assert page.get("/office/board").status_code == 302


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(app, people):
    page = PageClient(app)
    token = page.token_from("/office/login")
    response = page.client.post(
        "/office/login",
        data={"csrf_token": token, "email": people["manager"].email, "password": PASSWORD, "next": "/office/kpis"},
    )
    assert response.headers["Location"] == "/office/kpis"
    page = PageClient(app)
    token = page.token_from("/office/login")
    response = page.client.post(
        "/office/login",
        data={
            "csrf_token": token,
            "email": people["manager"].email,
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response.headers["Location"] == "/office/board"


def test_technicians_are_refused(app, people, client_for):
    page = PageClient(app)
    assert page.login(people["tech1"].email, PASSWORD).status_code == 401  # the office form refuses them
    api_session = client_for("tech1")  # signed in through the API: pages answer 403
    response = api_session.get("/office/board")
    assert response.status_code == 403
    assert "后台仅供客服和售后主管使用" in response.get_data(as_text=True)


def test_pages_switch_between_chinese_and_english(app, people, world):
    page = signed_in(app, people)
    assert "未完成服务单" in page.get("/office/board").get_data(as_text=True)
    switched = page.get("/office/lang/en?next=/office/board")
    assert switched.headers["Location"] == "/office/board"
    html = page.get("/office/board").get_data(as_text=True)
    assert "Open work orders" in html and 'lang="en"' in html


def test_pages_have_no_inline_script_or_style(app, people, world):
    page = signed_in(app, people)
    for url in [
        "/office/board",
        "/office/intake",
        "/office/dispatch",
        "/office/settings",
        f"/office/work-orders/{world['wo1'].id}",
    ]:
        response = page.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " style=" not in html and "<style" not in html, url
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def intake_form(**overrides) -> dict:
    form = {
        "channel": "wechat",
        "type": "repair",
        "priority": "urgent",
        "customer_name": "刘洋",
        "phone": "13655556666",
        "address": "南京市鼓楼区中山路 1 号",
        "model": "WH-90",
        "serial_no": "WH90-1234",
        "purchase_date": "2020-05-01",
        "fault_description": "热水器不出热水",
    }
    form.update(overrides)
    return form


def test_intake_form_creates_the_order_and_opens_it(app, people, db):
    page = signed_in(app, people)
    response = page.submit("/office/intake", "/office/intake", intake_form())
    assert response.status_code == 302
    wo = db.session.scalar(sa.select(WorkOrder))
    assert response.headers["Location"] == f"/office/work-orders/{wo.id}"
    html = page.get(response.headers["Location"]).get_data(as_text=True)
    assert wo.ticket_no in html and "服务单已生成" in html
    assert "保外" in html  # bought in 2020 with 12 months of warranty
    assert 'class="clock clock-' in html  # the SLA clock is shown


def test_intake_form_marks_missing_fields_in_the_pages_language(app, people, db):
    page = signed_in(app, people)
    response = page.submit("/office/intake", "/office/intake", intake_form(customer_name="", phone="abc"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="err-customer_name"' in html and "必填" in html
    assert 'id="err-phone"' in html and "电话号码格式不对" in html
    assert 'value="WH90-1234"' in html  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder)) == 0


def test_intake_form_asks_to_confirm_a_second_open_order(app, people, world, db):
    page = signed_in(app, people)
    p1, c1 = world["products"][0], world["customers"][0]
    form = intake_form(
        customer_name=c1.name, phone=c1.phone, address=c1.address, model=p1.model, serial_no=p1.serial_no
    )
    response = page.submit("/office/intake", "/office/intake", form)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert world["wo1"].ticket_no in html and 'name="confirm_duplicate"' in html
    response = page.submit("/office/intake", "/office/intake", {**form, "confirm_duplicate": "1"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder)) == 3


def test_board_page_shows_breaches_first(app, people, world, db):
    wo2 = db.session.get(WorkOrder, world["wo2"].id)
    wo2.response_due = datetime.now(UTC) - timedelta(minutes=5)
    wo2.first_response_at = None
    db.session.commit()
    html = signed_in(app, people).get("/office/board").get_data(as_text=True)
    rows = re.findall(r'<tr class="row-(\w+)" data-ticket="([^"]+)"', html)
    assert rows[0] == ("breached", wo2.ticket_no)
    assert "已超时" in html


def test_reassign_and_reschedule_forms(app, people, world, db):
    page = signed_in(app, people)
    url = f"/office/work-orders/{world['wo1'].id}"
    no_reason = page.submit(url, f"{url}/assign", {"technician_id": people["tech2"].id})
    assert no_reason.status_code == 422 and "改派须填写原因" in no_reason.get_data(as_text=True)
    done = page.submit(
        url, f"{url}/assign", {"technician_id": people["tech2"].id, "reason": "技术员请假", "customer_consent": "1"}
    )
    assert done.status_code == 302
    html = page.get(url).get_data(as_text=True)
    assert "李师傅" in html and "技术员请假" in html

    start = (datetime.now(CST) + timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    no_consent = page.submit(url, f"{url}/reschedule", {"appointment_start": start, "reason": "顾客出差"})
    assert no_consent.status_code == 422 and "改约须经客户同意" in no_consent.get_data(as_text=True)
    ok = page.submit(
        url, f"{url}/reschedule", {"appointment_start": start, "reason": "顾客出差", "customer_consent": "1"}
    )
    assert ok.status_code == 302
    db.session.expire_all()
    wo = db.session.get(WorkOrder, world["wo1"].id)
    assert wo.appointment_start.astimezone(CST).strftime("%Y-%m-%dT%H:%M") == start
    kinds = db.session.scalars(sa.select(VisitEvent.kind).where(VisitEvent.work_order_id == wo.id)).all()
    assert sorted(kinds) == ["reassigned", "rescheduled"]


def test_dispatch_page_shows_each_technicians_day(app, people, world):
    html = signed_in(app, people).get("/office/dispatch").get_data(as_text=True)
    assert 'data-technician="王师傅"' in html and world["wo1"].ticket_no in html


def test_only_a_manager_saves_sla_settings(app, people):
    form = {
        "response_urgent": "1.5",
        "response_important": "4",
        "response_normal": "24",
        "resolution_urgent": "12",
        "resolution_important": "48",
        "resolution_normal": "72",
        "low_rating_threshold": "3",
    }
    dispatcher = signed_in(app, people)
    assert dispatcher.submit("/office/settings", "/office/settings", form).status_code == 403
    manager = signed_in(app, people, "manager")
    assert manager.submit("/office/settings", "/office/settings", form).status_code == 302
    assert 'value="1.5"' in manager.get("/office/settings").get_data(as_text=True)
    bad = manager.submit("/office/settings", "/office/settings", {**form, "resolution_urgent": "1"})
    assert bad.status_code == 422


def test_odd_ids_and_dates_in_addresses_get_a_page_not_an_error(app, people, world):
    page = signed_in(app, people)
    for url in [
        "/office/work-orders/not-an-id",
        "/office/work-orders/" + "0" * 36,
        "/office/work-orders/%00%00",
        "/office/work-orders/00000000-0000-0000-0000-000000000000/service-report",
    ]:
        response = page.get(url)
        assert response.status_code == 404, url
        assert "找不到该记录" in response.get_data(as_text=True)
    for url in [
        "/office/dispatch?date=9999-12-31",
        "/office/reconciliation?date=yesterday",
        "/office/board?technician_id=%00",
        "/office/kpis?from=0001-01-01",
    ]:
        assert page.get(url).status_code in (200, 422), url
