"""The technician PWA: the app shell, its service worker and its web app manifest.

The service worker is served from the root so its scope covers the whole app.
`npm run build` (pwa/tools/bundle.mjs) bundles the ES modules into pwa/static/dist/ and
lists, once, every static file the worker precaches with a content revision
(dist/precache-manifest.json). Serving /sw.js puts that list in front of the built
worker, with the two responses rendered here (the shell page and the web app manifest),
so a new build, a changed shell or a new PWA_VERSION_SALT changes /sw.js and the
browser offers the update. Nothing under pwa/static is hashed on a request.

The bundle is served while its sources are as they were built (dist/meta.json keeps the
size and modification time of each file esbuild read: a stat each, no hashing); without
a build, with an edited source, or with PWA_USE_SOURCES, the modules are served as they
are and the worker runs in development mode (see pwa/static/sw.js).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, g, redirect, render_template

from .services import fee_schedule

bp = Blueprint("pwa", __name__)
log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "pwa" / "static"
SW_PATH = STATIC_DIR / "sw.js"
DIST_DIR = STATIC_DIR / "dist"
# Without a bundle: the entry module and the modules a start needs, fetched in parallel.
SOURCE_ENTRY = "/static/js/app.js"
SOURCE_PRELOAD = [
    f"/static/js/{name}.js"
    for name in (
        "db",
        "api",
        "sync",
        "outbox",
        "wire",
        "i18n",
        "i18n/glossary",
        "i18n/zh-CN",
        "i18n/en",
        "router",
        "routes",
        "visit",
        "records",
        "ui/dom",
        "ui/chrome",
        "ui/update",
        "ui/drafts",
        "ui/jobs",
    )
]
ROUTES_JS = STATIC_DIR / "js" / "routes.js"


def app_paths(source: str | None = None) -> dict:
    """The app's root, prefix and routes, from the JSON block of pwa/static/js/routes.js
    (defined once, there, for the router, the service worker and these views)."""
    text = ROUTES_JS.read_text(encoding="utf-8") if source is None else source
    return json.loads(text.split("/* JSON */", 1)[1].split("/* end JSON */", 1)[0])


APP_PATHS = app_paths()
APP_PREFIX = APP_PATHS["prefix"]  # "/app/"
NO_CACHE = "no-cache, max-age=0, must-revalidate"
# What the worker precaches without a build: only what is rendered here (the modules are
# fetched network first in that mode).
DEV_PRECACHE = {"version": "dev", "shell": [], "lazy": [], "dev": True}


def shell_config() -> dict:
    """Values the shell hands to the app: the service phone, the fee schedule and the on-time grace
    (the same number the KPIs judge arrivals by: one on-time rule for phone and office).

    The fee schedule is the server's own (services/fee_schedule.py), the copy a phone has
    before its first pull; the pulled `fee_schedule` entity replaces it. `labour` repeats
    `labour_per_hour` for phones built before the schedule was synced.
    """
    cfg = current_app.config
    fees = fee_schedule.as_wire()
    return {
        "service_phone": cfg.get("SERVICE_PHONE", "400-820-1234"),
        "fees": {**fees, "labour": fees["labour_per_hour"]},
        "on_time_grace_minutes": int(cfg.get("ON_TIME_GRACE_MINUTES", 0)),
        "photo": {"max_side": int(cfg.get("PHOTO_MAX_SIDE", 1600)), "quality": float(cfg.get("PHOTO_QUALITY", 0.8))},
    }


_json_files: dict[str, tuple[int, dict]] = {}
_warned: set[str] = set()


def _read_built(name: str) -> dict | None:
    """A JSON file the build wrote into dist/ (memoised by modification time), or None."""
    path = DIST_DIR / name
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    key = str(path)
    cached = _json_files.get(key)
    if not cached or cached[0] != mtime:
        cached = (mtime, json.loads(path.read_text(encoding="utf-8")))
        _json_files[key] = cached
    return cached[1]


def _changed_source(sources: object) -> str | None:
    """The first source file whose size or modification time differs from the build's, if any."""
    if not isinstance(sources, dict) or not sources:
        return "(a build without a source list)"
    for rel, built in sources.items():
        try:
            stat = (STATIC_DIR / rel).stat()
        except FileNotFoundError:
            return rel
        if [stat.st_size, str(stat.st_mtime_ns)] != built:
            return rel
    return None


def bundle() -> dict | None:
    """The built bundle's metadata, if it exists and was built from the current sources."""
    if "onsite_bundle" not in g:  # once per request: the shell and the worker ask several times
        g.onsite_bundle = _fresh_bundle()
    return g.onsite_bundle


def _fresh_bundle() -> dict | None:
    if current_app.config["PWA_USE_SOURCES"]:
        return None
    meta = _read_built("meta.json")
    if meta is None or _read_built("precache-manifest.json") is None:
        return None
    changed = _changed_source(meta.get("sources"))
    if changed:
        if changed not in _warned:
            _warned.add(changed)
            log.warning(
                "pwa/static/dist is older than the sources (%s): serving the modules; run `npm run build`", changed
            )
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


def _rev(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def precache_manifest() -> dict:
    """What the worker precaches: the build's list between the shell page and the web app
    manifest (rendered here, so revised here), and the version they add up to."""
    built = _read_built("precache-manifest.json") if bundle() else DEV_PRECACHE
    page = {"url": "/", "rev": _rev(render_shell())}
    webmanifest = {"url": "/manifest.webmanifest", "rev": _rev(_manifest_json())}
    salt = current_app.config["PWA_VERSION_SALT"]
    version = _rev(json.dumps([built["version"], page["rev"], webmanifest["rev"], salt]))[:12]
    manifest = {"version": version, "shell": [page, *built["shell"], webmanifest], "lazy": built["lazy"]}
    if built.get("dev"):
        manifest["dev"] = True
    return manifest


def worker_path() -> Path:
    """The worker's source: the bundled one with the bundle, else sw.js and its modules."""
    return DIST_DIR / "sw.js" if bundle() else SW_PATH


def _no_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = NO_CACHE
    return response


@bp.route(APP_PATHS["root"])
@bp.route(APP_PREFIX)
@bp.route(f"{APP_PREFIX}<path:subpath>")
def shell(subpath: str | None = None):
    """The app shell at the root and every path under the prefix; the app routes on the client."""
    return _no_cache(Response(render_shell(), mimetype="text/html"))


@bp.route(APP_PREFIX.rstrip("/"))
def app_root():
    return redirect(APP_PREFIX, code=308)


@bp.route("/sw.js")
def service_worker():
    """The (built) service worker from the root scope, its precache manifest in front of it."""
    manifest = precache_manifest()
    source = worker_path().read_text(encoding="utf-8")
    body = f"self.__PRECACHE__ = {json.dumps(manifest)};\n{source}"
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return _no_cache(response)


def _manifest_json() -> str:
    manifest = {
        "name": "Onsite 上门服务",
        "short_name": "Onsite",
        "description": "上门服务技术员应用 · Technician app for house calls",
        "lang": "zh-CN",
        "id": APP_PREFIX,
        "start_url": APP_PREFIX,
        "scope": APP_PATHS["root"],
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
