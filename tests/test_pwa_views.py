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
    app.config.update(SERVICE_PHONE="400-000-0000", FEE_SCHEDULE={"call_out": "60.00"}, ON_TIME_GRACE_MINUTES=2)
    html = client.get("/app/").get_data(as_text=True)
    config = json.loads(html.split('name="onsite-config" content="')[1].split('"')[0].replace("&#34;", '"'))
    # the on-time grace is the KPIs' own number: one on-time rule for phone and office
    assert config == {
        "service_phone": "400-000-0000",
        # the server's schedule (config defaults until a manager edits it), revision included
        "fees": {"revision": 1, "call_out": "60.00", "labour_per_hour": "80.00", "labour": "80.00"},
        "on_time_grace_minutes": 2,
        "photo": {"max_side": 1600, "quality": 0.8},  # lean photos (issue #17)
    }


def _precache(body: str) -> dict:
    return json.loads(body.split("self.__PRECACHE__ = ", 1)[1].split(";\n", 1)[0])


@pytest.fixture
def built(tmp_path, monkeypatch):
    """A dist/ as `npm run build` writes it (one source file, listed with its size and time)."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "app.js").write_text("// bundle")
    (dist / "sw.js").write_text("// the built worker\n")
    source = pwa_views.STATIC_DIR / "js" / "app.js"
    stat = source.stat()
    meta = {
        "entry": "/static/dist/app.js",
        "preload": [],
        "sources": {"js/app.js": [stat.st_size, str(stat.st_mtime_ns)]},
    }
    (dist / "meta.json").write_text(json.dumps(meta))
    (dist / "precache-manifest.json").write_text(
        json.dumps(
            {
                "version": "build-1",
                "shell": [
                    {"url": "/static/css/app.css", "rev": "0123456789abcdef"},
                    {"url": "/static/dist/app.js", "rev": "fedcba9876543210"},
                ],
                "lazy": [{"url": "/static/vendor/barcode-detector/ponyfill.js", "rev": "00112233445566ff"}],
            }
        )
    )
    monkeypatch.setattr(pwa_views, "DIST_DIR", dist)
    return dist


def test_worker_is_served_from_the_root_with_the_build_time_precache_list(client, built):
    response = client.get("/sw.js")
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    assert response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    assert body.endswith(";\n// the built worker\n"), "the built worker, as built, after its manifest"
    manifest = _precache(body)
    assert [e["url"] for e in manifest["shell"]] == [
        "/",
        "/static/css/app.css",
        "/static/dist/app.js",
        "/manifest.webmanifest",
    ]
    assert manifest["lazy"] == [{"url": "/static/vendor/barcode-detector/ponyfill.js", "rev": "00112233445566ff"}]
    assert all(len(e["rev"]) == 16 for e in manifest["shell"]) and "dev" not in manifest


def test_the_build_lists_only_the_technician_apps_files(client):
    """The real build (`npm run build`), when there is one: its list, not the office's files."""
    listed = pwa_views.DIST_DIR / "precache-manifest.json"
    if not listed.exists():
        pytest.skip("no build: run `npm run build`")
    manifest = json.loads(listed.read_text())
    urls = [e["url"] for e in manifest["shell"]]
    assert "/static/css/app.css" in urls and "/static/dist/app.js" in urls
    assert not any("/office/" in u or "/apidocs/" in u or "/static/js/" in u for u in urls), (
        "only the app's own built files"
    )
    assert "/static/vendor/idb.js" not in urls, "bundled into dist/app.js"
    assert [e["url"] for e in manifest["lazy"]] == [
        "/static/vendor/barcode-detector/ponyfill.js",
        "/static/vendor/barcode-detector/zxing-exported.js",
        "/static/vendor/barcode-detector/zxing_reader.wasm",
    ]
    assert all(len(e["rev"]) == 16 for e in manifest["shell"] + manifest["lazy"])


def test_a_new_release_changes_the_worker(app, client, built):
    before = client.get("/sw.js").get_data()
    assert client.get("/sw.js").get_data() == before, "no change, no update prompt"
    app.config["PWA_VERSION_SALT"] = "release 2"
    salted = client.get("/sw.js").get_data()
    assert salted != before
    app.config["FEE_SCHEDULE"] = {"labour": "90.00"}  # the shell the worker caches changed
    assert client.get("/sw.js").get_data() != salted
    manifest = json.loads((built / "precache-manifest.json").read_text())
    (built / "precache-manifest.json").write_text(json.dumps({**manifest, "version": "build-2"}))
    assert _precache(client.get("/sw.js").get_data(as_text=True))["version"] != _precache(salted.decode())["version"]


def test_unbundled_mode_serves_the_modules(app, client, built):
    app.config["PWA_USE_SOURCES"] = True
    html = client.get("/app/").get_data(as_text=True)
    assert 'src="/static/js/app.js"' in html and 'rel="modulepreload" href="/static/js/db.js"' in html
    sw = client.get("/sw.js").get_data(as_text=True)
    assert 'import { syncNow } from "/static/js/sync.js"' in sw and "/static/dist/" not in sw
    manifest = _precache(sw)
    assert manifest["dev"] is True, "the worker fetches modules network first"
    assert [e["url"] for e in manifest["shell"]] == ["/", "/manifest.webmanifest"]


def test_a_stale_bundle_is_never_served(app, client, built):
    assert 'src="/static/dist/app.js"' in client.get("/app/").get_data(as_text=True)
    meta = json.loads((built / "meta.json").read_text())
    size, mtime = meta["sources"]["js/app.js"]
    (built / "meta.json").write_text(json.dumps({**meta, "sources": {"js/app.js": [size, str(int(mtime) - 1)]}}))
    assert 'src="/static/js/app.js"' in client.get("/app/").get_data(as_text=True), "a source edited since the build"
    assert _precache(client.get("/sw.js").get_data(as_text=True))["dev"] is True
    (built / "meta.json").write_text(json.dumps({**meta, "sources": {**meta["sources"], "js/gone.js": [1, "1"]}}))
    assert 'src="/static/js/app.js"' in client.get("/app/").get_data(as_text=True), "a source removed since the build"
    (built / "precache-manifest.json").unlink()
    (built / "meta.json").write_text(json.dumps(meta))
    assert 'src="/static/js/app.js"' in client.get("/app/").get_data(as_text=True), "an incomplete build"


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
    app.config["PWA_USE_SOURCES"] = False
    if pwa_views.bundle():  # the bundle inlines it (npm run build)
        entry = pwa_views.DIST_DIR / pwa_views.bundle()["entry"].rsplit("/", 1)[1]
        text = entry.read_text(encoding="utf-8")
        assert "待派工" in text  # the bundle keeps non-ASCII text as UTF-8


def test_the_server_reads_the_paths_the_client_routes():
    """pwa/static/js/routes.js defines the paths once; the views take the root and prefix from it."""
    paths = pwa_views.app_paths()
    assert paths["root"] == "/" and paths["prefix"] == "/app/" == pwa_views.APP_PREFIX
    assert {r["screen"] for r in paths["routes"]} >= {"jobs", "job", "step", "login", "outbox", "ready", "settings"}
    with pytest.raises((IndexError, ValueError)):
        pwa_views.app_paths("export const APP = {};")


def test_every_route_is_served_the_shell(client):
    for route in pwa_views.app_paths()["routes"]:
        path = pwa_views.APP_PREFIX + route["path"].replace(":id", "0b1c").replace(":step", "diagnosis")
        assert client.get(path).status_code == 200, path
    assert client.get("/app").status_code == 308
