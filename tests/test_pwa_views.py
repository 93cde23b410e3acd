"""The PWA's routes: the shell at every app path, the worker from the root scope, the manifest."""
from __future__ import annotations

import json

import pytest

from server import pwa_views


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.mark.parametrize("path", ["/", "/app/", "/app/jobs", "/app/jobs/0b1c/diagnosis"])
def test_every_app_path_gets_the_same_cacheable_shell(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert '<script type="module" src="/static/' in response.get_data(as_text=True)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.get_data() == client.get("/").get_data(), "one shell for every path: the worker caches it once"


def test_shell_carries_the_service_phone_and_fee_schedule(app, client):
    app.config.update(SERVICE_PHONE="400-000-0000", FEE_SCHEDULE={"call_out": "60.00"})
    html = client.get("/app/").get_data(as_text=True)
    config = json.loads(html.split('name="onsite-config" content="')[1].split('"')[0].replace("&#34;", '"'))
    assert config == {"service_phone": "400-000-0000", "fees": {"call_out": "60.00", "labour": "80.00"}}


def test_worker_is_served_from_the_root_with_its_precache_list(client):
    response = client.get("/sw.js")
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    assert response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    manifest = json.loads(body.split("self.__PRECACHE__ = ", 1)[1].split(";\n", 1)[0])
    urls = [e["url"] for e in manifest["shell"]]
    assert "/" in urls and "/static/css/app.css" in urls and "/manifest.webmanifest" in urls
    assert not any("/office/" in u or "/apidocs/" in u for u in urls), "only the technician app's own files"
    assert [e["url"] for e in manifest["lazy"]] == [
        "/static/vendor/barcode-detector/ponyfill.js",
        "/static/vendor/barcode-detector/zxing-exported.js",
        "/static/vendor/barcode-detector/zxing_reader.wasm",
    ]
    assert all(len(e["rev"]) == 16 for e in manifest["shell"] + manifest["lazy"])


def test_a_new_release_changes_the_worker(app, client):
    before = client.get("/sw.js").get_data()
    assert client.get("/sw.js").get_data() == before, "no change, no update prompt"
    app.config["PWA_VERSION_SALT"] = "release 2"
    assert client.get("/sw.js").get_data() != before


def test_unbundled_mode_serves_the_modules(app, client):
    app.config["PWA_USE_SOURCES"] = True
    html = client.get("/app/").get_data(as_text=True)
    assert 'src="/static/js/app.js"' in html and 'rel="modulepreload" href="/static/js/db.js"' in html
    sw = client.get("/sw.js").get_data(as_text=True)
    assert 'import { syncNow } from "/static/js/sync.js"' in sw
    assert '"/static/js/outbox.js"' in sw and "/static/dist/" not in sw


def test_a_stale_bundle_is_never_served(app, client, monkeypatch, tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "app.js").write_text("// bundle")
    (dist / "sw.js").write_text("self.__PRECACHE__ = [];\n")
    (dist / "meta.json").write_text(json.dumps({"sources": "not-the-current-sources", "entry": "/static/dist/app.js", "preload": []}))
    monkeypatch.setattr(pwa_views, "DIST_DIR", dist)
    assert 'src="/static/js/app.js"' in client.get("/app/").get_data(as_text=True)
    (dist / "meta.json").write_text(json.dumps({"sources": pwa_views.sources_hash(), "entry": "/static/dist/app.js", "preload": []}))
    assert 'src="/static/dist/app.js"' in client.get("/app/").get_data(as_text=True)


def test_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/app/" and manifest["scope"] == "/"
    purposes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_generated_glossary_is_part_of_the_offline_shell(app, client):
    app.config["PWA_USE_SOURCES"] = True
    html = client.get("/app/").get_data(as_text=True)
    assert 'rel="modulepreload" href="/static/js/i18n/glossary.js"' in html
    assert '"/static/js/i18n/glossary.js"' in client.get("/sw.js").get_data(as_text=True)
    app.config["PWA_USE_SOURCES"] = False
    if pwa_views.bundle():  # the bundle inlines it (npm run build)
        entry = pwa_views.DIST_DIR / pwa_views.bundle()["entry"].rsplit("/", 1)[1]
        text = entry.read_text(encoding="utf-8")
        assert "待派工" in text or "\\u5f85\\u6d3e\\u5de5" in text.lower()  # esbuild writes ASCII escapes
