"""Money on the phone (issue #13): out of warranty the customer is quoted BEFORE the repair.

Refused: the three guarantees (三包) are explained and the visit ends as `refused`, no part
fitted. Agreed: the parts on the quote are fitted (one not on it is blocked), the customer
pays the agreed total and gets a receipt whose number comes from the server. A quote priced
from an old fee schedule comes back and is priced again. Each synced, every entry accepted.
"""

from __future__ import annotations

import re

from .helpers import api_session, go_offline, go_online, on_server, sign_in, wait_synced, wait_worker_ready
from .helpers import arrive as tap_arrived
from .test_offline_visit import draw_signature

SERIAL_REMOVED = "SN-PCB-OLD-0077"
SERIAL_FITTED = "SN-PCB-NEW-0078"


def plan_part(page, part_number: str, quantity: int = 1) -> None:
    page.select_option("#f-plan-part", part_number)
    page.fill("#f-plan-quantity", str(quantity))
    page.click("#plan-add")
    page.wait_for_selector(f"#plan-parts li:has-text('{part_number}')")


def arrive(page, base: str, wo: str) -> None:
    """On the way and there (late or not, by the hour the suite runs)."""
    page.goto(f"{base}/app/jobs/{wo}/travel")
    page.click("#depart")
    page.wait_for_selector("#depart:disabled")
    tap_arrived(page)
    page.wait_for_selector("section[data-step='travel'] #step-done")


def quote_screen(page, base: str, wo: str) -> None:
    page.goto(f"{base}/app/jobs/{wo}/quote")
    page.wait_for_selector("section[data-step='quote'] #plan-form")


def sign(page) -> None:
    page.click("#rate-rating_quality label:has(input[value='5'])")
    page.click("#rate-rating_attitude label:has(input[value='5'])")
    draw_signature(page)
    page.click("#signoff-submit")
    try:
        page.wait_for_selector("#signed")
    except Exception:
        print("MAIN:", page.inner_text("main")[:3000])
        raise


def complete(page, base: str, wo: str) -> None:
    page.goto(f"{base}/app/jobs/{wo}/complete")
    page.wait_for_selector("section[data-step='complete']")
    page.click("#card-given")
    page.wait_for_selector("#card-given:disabled")
    page.click("#complete-job")
    page.wait_for_selector("#completed")


def visit_changes(office, base: str, wo: str, check) -> list[dict]:
    def ours(cs):  # a voided record comes as a delete, without fields
        return [c for c in cs if c["op"] == "put" and c["fields"].get("work_order_id") == wo]

    return ours(on_server(office, base, lambda cs: check(ours(cs))))


def test_out_of_warranty_quote_refused_three_guarantees_then_ended_refused(live, browser):
    page = browser.page()  # zh-CN technician; the customer (Anna Li) reads English
    base, wo = live.url, live.seed.wo_out_of_warranty
    sign_in(page, base)
    wait_synced(page)
    wait_worker_ready(page)
    go_offline(live, browser.context)
    page.wait_for_selector("#net-state.off")

    arrive(page, base, wo)
    quote_screen(page, base, wo)
    assert page.input_value("#f-travel_minutes") == "0", "travel time comes from departed -> arrived"
    assert "收费" in page.inner_text("#quote-hint")  # out of warranty: chargeable, consent first
    plan_part(page, "PCB-220")
    page.fill("#f-work_minutes", "30")
    # call-out 50 + labour 2 started quarter hours at 80/h = 40 + main board 180
    page.wait_for_selector("#fee-total:has-text('270.00')")
    table = page.inner_text("#quote")
    assert "Main board" in table and "Call-out fee" in table, "the quote is in the customer's language"
    page.click("#refuse")
    page.wait_for_selector("#three-guarantees")
    assert "三包" in page.inner_text("#three-guarantees")
    assert page.is_disabled("#end-refused"), "the three guarantees are explained before the visit ends"
    page.click("#explained")
    page.wait_for_selector("#explained:disabled")
    page.click("#end-refused")
    page.wait_for_selector("#ended-refused")

    page.goto(f"{base}/app/jobs/{wo}/parts")
    page.wait_for_selector("section[data-step='parts'] #step-done")  # nothing to fit: the visit ended refused
    page.select_option("#f-part_number", "BLT-10")
    page.click("#part-save")
    page.wait_for_selector("#parts-error:not(:empty)")
    assert page.locator("#parts-fitted li").count() == 0, "no part without the customer's consent"

    page.goto(f"{base}/app/jobs/{wo}/handover")
    page.wait_for_selector("#signoff-form")
    assert page.locator("#payment-form").count() == 0, "nothing agreed, nothing to collect"
    assert "refused" in page.inner_text("#summary-outcome").lower()
    sign(page)
    complete(page, base, wo)

    go_online(live, browser.context)
    wait_synced(page, timeout=30_000)
    assert browser.errors == []
    assert api_session(base, "tech1@e2e.onsite").get(f"{base}/api/sync/rejected").json() == []
    office = api_session(base)
    mine = visit_changes(office, base, wo, lambda cs: any(c["entity"] == "sign_off" for c in cs))
    kinds = [c["fields"].get("kind") for c in mine if c["entity"] == "visit_event"]
    assert {"fee_refused", "three_guarantees_explained", "refused", "completed"} <= set(kinds)
    [quote] = [c["fields"] for c in mine if c["entity"] == "fee_quote"]
    assert (quote["consented"], quote["total"]) == (False, "270.00")
    assert not [c for c in mine if c["entity"] in ("part_fitted", "payment")]
    order = office.get(f"{base}/api/work-orders/{wo}").json()
    assert (order["status"], order["outcome"]) == ("completed", "refused")


def test_out_of_warranty_consent_then_parts_then_payment_with_receipt(live, browser):
    page = browser.page()
    base, wo = live.url, live.seed.wo_out_of_warranty
    ticket = live.seed.tickets[wo]
    sign_in(page, base)
    wait_synced(page)
    wait_worker_ready(page)

    arrive(page, base, wo)
    quote_screen(page, base, wo)
    plan_part(page, "BLT-10")
    plan_part(page, "PCB-220")
    page.fill("#f-work_minutes", "45")
    page.select_option("#f-adj-kind", "discount")
    page.fill("#f-adj-amount", "5.50")
    page.click("#adj-add")  # no reason: refused
    page.wait_for_selector("#adj-error:not(:empty)")
    page.fill("#f-adj-reason", "老客户优惠")
    page.click("#adj-add")
    page.wait_for_selector("#plan-adjustments li")
    # 50 + 3 quarter hours 60 + belt 35.50 + board 180 - 5.50
    page.wait_for_selector("#fee-total:has-text('320.00')")
    page.click("#refuse")  # at first the customer says no; the three guarantees are explained
    page.wait_for_selector("#three-guarantees")
    page.click("#explained")
    page.wait_for_selector("#explained:disabled")
    page.click("#consent-after")  # and then agrees after all
    page.wait_for_selector("#consent-state.okmsg")
    assert page.locator("#three-guarantees").count() == 0

    page.goto(f"{base}/app/jobs/{wo}/parts")
    page.wait_for_selector("#consented-parts")
    page.select_option("#f-part_number", "PCB-220")
    page.fill("#f-serial_removed", SERIAL_REMOVED)
    page.fill("#f-serial_fitted", SERIAL_FITTED)
    page.fill("#f-quantity", "2")  # only one was agreed
    page.click("#part-save")
    page.wait_for_selector("#parts-error #to-quote")
    assert page.locator("#parts-fitted li").count() == 0
    page.fill("#f-quantity", "1")
    page.click("#part-save")
    page.wait_for_selector("#parts-fitted li")
    page.select_option("#f-part_number", "BLT-10")
    page.click("#part-save")
    try:
        page.wait_for_function("() => document.querySelectorAll('#parts-fitted li').length === 2")
    except Exception:
        print("MAIN:", page.inner_text("main")[:3000])
        raise

    page.goto(f"{base}/app/jobs/{wo}/checks")
    page.click("#test-run-ok")
    page.wait_for_selector("#test-run-ok:disabled")
    page.click("#training-done")
    page.wait_for_selector("#training-done:disabled")
    page.goto(f"{base}/app/jobs/{wo}/outcome")
    page.check("#outcome-fixed")
    page.click("#outcome-save")
    page.wait_for_selector("#current-outcome")

    page.goto(f"{base}/app/jobs/{wo}/handover")
    page.wait_for_selector("#payment-form")
    assert page.input_value("#f-pay-amount") == "¥320.00" and page.is_editable("#f-pay-amount") is False
    page.select_option("#f-pay-method", "wechat")
    page.select_option("#f-pay-receipt", "invoice")
    page.click("#payment-save")  # an invoice needs its title
    page.wait_for_selector("#payment-error:not(:empty)")
    page.select_option("#f-pay-receipt", "receipt")
    page.click("#payment-save")
    page.wait_for_selector("#payment-done")
    assert "320.00" in page.inner_text("#payment-done")
    sign(page)
    complete(page, base, wo)
    wait_synced(page, timeout=30_000)

    page.goto(f"{base}/app/jobs/{wo}/handover")
    page.wait_for_selector("#signed")
    page.wait_for_selector(f"#receipt-no:has-text('R-{ticket}')", timeout=20_000)
    assert browser.errors == []
    assert api_session(base, "tech1@e2e.onsite").get(f"{base}/api/sync/rejected").json() == []
    office = api_session(base)
    mine = visit_changes(office, base, wo, lambda cs: any(c["entity"] == "payment" for c in cs))
    consented = [c["fields"] for c in mine if c["entity"] == "fee_quote" and c["fields"]["consented"]]
    [quote] = consented
    assert (quote["total"], quote["work_minutes"]) == ("320.00", 45)
    kinds = [c["fields"].get("kind") for c in mine if c["entity"] == "visit_event"]
    assert kinds.count("fee_refused") == 1 and kinds.count("fee_consented") == 1
    assert [line["kind"] for line in quote["lines"]] == ["call_out", "labour", "part", "part", "discount"]
    fitted = sorted(
        (c["fields"]["part_number"], c["fields"]["unit_price"]) for c in mine if c["entity"] == "part_fitted"
    )
    assert fitted == [("BLT-10", "35.50"), ("PCB-220", "180.00")]
    [payment] = [c["fields"] for c in mine if c["entity"] == "payment"]
    assert (payment["method"], payment["amount"], payment["receipt"]) == ("wechat", "320.00", "receipt")
    assert payment["receipt_no"] == f"R-{ticket}"
    order = office.get(f"{base}/api/work-orders/{wo}").json()
    assert (order["status"], order["outcome"]) == ("completed", "fixed")


def test_quote_priced_from_an_old_schedule_comes_back_and_is_priced_again(live, browser):
    from server.extensions import db
    from server.models import User
    from server.services import fee_schedule

    page = browser.page()
    base, wo = live.url, live.seed.wo_out_of_warranty
    sign_in(page, base)
    wait_synced(page)
    wait_worker_ready(page)
    go_offline(live, browser.context)
    page.wait_for_selector("#net-state.off")
    quote_screen(page, base, wo)
    plan_part(page, "BLT-10")
    page.wait_for_selector("#fee-total:has-text('85.50')")  # 50 + 35.50
    page.click("#consent")
    page.wait_for_selector("#consent-state.okmsg")

    with live.app.app_context():  # meanwhile the office raises the call-out fee
        manager = db.session.query(User).filter_by(email="dispatch@e2e.onsite").one()
        manager.role = "manager"
        fee_schedule.change(manager, call_out="60.00")
        db.session.commit()

    go_online(live, browser.context)
    page.wait_for_selector("#rejected-count", timeout=30_000)
    wait_synced(page, timeout=30_000)  # the new schedule is pulled after the push
    quote_screen(page, base, wo)
    page.wait_for_selector("#quote-rejected")
    assert re.search(r"旧版收费标准.*第 2 版", page.inner_text("#quote-rejected")), "the reason in the phone's words"
    page.wait_for_selector("#fee-total:has-text('95.50')")  # re-priced with the new call-out
    page.click("#consent")
    page.wait_for_selector("#consent-state.okmsg")
    wait_synced(page, timeout=30_000)
    office = api_session(base)
    mine = visit_changes(office, base, wo, lambda cs: any(c["entity"] == "fee_quote" for c in cs))
    quotes = [c["fields"] for c in mine if c["entity"] == "fee_quote"]
    assert [(q["total"], q["consented"]) for q in quotes] == [("95.50", True)]
    assert browser.errors == []
