"""In a real browser: a dispatcher finds an order from the search box, cancels it as a duplicate, and
finds the caller's page by their phone number."""

from __future__ import annotations

import re

import pytest

from server.extensions import db

from .test_browser_dispatch import CHROMIUM, PASSWORD, browser_page, live_server  # noqa: F401  (fixtures)

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    __import__("shutil").which(CHROMIUM) is None, reason="Debian's chromium is not installed"
)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_dispatcher_finds_an_order_cancels_it_and_finds_the_caller(live_server, browser_page, people, world):
    page = browser_page
    ticket, customer_id, email = world["wo1"].ticket_no, world["customers"][0].id, people["dispatcher"].email
    db.session.rollback()  # SQLite: let the server thread write (this thread must hold no transaction)
    page.goto(f"{live_server}/office/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/office/board$"))

    page.fill("#topbar-q", ticket.lower())
    page.press("#topbar-q", "Enter")
    page.wait_for_url(re.compile(r"/office/work-orders/"))
    assert page.inner_text("h1 .ticket") == ticket

    page.click("#upkeep-cancel summary")
    page.fill("#upkeep-cancel input[name=reason]", "重复报修,客户已通过微信报过")
    page.click("#upkeep-cancel button[type=submit]")
    page.wait_for_selector("text=服务单已取消;技术员手机下次同步时将移除该工单。")
    assert "已取消" in page.inner_text("h1")
    entry = page.inner_text("#upkeep-log li")
    assert "服务单已取消" in entry and "重复报修,客户已通过微信报过" in entry and "客服小张" in entry

    page.fill("#topbar-q", "138 0000 0001")
    page.press("#topbar-q", "Enter")
    page.wait_for_url(re.compile(rf"/office/customers/{customer_id}$"))
    assert ticket in page.inner_text("#customer-orders") and "已取消" in page.inner_text("#customer-orders")
    assert not [p for p in page.problems if "Content Security Policy" in p or "Refused" in p], page.problems
