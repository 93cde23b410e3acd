"""The phone tells the truth about connectivity (issue #12, finding 9; issue #15): judged from
real requests, "offline" (no network) is distinct from "server unreachable" (the network works,
the server answers 5xx) and from "sync failed"; when requests succeed again the queue goes at
once, without waiting for an `online` event that a phone already online never gets."""

from __future__ import annotations

import time

from .helpers import api_session, on_server, pending, sign_in, wait_synced

# The records module is imported while online (offline, an unbundled module cannot be fetched).
LOAD_RECORDS_JS = """async () => { window.__records = await import('/static/js/records.js'); }"""
RECORD_JS = """async (woId) => { await window.__records.recordVisit(woId, 'visit_event', { kind: 'accepted' }); }"""

COUNT_ONLINE_EVENTS_JS = (
    """() => { window.__onlineEvents = 0; addEventListener('online', () => { window.__onlineEvents++; }); }"""
)


def net_state(page) -> tuple[str, str]:
    return page.get_attribute("#status", "data-connection"), page.inner_text("#net-state")


def arrived(wo):
    """A check of the server's changes: the phone's queued `accepted` event for `wo` is there."""
    return lambda cs: any(
        c["entity"] == "visit_event"
        and c["fields"].get("work_order_id") == wo
        and c["fields"].get("kind") == "accepted"
        for c in cs
    )


def test_server_errors_show_server_unreachable_and_the_queue_goes_when_it_is_back(live, browser):
    base, wo = live.url, live.seed.wo_in_warranty
    page = browser.page()
    sign_in(page, base)
    wait_synced(page)
    page.evaluate(LOAD_RECORDS_JS)
    page.evaluate(COUNT_ONLINE_EVENTS_JS)

    # The server is up but failing (its database is down): every API call and the probe get 503.
    def fail(route):
        route.fulfill(
            status=503, content_type="application/json", body='{"code": 503, "message": "database unreachable"}'
        )

    page.route("**/api/**", fail)
    page.route("**/healthz", fail)
    page.evaluate(RECORD_JS, wo)
    page.click("#nav a[data-screen=outbox]")
    page.click("#sync-now")
    page.wait_for_selector("#status[data-connection='server']", timeout=5_000)
    assert net_state(page) == ("server", "服务器无法连接")
    assert "离线" not in page.inner_text("#status")
    assert pending(page) == 1, "entries stay queued"
    page.wait_for_selector("#sync-error")
    assert "Failed to fetch" not in page.inner_text("#sync")
    assert "服务器" in page.inner_text("#sync-error")
    # page.wait_for_timeout, not time.sleep: the routes above answer only while Playwright's
    # loop runs, so a sleeping test would hold the probes until they time out.
    page.wait_for_timeout(4_000)  # a few probes fail meanwhile
    assert page.get_attribute("#status", "data-connection") == "server"
    assert pending(page) == 1

    # The server is back: the queued entry arrives within seconds, with no `online` event.
    back = time.monotonic()
    page.unroute("**/api/**")
    page.unroute("**/healthz")
    page.wait_for_selector("#status[data-pending='0'][data-connection='online']", timeout=12_000)
    took = time.monotonic() - back
    assert took < 12, took
    office = api_session(base)
    check = arrived(wo)
    assert check(on_server(office, base, check, timeout=5))
    assert page.evaluate("window.__onlineEvents") == 0
    assert net_state(page) == ("online", "在线")
    assert browser.errors == []


def test_offline_is_worded_offline_and_coming_back_syncs(live, browser):
    base, wo = live.url, live.seed.wo_in_warranty
    page = browser.page()
    sign_in(page, base)
    wait_synced(page)
    page.evaluate(LOAD_RECORDS_JS)
    context = browser.context

    context.set_offline(True)
    page.wait_for_selector("#status[data-connection='offline']", timeout=5_000)
    assert page.inner_text("#net-state") == "离线"
    page.evaluate(RECORD_JS, wo)
    page.click("#nav a[data-screen=outbox]")
    page.click("#sync-now")
    page.wait_for_selector("#sync-error")
    text = page.inner_text("#sync")
    assert "Failed to fetch" not in text and "network:" not in text, text
    assert "没有网络" in page.inner_text("#sync-error")
    assert page.get_attribute("#sync-error", "class") != "error", "being offline is not shown as an error"

    context.set_offline(False)
    wait_synced(page, timeout=15_000)
    assert page.inner_text("#net-state") == "在线"
    office = api_session(base)
    check = arrived(wo)
    assert check(on_server(office, base, check, timeout=5))
    assert browser.errors == []


def test_lie_fi_is_shown_offline_quickly_and_recovers_quickly(live, browser):
    """navigator.onLine stays true while every request dies at the network level."""
    base, wo = live.url, live.seed.wo_in_warranty
    page = browser.page()
    sign_in(page, base)
    wait_synced(page)
    page.evaluate(LOAD_RECORDS_JS)
    page.evaluate(COUNT_ONLINE_EVENTS_JS)

    page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    page.route("**/healthz", lambda route: route.abort("internetdisconnected"))
    page.evaluate(RECORD_JS, wo)
    page.click("#nav a[data-screen=outbox]")
    started = time.monotonic()
    page.click("#sync-now")
    page.wait_for_selector("#status[data-connection='offline']", timeout=5_000)
    assert time.monotonic() - started < 5
    assert page.evaluate("navigator.onLine") is True
    assert page.inner_text("#net-state") == "离线"
    assert pending(page) == 1
    page.wait_for_timeout(6_000)  # a spell of lie-fi: still offline, still queued (routes keep answering)
    assert page.get_attribute("#status", "data-connection") == "offline"

    back = time.monotonic()
    page.unroute("**/api/**")
    page.unroute("**/healthz")
    page.wait_for_selector("#status[data-pending='0'][data-connection='online']", timeout=10_000)
    assert time.monotonic() - back < 10
    assert page.evaluate("window.__onlineEvents") == 0
    office = api_session(base)
    check = arrived(wo)
    assert check(on_server(office, base, check, timeout=5))
    assert browser.errors == []


def test_a_refused_sync_says_sync_failed_with_the_reason_not_offline(live, browser):
    base, wo = live.url, live.seed.wo_in_warranty
    page = browser.page()
    sign_in(page, base)
    wait_synced(page)
    page.evaluate(LOAD_RECORDS_JS)

    page.route(
        "**/api/sync/push",
        lambda route: route.fulfill(
            status=413, content_type="application/json", body='{"code": 413, "message": "Request body too large"}'
        ),
    )
    page.evaluate(RECORD_JS, wo)
    page.click("#nav a[data-screen=outbox]")
    page.click("#sync-now")
    page.wait_for_selector("#status[data-connection='refused']", timeout=5_000)
    assert page.inner_text("#net-state") == "同步失败"
    assert "Request body too large" in page.inner_text("#conn-reason")
    assert "离线" not in page.inner_text("#status")
    assert pending(page) == 1

    page.unroute("**/api/sync/push")
    page.click("#sync-now")
    page.wait_for_selector("#status[data-pending='0'][data-connection='online']", timeout=10_000)
    assert browser.errors == []


def test_lie_fi_that_hangs_is_shown_offline_within_seconds_and_recovers(live, browser):
    """navigator.onLine stays true while requests are never answered (the worst lie-fi): the bar
    says offline within seconds (a probe checks a request left unanswered), not after the
    request's 20-90 s timeout, and the queue goes as soon as requests are answered again."""
    base, wo = live.url, live.seed.wo_in_warranty
    page = browser.page()
    sign_in(page, base)
    wait_synced(page)
    page.evaluate(LOAD_RECORDS_JS)
    page.evaluate(COUNT_ONLINE_EVENTS_JS)

    held = []  # requests left unanswered: never fulfilled while the lie-fi lasts

    def hold(route):
        held.append(route)

    page.route("**/api/**", hold)
    page.route("**/healthz", hold)
    page.evaluate(RECORD_JS, wo)
    page.click("#nav a[data-screen=outbox]")
    started = time.monotonic()
    page.click("#sync-now")
    page.wait_for_selector("#status[data-connection='offline']", timeout=12_000)
    took = time.monotonic() - started
    assert took < 12, took
    assert page.evaluate("navigator.onLine") is True
    assert page.inner_text("#net-state") == "离线"
    page.wait_for_selector("#sync-error")
    assert "没有网络" in page.inner_text("#sync-error"), "the hung push was cut short and worded offline"
    assert "Failed to fetch" not in page.inner_text("#sync")
    assert held, "requests were held"

    back = time.monotonic()
    page.unroute("**/api/**")
    page.unroute("**/healthz")
    page.wait_for_selector("#status[data-pending='0'][data-connection='online']", timeout=15_000)
    assert time.monotonic() - back < 15
    assert page.evaluate("window.__onlineEvents") == 0
    office = api_session(base)
    check = arrived(wo)
    assert check(on_server(office, base, check, timeout=5))
    assert browser.errors == []
