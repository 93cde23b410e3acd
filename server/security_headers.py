"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, request

# No inline scripts anywhere: the PWA loads ES modules from /static only.
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The API docs page starts Swagger UI (served from /static/apidocs) with an inline
# script, and Swagger UI sets inline styles.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'"
)


# Customer data must not stay in a browser's or a proxy's cache: API answers, office pages,
# CSV exports and service-report PDFs, and the public report check. Static assets
# (/static/) keep their own caching; a blob sets its own private, immutable caching.
NO_STORE = ("/api/", "/office", "/verify/")


def headers_for(path: str, secure: bool) -> dict[str, str]:
    """The headers every response on `path` carries (the idle-pull lane sends them too)."""
    headers = {
        "Content-Security-Policy": DOCS_CSP if path.startswith("/api/docs") else CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(self), geolocation=(self), microphone=()",
    }
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if path.startswith(NO_STORE):
        headers["Cache-Control"] = "no-store"
    return headers


def init_app(app: Flask) -> None:
    """Add the headers after every request (a view may set its own first)."""

    @app.after_request
    def _headers(response):
        for name, value in headers_for(request.path, request.is_secure).items():
            response.headers.setdefault(name, value)
        if (
            request.path.startswith(NO_STORE[1:])
            and "/static/" not in request.path
            and response.headers["Cache-Control"] != "no-store"
        ):
            response.headers["Cache-Control"] = "no-store"  # over send_file's "no-cache" and the like
        return response
