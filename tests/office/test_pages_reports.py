"""Pages for follow-ups, reconciliation, conflicts and KPIs, fed by a visit synced from a phone."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from server.models import Conflict, FollowUp, WorkOrder

from .helpers import Phone, sync_completed_visit
from .test_pages import signed_in


def _visit(db, world, client_for, **kw):
    now = datetime.now(UTC)
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.appointment_start = now - timedelta(hours=6)
    db.session.commit()
    sync_completed_visit(Phone(client_for("tech1")), wo.id, arrived=now - timedelta(hours=6), **kw)
    return wo


def test_follow_up_page_lists_the_recovery_calls_and_records_an_outcome(app, people, world, db, client_for):
    wo = _visit(db, world, client_for, ratings=(1, 2))
    page = signed_in(app, people)
    html = page.get("/office/follow-ups").get_data(as_text=True)
    rows = re.findall(r'<tr class="call-(\w+)" data-ticket="([^"]+)" data-kind="(\w+)"', html)
    assert [(t, k) for _, t, k in rows] == [(wo.ticket_no, "recovery"), (wo.ticket_no, "recovery")]
    assert "评分过低" in html and "维修质量 1/5" in html
    call = db.session.scalars(sa.select(FollowUp).order_by(FollowUp.due_at)).first()
    url = f"/office/follow-ups/{call.id}/outcome"
    bad = page.submit("/office/follow-ups", url, {"outcome": "dissatisfied"})
    assert bad.status_code == 422 and "请记录客户不满意的原因" in bad.get_data(as_text=True)
    ok = page.submit("/office/follow-ups", url, {"outcome": "satisfied", "note": "已道歉并赠送保养"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, call.id).outcome == "satisfied"


def test_complaint_form_opens_calls(app, people, world, db):
    page = signed_in(app, people)
    missing = page.submit(
        "/office/follow-ups", "/office/complaints", {"ticket_no": "SR-00000000-0000", "description": "x"}
    )
    assert missing.status_code == 422 and "没有这个服务单号" in missing.get_data(as_text=True)
    ok = page.submit(
        "/office/follow-ups", "/office/complaints", {"ticket_no": world["wo2"].ticket_no, "description": "上门迟到"}
    )
    assert ok.status_code == 302
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp).where(FollowUp.reason == "complaint")) == 2
    )


def test_reconciliation_page_flags_a_missing_sign_off_and_takes_a_review(app, people, world, db, client_for):
    wo = _visit(db, world, client_for, ratings=None)
    page = signed_in(app, people)
    html = page.get("/office/reconciliation").get_data(as_text=True)
    assert f'data-ticket="{wo.ticket_no}" data-flag="unsigned_completion"' in html
    assert "已完工但无客户签字" in html
    response = page.submit(
        "/office/reconciliation",
        "/office/reconciliation/reviews",
        {"work_order_id": wo.id, "flag": "unsigned_completion", "note": "已联系技术员补签"},
    )
    assert response.status_code == 302
    assert "已联系技术员补签" in page.get("/office/reconciliation").get_data(as_text=True)


def test_a_refusal_to_sign_completes_and_goes_to_the_office_for_review(app, people, world, db, client_for):
    wo = _visit(db, world, client_for, ratings=None, declined="客户说要等家人回来再签")
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).status == "completed"
    page = signed_in(app, people)
    html = page.get("/office/reconciliation").get_data(as_text=True)
    assert f'data-ticket="{wo.ticket_no}" data-flag="sign_off_declined"' in html
    assert "unsigned_completion" not in html  # the refusal is recorded: not a missing signature
    assert "客户拒绝签字" in html and "客户说要等家人回来再签" in html
    detail = page.get(f"/office/work-orders/{wo.id}").get_data(as_text=True)
    assert '<li data-kind="sign_off_declined">' in detail and "客户说要等家人回来再签" in detail
    assert re.search(r'id="wo-flags">.*客户拒绝签字', detail, re.S)
    response = page.submit(
        "/office/reconciliation",
        "/office/reconciliation/reviews",
        {"work_order_id": wo.id, "flag": "sign_off_declined", "note": "已回访，客户确认维修完成"},
    )
    assert response.status_code == 302


def test_kpi_page_shows_the_synced_visit_and_links_charts_and_csv(app, people, world, db, client_for):
    _visit(db, world, client_for, ratings=(4, 5))
    page = signed_in(app, people, "manager")
    html = page.get("/office/kpis").get_data(as_text=True)
    row = re.search(r'<tr data-technician="王师傅">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[:2] == ["1", "1"]  # one job, completed
    assert "4.00" in cells and "5.00" in cells
    assert "vendor/chart.umd.min.js" in html and 'id="chart-rates"' in html
    assert "/api/office/kpis.csv?from=" in html
    assert "月度汇总" in html


def test_kpi_page_names_a_bad_month(app, people):
    response = signed_in(app, people).get("/office/kpis?month=2026-13")
    assert response.status_code == 422 and "Give a month as YYYY-MM." in response.get_data(as_text=True)


def _conflict(
    db, wo, people, field="appointment_start", kept="2026-11-24T06:00:00+00:00", other="2026-11-24T02:00:00+00:00"
):
    conflict = Conflict(
        id=str(uuid.uuid4()),
        entity="work_order",
        entity_id=wo.id,
        field=field,
        rule="last_arrival_wins",
        losing_value={"value": other},
        winning_value={"value": kept},
        user_id=people["tech1"].id,
        device_id=str(uuid.uuid4()),
        base_version=1,
        server_version=3,
    )
    db.session.add(conflict)
    db.session.commit()
    return conflict


def test_conflicts_page_shows_both_values_and_puts_the_other_in_force(app, people, world, db):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    wo.appointment_start = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    db.session.commit()
    conflict = _conflict(db, wo, people)
    page = signed_in(app, people)
    html = page.get("/office/conflicts").get_data(as_text=True)
    # Both values in service-area time (UTC+8), not as raw JSON in mixed zones.
    assert wo.ticket_no in html and "2026-11-24 14:00" in html and "2026-11-24 10:00" in html
    assert "+00:00" not in html
    assert "王师傅" in html
    response = page.submit(
        "/office/conflicts",
        f"/office/conflicts/{conflict.id}/settle",
        {"action": "apply_other", "note": "以客服与顾客约定的时间为准"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).appointment_start == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    settled = db.session.get(Conflict, conflict.id)
    assert settled.resolved_by_id == people["dispatcher"].id and "以客服" in settled.resolution


def test_conflicts_page_names_fields_rules_and_actions_with_the_glossarys_words(app, people, world, db):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    conflict = _conflict(db, wo, people, kept=wo.appointment_start.isoformat() if wo.appointment_start else None)
    page = signed_in(app, people)
    html = page.get("/office/conflicts").get_data(as_text=True)
    assert "预约开始" in html and "以最后到达的为准" in html and "保留当前值" in html and "改用另一个值" in html
    assert ">appointment_start<" not in html and "last_arrival_wins" not in html
    page.submit("/office/conflicts", f"/office/conflicts/{conflict.id}/settle", {"action": "keep", "note": "已核对"})
    page.get("/office/lang/en")
    html = page.get("/office/conflicts?settled=1").get_data(as_text=True)
    assert "Appointment start" in html and "Last arrival wins" in html and "Keep current value: 已核对" in html


def test_a_second_settle_from_a_stale_page_says_who_settled_it_when_and_how(app, people, world, db):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    conflict = _conflict(db, wo, people, field="status", kept="scheduled", other="assigned")
    first, stale = signed_in(app, people), signed_in(app, people)
    stale_form = stale.get("/office/conflicts").get_data(as_text=True)
    assert "已预约" in stale_form and ">scheduled<" not in stale_form  # the status in words
    first.submit("/office/conflicts", f"/office/conflicts/{conflict.id}/settle", {"action": "keep", "note": "已核对"})
    settled_at = db.session.get(Conflict, conflict.id).resolved_at
    local = (settled_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    again = stale.submit("/office/conflicts", f"/office/conflicts/{conflict.id}/settle", {"action": "apply_other"})
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert people["dispatcher"].name in html and local in html and "已核对" in html and "保留了当前值" in html


def test_a_conflict_overtaken_by_a_newer_change_is_not_overwritten(app, people, world, db, client_for):
    wo = db.session.get(WorkOrder, world["wo1"].id)
    conflict = _conflict(db, wo, people, kept="2030-01-01T00:00:00+00:00")  # no longer the value in force
    response = client_for("dispatcher").post(
        f"/api/office/conflicts/{conflict.id}/settle", json={"action": "apply_other"}
    )
    assert response.status_code == 409
    keep = client_for("dispatcher").post(
        f"/api/office/conflicts/{conflict.id}/settle", json={"action": "keep", "note": "ok"}
    )
    assert keep.status_code == 200 and keep.get_json()["resolution"] == "keep: ok"


def test_rejected_entries_are_listed_with_their_reason_and_settled(app, people, world, db, client_for):
    phone = Phone(client_for("tech1"))
    response = phone.client.post(
        "/api/sync/push",
        json={
            "device_id": phone.id,
            "device_time": datetime.now(UTC).isoformat(),
            "mutations": [phone.mutation("diagnosis", {"work_order_id": world["wo2"].id, "fault_cause": "不是我的单"})],
        },
    )
    assert response.get_json()["results"][0]["status"] == "rejected"
    page = signed_in(app, people)
    html = page.get("/office/conflicts").get_data(as_text=True)
    match = re.search(r'data-rejected="([^"]+)"', html)
    assert match and "不是我的单" in html
    assert "诊断 · 新增" in html and "diagnosis · create" not in html  # the glossary's words, not codes
    assert "字段有误：customer_visible" in html, "the reason, worded by its code in the page's language"
    page.get("/office/lang/en")
    assert "Invalid fields: customer_visible" in page.get("/office/conflicts").get_data(as_text=True)
    page.get("/office/lang/zh-CN")
    settle = page.submit("/office/conflicts", f"/office/rejected/{match.group(1)}/settle", {"note": "已告知技术员"})
    assert settle.status_code == 302
    assert "已告知技术员" in page.get("/office/conflicts?settled=1").get_data(as_text=True)


def test_report_pages_have_no_inline_script_or_style(app, people, world):
    page = signed_in(app, people, "manager")
    for url in ["/office/follow-ups", "/office/reconciliation", "/office/conflicts", "/office/kpis"]:
        response = page.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " style=" not in html and "<style" not in html, url
