"""The technician's job screen offers navigation to the job's address (issue #16): the phone's map
chooser (geo:) and Amap, Baidu and Tencent Maps, each with the address, worded in the phone's language."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from .helpers import sign_in, wait_synced


def test_job_screen_links_the_address_to_the_map_apps(live, browser):
    page = browser.page()
    sign_in(page, live.url)
    wait_synced(page)
    seed = live.seed
    page.click(f"a[data-ticket='{seed.tickets[seed.wo_in_warranty]}']")
    page.wait_for_selector("#job #customer")
    address = page.locator("#customer dd").nth(2).inner_text()
    assert address  # the customer's address, shown above the links
    geo = page.get_attribute("#open-maps", "href")
    assert parse_qs(urlsplit(geo).query)["q"] == [address]
    for nav_id, host, param, word in (
        ("amap", "uri.amap.com", "keyword", "高德地图"),
        ("baidu", "api.map.baidu.com", "address", "百度地图"),
        ("tencent", "apis.map.qq.com", "keyword", "腾讯地图"),
    ):
        link = page.locator(f"#customer a[data-nav={nav_id}]")
        url = urlsplit(link.get_attribute("href"))
        assert url.scheme == "https" and url.netloc == host
        assert parse_qs(url.query)[param] == [address]
        assert word in link.inner_text()
    assert browser.errors == []
