"""The customer's tracking page /track/<ticket> (issue #16): last four digits, then status and technician."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest

from server.models import User, WorkOrder

JPEG = b"\xff\xd8\xff\xe0" + b"badge photo" * 20


def _csrf(browser, path: str) -> str:
    html = browser.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _prove(browser, ticket: str, digits: str):
    path = f"/track/{ticket}"
    return browser.post(path, data={"digits": digits, "csrf_token": _csrf(browser, path)})


@pytest.fixture
def booked(db, world, people):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.appointment_start = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 14:00 in the service area
    wo.appointment_end = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    tech = db.session.get(User, people["tech1"].id)
    tech.badge_no = "SH-0042"
    db.session.commit()
    return wo


def test_the_page_asks_for_the_digits_and_shows_nothing_before(app, booked):
    html = app.test_client().get(f"/track/{booked.ticket_no}").get_data(as_text=True)
    assert 'name="digits"' in html and booked.ticket_no in html
    assert "王师傅" not in html and "SH-0042" not in html and "14:00" not in html


def test_wrong_digits_and_an_unknown_ticket_get_the_same_answer(app, booked):
    wrong = _prove(app.test_client(), booked.ticket_no, "9999")
    unknown = _prove(app.test_client(), "NO-SUCH-TICKET", "0001")
    letters = _prove(app.test_client(), booked.ticket_no, "abcd")
    for response in (wrong, unknown, letters):
        assert response.status_code == 401
        assert "该服务单号与电话后四位不匹配" in response.get_data(as_text=True)

    def strip(response):
        pattern = r"NO-SUCH-TICKET|" + re.escape(booked.ticket_no) + r'|value="[^"]*"'
        return re.sub(pattern, "", response.get_data(as_text=True))

    assert strip(wrong) == strip(unknown)


def test_the_right_digits_show_status_window_and_the_technician_but_no_address_or_phone(app, booked, people):
    browser = app.test_client()
    response = _prove(browser, booked.ticket_no, "0001")  # the customer's phone is 13800000001
    assert response.status_code == 303
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert people["tech1"].name in html and "SH-0042" in html
    assert "2026-12-01 14:00" in html and "16:00" in html
    assert "已分派" in html or "已预约" in html  # the status in words, in the customer's language
    customer = booked.customer
    assert customer.address not in html and customer.phone not in html and "浦东" not in html
    assert "/report.pdf" not in html  # nothing signed yet
    assert browser.get(f"/track/{booked.ticket_no}/report.pdf").status_code == 404


def test_the_badge_photo_is_shown_only_to_who_proved_the_digits(app, booked, people, client_for):
    office = signed_in_manager(app, people)
    saved = office.submit(
        f"/office/people/{people['tech1'].id}",
        f"/office/people/{people['tech1'].id}/badge",
        {"badge_no": "SH-0042", "photo": (io.BytesIO(JPEG), "me.jpg")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    stranger = app.test_client()
    assert stranger.get(f"/track/{booked.ticket_no}/technician.jpg").status_code == 404
    customer = app.test_client()
    _prove(customer, booked.ticket_no, "0001")
    assert 'technician.jpg"' in customer.get(f"/track/{booked.ticket_no}").get_data(as_text=True)
    photo = customer.get(f"/track/{booked.ticket_no}/technician.jpg")
    assert photo.status_code == 200 and photo.data == JPEG and photo.mimetype == "image/jpeg"


def test_a_manager_cannot_upload_something_that_is_not_a_photo(app, people):
    office = signed_in_manager(app, people)
    bad = office.submit(
        f"/office/people/{people['tech1'].id}",
        f"/office/people/{people['tech1'].id}/badge",
        {"badge_no": "SH-1", "photo": (io.BytesIO(b"<svg/>"), "x.svg")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "JPEG" in bad.get_data(as_text=True)


def test_the_signed_report_is_offered_once_the_visit_is_signed(app, db, world, people, client_for):
    from .test_pages_reports import _visit

    ticket = _visit(db, world, client_for).ticket_no
    browser = app.test_client()
    _prove(browser, ticket, "0001")
    assert "report.pdf" in browser.get(f"/track/{ticket}").get_data(as_text=True)
    pdf = browser.get(f"/track/{ticket}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_guessing_is_rate_limited_per_ticket_even_from_many_addresses(app, booked):
    app.config["TRACK_TICKET_RATE_LIMIT"] = "3 per 15 minutes"
    answers = []
    path = f"/track/{booked.ticket_no}"
    for i in range(5):  # five browsers at five addresses, each guessing once
        browser, environ = app.test_client(), {"REMOTE_ADDR": f"10.0.0.{i + 1}"}
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(path, environ_base=environ).text).group(1)
        guess = {"digits": f"{1234 + i}", "csrf_token": token}
        answers.append(browser.post(path, data=guess, environ_base=environ).status_code)
    assert answers[:3] == [401, 401, 401] and answers[3:] == [429, 429]


def signed_in_manager(app, people):
    from .test_pages import signed_in

    return signed_in(app, people, who="manager")
