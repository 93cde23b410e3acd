"""The shell, the worker and the manifest are served as an installable PWA must be."""

from __future__ import annotations

import requests

from .helpers import sign_in, wait_synced, wait_worker_ready


def test_shell_worker_and_manifest_are_served(live):
    shell = requests.get(f"{live.url}/app/jobs/anything")
    assert shell.status_code == 200 and '<script type="module" src="/static/' in shell.text
    assert "script-src 'self' 'wasm-unsafe-eval'" in shell.headers["Content-Security-Policy"]
    sw = requests.get(f"{live.url}/sw.js")
    assert sw.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in sw.headers["Cache-Control"]
    assert "self.__PRECACHE__ = {" in sw.text and '"/static/css/app.css"' in sw.text
    manifest = requests.get(f"{live.url}/manifest.webmanifest")
    assert manifest.headers["Content-Type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["display"] == "standalone" and body["start_url"] == "/app/"
    sizes = {i["sizes"] for i in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        assert requests.get(f"{live.url}{icon['src']}").headers["Content-Type"] == "image/png"


def test_sign_in_shows_todays_jobs_in_appointment_order(live, browser):
    page = browser.page()
    sign_in(page, live.url)
    wait_synced(page)
    wait_worker_ready(page)
    tickets = page.locator("#today-list a.job").evaluate_all("els => els.map(e => e.dataset.ticket)")
    seed = live.seed
    assert tickets == [seed.tickets[seed.wo_in_warranty], seed.tickets[seed.wo_out_of_warranty]]
    first = page.locator("#today-list a.job").first
    assert "张伟" in first.inner_text()
    assert "紧急" in page.locator("#today-list a.job").nth(1).inner_text()
    page.click(f"a[data-ticket='{seed.tickets[seed.wo_in_warranty]}']")
    page.wait_for_selector("#job")
    assert page.get_attribute("#customer a[href^='tel:']", "href") == "tel:13800000001"
    assert page.get_attribute("#open-maps", "href").startswith("geo:0,0?q=")
    assert "保修期内" in page.inner_text("#warranty")
    assert browser.errors == []


def test_the_unbundled_modules_work_too(tmp_path, browser):
    """Without `npm run build` (or with a stale bundle) the app runs from its ES modules."""
    from .conftest import start_live, stop_live

    live = start_live(tmp_path, PWA_USE_SOURCES=True)
    try:
        assert 'src="/static/js/app.js"' in requests.get(f"{live.url}/app/").text
        page = browser.page()
        sign_in(page, live.url)
        wait_synced(page)
        wait_worker_ready(page)
        assert page.locator("#today-list a.job").count() == 2
        assert browser.errors == []
    finally:
        stop_live(live)
