"""In a real browser (issue #16): a dispatcher drags an unassigned request onto a technician at 10:00,
confirms the reason and the customer's consent, and the technician's pull has it; a drop onto a booked
slot warns; the keyboard form does the same; a second dispatcher's board follows without a reload."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from server.auth.session import issue_token
from server.extensions import db
from server.models import WorkOrder
from server.services.work_orders import create_work_order

from .test_browser_dispatch import live_server  # noqa: F401  (the app on a free port)

PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"
CST = timezone(timedelta(hours=8))
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")


@pytest.fixture
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    )
    yield browser
    browser.close()


def signed_in_board(browser, base: str, email: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.problems = []
    # resource failures are judged by their responses (the refused save's 422 is expected; Chromium's
    # own favicon request is not a page resource); any other console error or page error is a problem
    page.on(
        "console",
        lambda msg: (
            page.problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("response", lambda r: page.problems.append(f"{r.status} {r.url}") if r.status == 404 else None)
    page.goto(f"{base}/office/schedule?poll=500")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/office/schedule"))
    page.wait_for_selector("#grid .row[data-tech-id]")
    return page


def unassigned(world, people, customer: int, fault: str) -> WorkOrder:
    wo = create_work_order(
        {
            "customer_id": world["customers"][customer].id,
            "channel": "phone",
            "type": "repair",
            "priority": "normal",
            "fault_description": fault,
        },
        people["dispatcher"],
    )
    db.session.commit()
    return wo


@pytest.mark.parametrize("backend", ["sqlite"])
def test_drag_keyboard_warnings_and_live_update_on_the_schedule_board(live_server, browser, people, world, app):
    first = unassigned(world, people, 1, "洗衣机不排水")
    second = unassigned(world, people, 0, "空调漏水")
    first_ticket, second_ticket, booked = first.ticket_no, second.ticket_no, world["wo1"].ticket_no
    tech1, tech2 = people["tech1"].id, people["tech2"].id
    email = people["dispatcher"].email
    today = datetime.now(CST).date().isoformat()
    db.session.rollback()  # SQLite: let the server thread write

    page = signed_in_board(browser, live_server, email)
    other = signed_in_board(browser, live_server, email)  # a second dispatcher's board
    tech1_row = f"#grid .row[data-tech-id='{tech1}']"
    # wo1 is tech1's at 14:00 today; both new requests wait in the side pane, with navigation links
    page.wait_for_selector(f"{tech1_row} .job[data-ticket='{booked}']")
    card = page.locator(f"#waiting .job[data-ticket='{first_ticket}']")
    assert card.locator("a[data-nav=geo]").get_attribute("href").startswith("geo:0,0?q=")
    assert "uri.amap.com/search?keyword=" in card.locator("a[data-nav=amap]").get_attribute("href")
    assert card.locator("a[data-nav=baidu]").inner_text() == "百度地图"

    # drag the first request onto tech1 at 10:00: the reason and consent dialog opens on that slot
    card.drag_to(page.locator(f"{tech1_row} .slot[data-slot='{today}T10:00']"))
    dialog = page.locator("#move-dialog")
    dialog.wait_for(state="visible")
    assert page.input_value("#move-technician") == tech1
    assert page.input_value("#move-start") == f"{today}T10:00"
    assert page.input_value("#move-end") == f"{today}T11:00"
    page.click("#move-confirm")  # no reason, no consent: the dispatch service says no, nothing is saved
    sync_api.expect(page.locator("#move-form [data-for=customer_consent]")).not_to_be_empty()
    sync_api.expect(page.locator("#move-form [data-for=reason]")).not_to_be_empty()
    assert dialog.is_visible()
    page.fill("#move-reason", "客户约上午十点")
    page.check("#move-consent")
    page.click("#move-confirm")
    dialog.wait_for(state="hidden")
    placed = page.locator(f"{tech1_row} .job[data-ticket='{first_ticket}']")
    placed.wait_for()
    assert placed.inner_text().startswith("10:00")
    assert "已保存" in page.inner_text("#board-status")

    # the second dispatcher's board shows it without a reload
    other.wait_for_selector(f"{tech1_row} .job[data-ticket='{first_ticket}']", timeout=10000)
    assert other.locator(f"#waiting .job[data-ticket='{first_ticket}']").count() == 0

    # the technician's phone has it on its next pull (sync API with the technician's token)
    phone = app.test_client()
    phone.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(people['tech1'], 'phone')}"
    changes = phone.get("/api/sync/pull?limit=500").get_json()["changes"]
    pulled = {c["id"]: c["fields"] for c in changes if c["entity"] == "work_order" and c["op"] == "put"}
    assert pulled[first.id]["technician_id"] == tech1
    assert datetime.fromisoformat(pulled[first.id]["appointment_start"]) == datetime.fromisoformat(
        f"{today}T10:00+08:00"
    )
    db.session.rollback()

    # a drop onto tech1's booked 14:00 slot warns, naming the job already there
    page.locator(f"#waiting .job[data-ticket='{second_ticket}']").drag_to(
        page.locator(f"{tech1_row} .slot[data-slot='{today}T14:00']"), force=True
    )
    dialog.wait_for(state="visible")
    warning = page.locator("#move-warnings li[data-code='dispatch.overlap']")
    warning.wait_for()
    assert booked in warning.inner_text() and "王师傅" in warning.inner_text()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    # the keyboard alternative: focus the job, Enter opens the form, pick technician and time, save
    page.focus(f"#waiting .job[data-ticket='{second_ticket}'] button.move")
    page.keyboard.press("Enter")
    dialog.wait_for(state="visible")
    page.focus("#move-technician")
    page.select_option("#move-technician", tech2)
    page.fill("#move-start", f"{today}T11:00")
    page.dispatch_event("#move-start", "change")
    page.focus("#move-reason")
    page.keyboard.type("电话约好")
    page.focus("#move-consent")
    page.keyboard.press("Space")
    page.focus("#move-reason")
    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    tech2_row = f"#grid .row[data-tech-id='{tech2}']"
    page.wait_for_selector(f"{tech2_row} .job[data-ticket='{second_ticket}']")
    # focus comes back to the job just moved, now in tech2's row
    assert page.evaluate("document.activeElement.closest('.job').dataset.ticket") == second_ticket
    other.wait_for_selector(f"{tech2_row} .job[data-ticket='{second_ticket}']", timeout=10000)

    # the week view: the same jobs in day cells, today's cell holding both of tech1's
    page.check("input[name=span][value=week]")
    cell = page.locator(f"{tech1_row} .day-cell[data-day='{today}']")
    cell.locator(f".job[data-ticket='{first_ticket}']").wait_for()
    assert cell.locator(f".job[data-ticket='{booked}']").count() == 1
    assert page.locator(f"{tech1_row} .day-cell").count() == 7

    wo = db.session.get(WorkOrder, second.id)
    assert wo.technician_id == tech2 and wo.status == "scheduled"
    assert wo.appointment_start == datetime.fromisoformat(f"{today}T11:00+08:00")
    db.session.rollback()
    assert page.problems == [] and other.problems == [], (page.problems, other.problems)
