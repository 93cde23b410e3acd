"""In a real browser: a known phone fills in the customer; a new address typed over it is asked about,
and "this order only" sends the job there while the customer's record stays (issue #14)."""

from __future__ import annotations

import re

import pytest

from server.extensions import db
from server.models import Customer, WorkOrder

from .test_browser_dispatch import PASSWORD, browser_page, live_server  # noqa: F401 (fixtures)

NEW_ADDRESS = "杭州市滨江区江南大道 588 号"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_known_phone_fills_in_and_a_new_address_is_asked_about(live_server, browser_page, people, world):
    page = browser_page
    c1 = world["customers"][0]
    c1_id, phone, address, email = c1.id, c1.phone, c1.address, people["dispatcher"].email
    db.session.rollback()  # SQLite: let the server thread write (this thread must hold no transaction)
    page.goto(f"{live_server}/office/intake")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/office/intake$"))

    page.fill("input[name=phone]", phone)
    page.press("input[name=phone]", "Tab")
    page.wait_for_selector("#customer-lookup:not([hidden])")
    assert page.input_value("input[name=customer_name]") == "张伟"
    assert page.input_value("input[name=address]") == address

    page.fill("input[name=address]", NEW_ADDRESS)  # the caller is at their new flat
    page.fill("textarea[name=fault_description]", "空调漏水")
    page.fill("input[name=model]", "KFR-72")  # no serial: the record is to be completed
    page.click("button:has-text('生成服务单')")
    page.wait_for_selector("#customer-differs")
    assert "上海市浦东新区世纪大道 100 号" in page.inner_text("#customer-differs")
    assert page.input_value("input[name=address]") == NEW_ADDRESS  # nothing typed is lost

    page.check("input[name=customer_details][value=this_order]")
    page.click("button:has-text('生成服务单')")
    page.wait_for_url(re.compile(r"/office/work-orders/"))
    assert page.inner_text("#wo-service-address") == NEW_ADDRESS
    assert page.locator("#wo-record-incomplete").count() == 1

    db.session.expire_all()
    wo = db.session.query(WorkOrder).filter_by(fault_description="空调漏水").one()
    assert wo.service_address == NEW_ADDRESS and wo.customer_id == c1_id
    assert db.session.get(Customer, c1_id).address == "上海市浦东新区世纪大道 100 号"
    db.session.rollback()
    assert not [p for p in page.problems if "Content Security Policy" in p or "Refused" in p], page.problems
