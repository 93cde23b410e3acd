"""Compressed responses: brotli or gzip for JSON, scripts, styles, SVG and WebAssembly (Flask-Compress).

Why: over weak 3G a pull page of 16 KB is 2.8 KB with brotli (issue #17). Flask-Compress is
the well-kept extension for this (negotiates Accept-Encoding, sets Vary, keeps ETags
distinct per encoding); we only choose what it may compress:
- not HTML and not /api/auth/*: those carry the CSRF token or a bearer token beside text an
  attacker can make the page reflect (a search term, an email typed at sign-in); compressing
  secrets with attacker-chosen text leaks them by size (BREACH). JSON elsewhere carries no
  secret of the session.
- small bodies (< COMPRESS_MIN_SIZE) are sent as they are: the header costs more.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

compress = Compress()

MIMETYPES = [
    "application/json",
    "application/problem+json",
    "text/javascript",
    "application/javascript",
    "text/css",
    "image/svg+xml",
    "application/manifest+json",
    # The barcode reader (1.1 MB, precached for offline scans) is ~0.36 MB with brotli: two thirds of
    # what a phone downloads on first install over 3G.
    "application/wasm",
]
NOT_COMPRESSED = ("/api/auth/",)


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.config["COMPRESS_REGISTER"] = False  # registered below, with our exclusions
    compress.init_app(app)

    @app.after_request
    def _compress(response: Response) -> Response:
        if request.path.startswith(NOT_COMPRESSED):
            return response
        return compress.after_request(response)
