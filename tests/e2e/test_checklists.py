"""Per job-type checklists, the one-tap kit and checks, and a follow-up visit booked from the
field (issue #15), on a 360×740 touch phone in both languages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from .helpers import api_session, go_offline, go_online, on_server, sign_in, wait_synced, wait_worker_ready

WORDS = {
    "zh-CN": {"all_present": "全部带齐", "one_missing": "缺 1 项", "all_done": "全部完成", "gloves": "手套"},
    "en": {"all_present": "All present", "one_missing": "1 missing", "all_done": "All done", "gloves": "Gloves"},
}

RECORDS_JS = """async (woId) => {
  const db = await new Promise((ok, bad) => { const r = indexedDB.open('onsite'); r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
  const all = await new Promise((ok) => { const r = db.transaction('records').objectStore('records').getAll(); r.onsuccess = () => ok(r.result); });
  db.close();
  return all.filter((x) => woId === null ? x.entity === 'job_checklist' : x.work_order_id === woId);
}"""


def records(page, wo_id):
    return page.evaluate(RECORDS_JS, wo_id)


def answers(page, wo_id) -> dict:
    return {r["step"]: r["value"] for r in records(page, wo_id) if r["entity"] == "checklist_answer"}


def use_language(page, base, lang):
    if lang == "en":
        page.goto(f"{base}/app/settings")
        page.check("#locale-en")
        page.wait_for_function("() => document.documentElement.lang === 'en'")


def tap(page, selector):
    """Tap as a thumb does: with the control scrolled clear of the sticky step bar and bottom nav."""
    page.locator(selector).evaluate("el => el.scrollIntoView({block: 'center'})")
    page.tap(selector)


def step(page, base, wo, name):
    page.goto(f"{base}/app/jobs/{wo}/{name}")
    page.wait_for_selector(f"section[data-step='{name}']")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_kit_is_all_present_in_one_tap_or_recorded_with_its_exception(live, browser, lang):
    page = browser.page()
    base, words = live.url, WORDS[lang]
    sign_in(page, base)
    wait_synced(page)
    use_language(page, base, lang)

    wo = live.seed.wo_in_warranty
    step(page, base, wo, "kit")
    assert page.locator("#kit-form input[type=checkbox]").count() == 10, "a repair's kit list"
    assert page.locator("#kit-form input[type=checkbox]:checked").count() == 0
    assert page.inner_text("#kit-save") == words["all_present"]
    page.tap("#kit-save")  # the one tap
    page.wait_for_selector("#step-done")
    got = answers(page, wo)
    assert len(got) == 10 and set(got.values()) == {"ok"}
    (event,) = [r for r in records(page, wo) if r.get("kind") == "kit_checked"]
    assert event["data"] == {"missing": []}

    other = live.seed.wo_out_of_warranty
    step(page, base, other, "kit")
    page.tap("#kit-form input[name=kit_gloves]")  # the exception first
    assert words["one_missing"] in page.inner_text("#kit-save")
    page.tap("#kit-save")
    page.wait_for_selector("#step-done")
    got = answers(page, other)
    assert got["kit_gloves"] == "missing" and got["kit_tools"] == "ok" and len(got) == 10
    (event,) = [r for r in records(page, other) if r.get("kind") == "kit_checked"]
    assert event["data"] == {"missing": ["kit_gloves"]} and event["note"] == words["gloves"]

    wait_synced(page)
    office = api_session(base)
    changes = on_server(office, base, lambda cs: sum(c["entity"] == "checklist_answer" for c in cs) >= 20)
    assert sum(c["entity"] == "checklist_answer" for c in changes) == 20, "every kit answer reached the server"
    assert browser.errors == []


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_checks_after_the_work_are_all_done_in_one_tap(live, browser, lang):
    page = browser.page()
    base, words = live.url, WORDS[lang]
    sign_in(page, base)
    wait_synced(page)
    use_language(page, base, lang)
    wo = live.seed.wo_in_warranty
    step(page, base, wo, "checks")
    assert page.inner_text("#checks-all-done") == words["all_done"]
    page.tap("#checks-all-done")
    page.wait_for_selector("#step-done")
    assert page.locator("#test-run-ok:disabled").count() == 1 and page.locator("#training-done:disabled").count() == 1
    assert page.locator("#checks-all-done").count() == 0
    assert answers(page, wo) == {"test_run": "ok", "training": "done"}
    assert browser.errors == []


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_an_installation_job_shows_its_own_checklist_from_the_server(live, browser, lang):
    from server.extensions import db
    from server.models import JobChecklist, WorkOrder
    from server.services import checklists

    wo = live.seed.wo_in_warranty
    with live.app.app_context():
        checklists.ensure()
        db.session.get(WorkOrder, wo).type = "installation"
        # The office's list differs from the phone's built-in one: the phone must show the synced list.
        row = db.session.query(JobChecklist).filter_by(job_type="installation").one()
        row.kit = [k for k in row.kit if k != "kit_parts"]
        db.session.commit()
    page = browser.page()
    base = live.url
    sign_in(page, base)
    wait_synced(page)
    assert {r["job_type"] for r in records(page, None)} == {"repair", "installation", "replacement", "consultation"}
    use_language(page, base, lang)

    step(page, base, wo, "kit")
    names = page.eval_on_selector_all("#kit-form input[type=checkbox]", "els => els.map((e) => e.name)")
    assert len(names) == 9 and "kit_parts" not in names
    step(page, base, wo, "enter")
    assert page.locator("#enter-form input[name=install_location_confirmed]").count() == 1
    step(page, base, wo, "checks")
    label = "已按与客户确认的位置安装" if lang == "zh-CN" else "Installed where agreed with the customer"
    assert label in page.inner_text("[data-check=install_location_respected]")
    assert label in page.inner_text("#checks-list")
    page.tap("#checks-all-done")
    page.wait_for_selector("#step-done")
    assert answers(page, wo) == {"install_location_respected": "done", "test_run": "ok", "training": "done"}
    assert browser.errors == []


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_follow_up_visit_requested_offline_reaches_the_office_and_is_booked(live, browser, lang):
    page = browser.page()
    base, wo = live.url, live.seed.wo_out_of_warranty
    reason = "压缩机需要返厂，配件到货后再上门更换" if lang == "zh-CN" else "Compressor back from the factory: fit it"
    sign_in(page, base)
    wait_synced(page)
    wait_worker_ready(page)
    use_language(page, base, lang)
    go_offline(live, browser.context)
    page.wait_for_selector("#net-state.off")

    step(page, base, wo, "complete")
    tap(page, "#fu-open")
    tap(page, "#fu-request")  # nothing said yet: refused on the phone, in words
    error = page.inner_text("#fu-error")
    assert error == ("请说明为什么需要再次上门。" if lang == "zh-CN" else "Say why another visit is needed.")
    page.fill("#fu-reason", reason)
    later = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d")
    page.fill("#fu-from-0", f"{later}T14:00")
    page.fill("#fu-to-0", f"{later}T13:00")  # ends before it starts
    tap(page, "#fu-request")
    assert "结束须晚于开始" in page.inner_text("#fu-error") or "end after it starts" in page.inner_text("#fu-error")
    page.fill("#fu-to-0", f"{later}T17:00")
    tap(page, "#fu-add-window")
    page.fill("#fu-from-1", f"{later}T09:00")
    page.fill("#fu-to-1", f"{later}T11:00")
    tap(page, "#fu-request")
    page.wait_for_selector("#fu-requests li[data-state=waiting]")
    (request,) = [r for r in records(page, wo) if r.get("kind") == "follow_up_requested"]
    assert request["data"]["reason"] == reason and len(request["data"]["windows"]) == 2
    assert request["data"]["windows"][0]["start"].startswith(f"{later}T14:00")

    go_online(live, browser.context)
    wait_synced(page, timeout=30_000)
    office = api_session(base)
    on_server(office, base, lambda cs: any(c["fields"].get("kind") == "follow_up_requested" for c in cs))
    queue = office.get(f"{base}/office/follow-ups").text
    assert reason in queue and "王师傅" in queue
    booked = office.post(f"{base}/office/follow-ups/requests/{request['id']}/book", data={"window": "1"})
    assert booked.status_code == 200 and reason not in office.get(f"{base}/office/follow-ups").text

    # The office's booking comes back to the phone.
    page.click("#nav a[data-screen=outbox]")
    page.tap("#sync-now")
    for _ in range(100):  # the answer arrives with a pull
        if any(r.get("kind") == "follow_up_booked" for r in records(page, wo)):
            break
        page.wait_for_timeout(300)
    step(page, base, wo, "complete")
    page.wait_for_selector("#fu-requests li[data-state=booked]")
    assert "09:00" in page.inner_text("#fu-requests")
    assert browser.errors == []
