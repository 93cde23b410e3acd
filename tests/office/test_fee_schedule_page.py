"""The fee schedule page: everyone in the office reads it, a manager changes it, and the change
reaches the phones with a new revision (issue #13; seed 003 §三(七)1-2)."""

from __future__ import annotations

from server.models import Part

from .helpers import Phone
from .test_pages import signed_in

URL = "/office/settings/fees"


def test_a_manager_changes_fees_and_a_trade_in_credit_and_the_phone_pulls_the_new_revision(
    app, client_for, world, people, db
):
    phone = Phone(client_for("tech1"))
    _, cursor = phone.pull()
    page = signed_in(app, people, "manager")
    html = page.get(URL).get_data(as_text=True)
    assert "收费标准" in html and 'name="price_PCB-220" value="180.00"' in html and "第 1 版" in html
    response = page.submit(
        URL,
        URL,
        {"call_out": "60.00", "labour_per_hour": "80.00", "price_PCB-220": "180.00", "credit_PCB-220": "20.00"},
    )
    assert response.status_code == 302
    html = page.get(URL).get_data(as_text=True)
    assert "已保存" in html and "第 2 版" in html and 'name="credit_PCB-220" value="20.00"' in html
    changes, _ = phone.pull(cursor)
    pulled = {c["entity"]: c["fields"] for c in changes}
    assert pulled["fee_schedule"] == {"revision": 2, "call_out": "60.00", "labour_per_hour": "80.00"}
    assert pulled["part"]["trade_in_credit"] == "20.00"


def test_a_credit_above_the_price_is_refused_in_the_page_language(app, world, people, db):
    page = signed_in(app, people, "manager")
    response = page.submit(URL, URL, {"price_PCB-220": "180.00", "credit_PCB-220": "200.00"})
    assert response.status_code == 422
    assert "以旧换新抵扣不能超过配件价格" in response.get_data(as_text=True)
    db.session.expire_all()
    assert str(db.session.query(Part).one().trade_in_credit) == "0.00"


def test_a_dispatcher_reads_but_cannot_change_the_schedule(app, world, people):
    page = signed_in(app, people, "dispatcher")
    html = page.get(URL).get_data(as_text=True)
    assert "上门费" in html and "disabled" in html
    assert page.submit(URL, URL, {"call_out": "1.00"}).status_code == 403
