"""In a real browser: a dispatcher takes in an urgent request, assigns it, and watches its SLA clock."""

from __future__ import annotations

import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from server.extensions import db
from server.models import WorkOrder

from .test_board_and_settings import round_the_clock

PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")


@pytest.fixture
def live_server(app):
    """The test app served on a free local port from a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser_page(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    )
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.problems = problems
    yield page
    context.close()
    browser.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_dispatcher_creates_an_urgent_order_assigns_it_and_sees_its_clock(live_server, browser_page, people, world):
    page = browser_page
    email = people["dispatcher"].email
    tech1_id = people["tech1"].id
    # The seed's numbers (urgent: respond in 15 min, resolve in 4 h) in a calendar open round the clock,
    # so the clocks read the same whenever the test runs.
    round_the_clock(
        people, db, {"urgent": 0.25, "important": 0.25, "normal": 0.5}, {"urgent": 4, "important": 24, "normal": 24}
    )
    db.session.rollback()  # SQLite: let the server thread write (this thread must hold no transaction)
    page.goto(f"{live_server}/office/board")
    assert "/office/login" in page.url  # not signed in yet
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/office/board$"))

    page.click("nav >> text=受理")
    page.select_option("select[name=channel]", "phone")
    page.select_option("select[name=priority]", "urgent")
    page.fill("textarea[name=fault_description]", "燃气热水器点不着火，家中老人无热水")
    page.fill("input[name=customer_name]", "周敏")
    page.fill("input[name=phone]", "13977778888")
    page.fill("input[name=address]", "成都市武侯区人民南路 4 段 12 号")
    page.fill("input[name=model]", "GW-16")
    page.fill("input[name=serial_no]", "GW16-000123")
    page.click("button:has-text('生成服务单')")
    page.wait_for_url(re.compile(r"/office/work-orders/"))

    ticket = page.inner_text("h1 .ticket")
    assert re.fullmatch(r"SR-\d{8}-\d{4}", ticket)
    assert page.inner_text("#wo-technician") == "未派工"
    clock = page.locator("#wo-clock .clock")
    assert clock.get_attribute("data-kind") == "response"
    # urgent: 15 minutes to respond (shown to the minute, so just under 15 min may read "0h 14m")
    assert re.fullmatch(r"0h 1[45]m", clock.locator(".clock-left").inner_text())

    page.select_option("#assign select[name=technician_id]", label="王师傅")
    page.click("#assign button[type=submit]")
    page.wait_for_selector("text=已派工，技术员下次同步时收到。")
    assert page.inner_text("#wo-technician") == "王师傅"

    page.click("nav >> text=SLA 看板")
    row = page.locator(f"tr[data-ticket='{ticket}']")
    row.wait_for()
    assert "王师傅" in row.inner_text() and "紧急" in row.inner_text()
    left = row.locator(".clock-left")
    first = left.inner_text()
    # assigning is not a response [seed 000 §二(二)1]: the 15-minute response clock still runs
    assert re.fullmatch(r"0h 1[0-5]m", first)
    # a 15-minute response clock is inside the board's 30-minute "near" band from its start
    assert "clock-near" in row.locator(".clock").get_attribute("class")
    # The clock is live: moved past its deadline, the script turns it (and its row) red within a second.
    row.locator(".clock").evaluate("el => { el.dataset.due = new Date(Date.now() - 61000).toISOString(); }")
    page.wait_for_function(
        "el => el.classList.contains('clock-breached')", arg=row.locator(".clock").element_handle(), timeout=3000
    )
    assert row.locator(".clock-state").inner_text() == "已超时"
    assert left.inner_text() == "-0h 01m" and "row-breached" in row.get_attribute("class")

    wo = db.session.query(WorkOrder).filter_by(ticket_no=ticket).one()
    assert wo.priority == "urgent" and wo.technician_id == tech1_id and wo.status == "assigned"
    db.session.rollback()
    assert not [p for p in page.problems if "Content Security Policy" in p or "Refused" in p], page.problems
