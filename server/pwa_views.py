"""The technician PWA: the app shell, its service worker and its web app manifest.

The service worker is served from the root so its scope covers the whole app. Its
precache list (every static file with a content hash) is written into it when it is
served, so any change to a file changes /sw.js and the browser offers the update.

`npm run build` bundles the ES modules into pwa/static/dist/ (pwa/tools/bundle.mjs); the
bundle is served while it was built from the current sources, the modules otherwise.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, redirect, render_template

bp = Blueprint("pwa", __name__)
log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "pwa" / "static"
SW_PATH = STATIC_DIR / "sw.js"
DIST_DIR = STATIC_DIR / "dist"
MANIFEST_PLACEHOLDER = re.compile(r"self\.__PRECACHE__\s*=\s*\[\];")
# Without a bundle: the entry module and the modules a start needs, fetched in parallel.
SOURCE_ENTRY = "/static/js/app.js"
SOURCE_PRELOAD = [
    f"/static/js/{name}.js"
    for name in ("db", "api", "sync", "outbox", "wire", "i18n", "i18n/glossary", "i18n/zh-CN", "i18n/en", "router", "visit",
                 "records", "ui/dom", "ui/chrome", "ui/update", "ui/drafts", "ui/jobs")
]
# Loaded only when a camera scan needs them (no native BarcodeDetector): cached by the
# service worker after install, not part of the shell the app starts with.
LAZY_PREFIXES = ("vendor/barcode-detector/",)
# Only the technician app's own folders (other apps may keep files under pwa/static too).
APP_DIRS = ("css/", "icons/", "vendor/")
SKIP_SUFFIXES = (".map",)
DEFAULT_FEES = {"call_out": "50.00", "labour": "80.00"}
NO_CACHE = "no-cache, max-age=0, must-revalidate"


def shell_config() -> dict:
    """Values the shell hands to the app: the company's service phone and the fee schedule."""
    cfg = current_app.config
    return {
        "service_phone": cfg.get("SERVICE_PHONE", "400-820-1234"),
        "fees": {**DEFAULT_FEES, **(cfg.get("FEE_SCHEDULE") or {})},
    }


_file_revs: dict[str, tuple[float, int, str]] = {}
_sources: dict[str, object] = {"key": None, "hash": None}
_warned: set[str] = set()


def sources_hash() -> str:
    """Hash of js/**/*.js and sw.js, computed as pwa/tools/bundle.mjs does (memoised by mtimes)."""
    files = sorted([*(STATIC_DIR / "js").rglob("*.js"), SW_PATH], key=lambda p: p.relative_to(STATIC_DIR).as_posix())
    key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if _sources["key"] != key:
        digest = hashlib.sha256()
        for path in files:
            digest.update(path.relative_to(STATIC_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        _sources.update(key=key, hash=digest.hexdigest())
    return _sources["hash"]


def bundle() -> dict | None:
    """The built bundle's metadata, if it exists and was built from the current sources."""
    meta_path = DIST_DIR / "meta.json"
    if current_app.config["PWA_USE_SOURCES"] or not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    if meta.get("sources") != sources_hash():
        if meta["sources"] not in _warned:
            _warned.add(meta["sources"])
            log.warning("pwa/static/dist is older than the sources: serving the modules; run `npm run build`")
        return None
    return meta


def render_shell() -> str:
    """The app shell HTML; the same for every path and user so the worker can cache it."""
    meta = bundle()
    return render_template(
        "shell.html",
        config_json=json.dumps(shell_config(), sort_keys=True),
        entry=meta["entry"] if meta else SOURCE_ENTRY,
        preload=meta["preload"] if meta else SOURCE_PRELOAD,
    )


def _rev(path: Path) -> str:
    """Short content hash of a static file (memoised by mtime and size)."""
    stat = path.stat()
    key = str(path)
    cached = _file_revs.get(key)
    if cached and cached[:2] == (stat.st_mtime, stat.st_size):
        return cached[2]
    rev = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    _file_revs[key] = (stat.st_mtime, stat.st_size, rev)
    return rev


def precache_manifest() -> dict:
    """Shell and lazy files with their revisions, and the version they add up to."""
    shell, lazy = [], []
    code_dir = ("dist/",) if bundle() else ("js/",)
    for path in sorted(STATIC_DIR.rglob("*")):
        rel = path.relative_to(STATIC_DIR).as_posix()
        if not path.is_file() or not rel.startswith(APP_DIRS + code_dir) or rel.endswith(SKIP_SUFFIXES):
            continue
        if rel in ("dist/sw.js", "dist/meta.json"):
            continue
        entry = {"url": f"/static/{rel}", "rev": _rev(path)}
        (lazy if rel.startswith(LAZY_PREFIXES) else shell).append(entry)
    html = render_shell()
    shell.insert(0, {"url": "/", "rev": hashlib.sha256(html.encode()).hexdigest()[:16]})
    shell.append({"url": "/manifest.webmanifest", "rev": hashlib.sha256(_manifest_json().encode()).hexdigest()[:16]})
    salt = current_app.config["PWA_VERSION_SALT"]
    digest = hashlib.sha256(json.dumps([shell, lazy, salt, worker_path().read_bytes().decode()]).encode())
    return {"version": digest.hexdigest()[:12], "shell": shell, "lazy": lazy}


def worker_path() -> Path:
    """The worker's source: the bundled one with the bundle, else sw.js and its modules."""
    return DIST_DIR / "sw.js" if bundle() else SW_PATH


def _no_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = NO_CACHE
    return response


@bp.route("/")
@bp.route("/app/")
@bp.route("/app/<path:subpath>")
def shell(subpath: str | None = None):
    """The app shell; the app routes on the client from the path."""
    return _no_cache(Response(render_shell(), mimetype="text/html"))


@bp.route("/app")
def app_root():
    return redirect("/app/", code=308)


@bp.route("/sw.js")
def service_worker():
    """The service worker, with its precache list written in, from the root scope."""
    manifest = precache_manifest()
    source = worker_path().read_text(encoding="utf-8")
    source, found = MANIFEST_PLACEHOLDER.subn(lambda m: f"self.__PRECACHE__ = {json.dumps(manifest)};", source, count=1)
    if not found:
        raise RuntimeError("the service worker lost its precache placeholder")
    response = Response(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return _no_cache(response)


def _manifest_json() -> str:
    manifest = {
        "name": "Onsite 上门服务",
        "short_name": "Onsite",
        "description": "上门服务技术员应用 · Technician app for house calls",
        "lang": "zh-CN",
        "id": "/app/",
        "start_url": "/app/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": "/static/icons/maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    return json.dumps(manifest, ensure_ascii=False, indent=1)


@bp.route("/manifest.webmanifest")
def web_manifest():
    """The web app manifest that makes the app installable."""
    return _no_cache(Response(_manifest_json(), mimetype="application/manifest+json"))


def init_app(app: Flask) -> None:
    """Register the PWA routes."""
    app.register_blueprint(bp)
