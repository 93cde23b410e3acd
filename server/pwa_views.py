"""The technician PWA: the app shell, its service worker and its web app manifest.

The service worker is served from the root so its scope covers the whole app. Its
precache list (every static file with a content hash) is written into it when it is
served, so any change to a file changes /sw.js and the browser offers the update.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, redirect, render_template

bp = Blueprint("pwa", __name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "pwa" / "static"
SW_PATH = STATIC_DIR / "sw.js"
MANIFEST_PLACEHOLDER = "self.__PRECACHE__ = [];"
# Loaded only when a camera scan needs them (no native BarcodeDetector): cached by the
# service worker after install, not part of the shell the app starts with.
LAZY_PREFIXES = ("vendor/barcode-detector/",)
# Only the technician app's own folders (other apps may keep files under pwa/static too).
APP_DIRS = ("js/", "css/", "icons/", "vendor/")
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


def render_shell() -> str:
    """The app shell HTML; the same for every path and user so the worker can cache it."""
    return render_template("shell.html", config_json=json.dumps(shell_config(), sort_keys=True))


_file_revs: dict[str, tuple[float, int, str]] = {}


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
    for path in sorted(STATIC_DIR.rglob("*")):
        rel = path.relative_to(STATIC_DIR).as_posix()
        if not path.is_file() or not rel.startswith(APP_DIRS) or rel.endswith(SKIP_SUFFIXES):
            continue
        entry = {"url": f"/static/{rel}", "rev": _rev(path)}
        (lazy if rel.startswith(LAZY_PREFIXES) else shell).append(entry)
    html = render_shell()
    shell.insert(0, {"url": "/", "rev": hashlib.sha256(html.encode()).hexdigest()[:16]})
    shell.append({"url": "/manifest.webmanifest", "rev": hashlib.sha256(_manifest_json().encode()).hexdigest()[:16]})
    salt = current_app.config.get("PWA_VERSION_SALT", "")
    digest = hashlib.sha256(json.dumps([shell, lazy, salt, SW_PATH.read_bytes().decode()]).encode())
    return {"version": digest.hexdigest()[:12], "shell": shell, "lazy": lazy}


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
    source = SW_PATH.read_text(encoding="utf-8")
    if MANIFEST_PLACEHOLDER not in source:
        raise RuntimeError("sw.js lost its precache placeholder")
    source = source.replace(MANIFEST_PLACEHOLDER, f"self.__PRECACHE__ = {json.dumps(manifest)};", 1)
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
