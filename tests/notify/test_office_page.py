"""The work-order page shows each customer notification: message, channel, status, attempts, last error."""

from __future__ import annotations

from datetime import datetime

from server.domain.service_day import SERVICE_TZ
from server.models import Customer, WorkOrder
from server.services import delivery, notifications
from tests.office.test_pages import signed_in

from .helpers import Receiver

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=SERVICE_TZ)


def test_the_work_order_page_lists_notifications_with_their_delivery(app, world, people, db):
    receiver = Receiver(statuses=[500])
    app.config.update(NOTIFY_CHANNELS=["sms"], SMS_URL=receiver.url)
    try:
        wo = db.session.get(WorkOrder, world["wo1"].id)
        failing = notifications.queue(db.session, wo, "ticket_created", wo.id)
        db.session.commit()
        delivery.deliver(failing.id, NOON)  # HTTP 500: waits for its retry
        db.session.get(Customer, wo.customer_id).notify_opt_out = True
        skipped = notifications.queue(db.session, wo, "on_the_way", "departed-1")
        db.session.commit()
        delivery.deliver(skipped.id, NOON)
    finally:
        receiver.close()
    page = signed_in(app, people)
    html = page.get(f"/office/work-orders/{wo.id}").get_data(as_text=True)
    section = html.split('id="notifications"')[1].split("</section>")[0]
    assert "客户通知" in section and "已发送服务单号" in section and "短信" in section
    assert "等待发送" in section and "sms: HTTP 500" in section and "下次发送" in section
    assert "技术员已出发" in section and "未发送" in section and "客户已选择不接收通知" in section
    page.get("/office/lang/en?next=/office/board")
    english = page.get(f"/office/work-orders/{wo.id}").get_data(as_text=True).split('id="notifications"')[1]
    assert "Ticket no. sent" in english and "The customer opted out of notifications" in english
    assert "<td>1</td>" in section  # one attempt so far


def test_the_office_sets_opt_out_and_email_from_the_command_line(app, world, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notify", "customer", "138-0000-0001", "--opt-out", "--email", "zw@example.test"])
    assert result.exit_code == 0, result.output
    customer = db.session.get(Customer, world["customers"][0].id)
    db.session.refresh(customer)
    assert customer.notify_opt_out is True and customer.email == "zw@example.test"
    assert runner.invoke(args=["notify", "customer", "13800000001", "--opt-in"]).exit_code == 0
    db.session.refresh(customer)
    assert customer.notify_opt_out is False
    assert runner.invoke(args=["notify", "customer", "13999999999", "--opt-out"]).exit_code != 0


def test_the_office_records_opt_out_and_email_on_the_customer_page(app, world, people, db):
    page = signed_in(app, people)
    customer_id = world["customers"][0].id
    url = f"/office/customers/{customer_id}"
    html = page.get(url).get_data(as_text=True)
    assert 'id="customer-notifications"' in html and "客户已选择不接收通知" in html
    bad = page.submit(url, f"{url}/notifications", {"notify_opt_out": "on", "email": "not-an-address"})
    assert bad.status_code == 422 and "请输入电子邮件地址" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, customer_id).notify_opt_out is False  # nothing saved
    done = page.submit(url, f"{url}/notifications", {"notify_opt_out": "on", "email": "zw@example.test"})
    assert done.status_code == 302
    db.session.expire_all()
    customer = db.session.get(Customer, customer_id)
    assert customer.notify_opt_out is True and customer.email == "zw@example.test"
    assert "通知设置已保存" in page.get(url).get_data(as_text=True)
    page.submit(url, f"{url}/notifications", {"email": ""})  # unticked: notifications on again
    db.session.expire_all()
    assert db.session.get(Customer, customer_id).notify_opt_out is False
    assert db.session.get(Customer, customer_id).email is None


def test_technicians_cannot_change_a_customers_notifications(world, people, db):
    from server.domain.errors import Forbidden
    from server.services.notifications import set_preferences

    customer = db.session.get(Customer, world["customers"][0].id)
    try:
        set_preferences(customer, True, None, people["tech1"])
    except Forbidden as exc:
        assert exc.code == "customer.notify_office_only"
    else:
        raise AssertionError("a technician changed the customer's notifications")
