"""Compressed request bodies (`Content-Encoding: gzip`), inflated before the app sees them.

A phone on a weak 3G link pays for every byte it sends: a push of a whole visit is 14 KB
of JSON and 3.9 KB gzipped (issue #17). The body is inflated here, in WSGI, so every
check after it (size, JSON limits, schemas) sees plain bytes exactly as if they had been
sent plain. Inflating is bounded: at most `limit` bytes come out (the app's
MAX_CONTENT_LENGTH), so a small "zip bomb" cannot cost more memory than a plain body
could; what breaks a rule is not answered here but noted in the environ, and
server/request_limits.py answers it in the API's error body, once, like any other limit.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

PROBLEM = "onsite.body_problem"  # environ key: (status, message) for request_limits to answer
ENCODINGS = ("gzip",)  # what browsers' CompressionStream and every HTTP client can send
_CHUNK = 64 * 1024


class InflateRequests:
    """WSGI middleware: replace a gzip body by its inflated bytes, or note why it cannot be."""

    def __init__(self, wsgi_app, limit: Callable[[], int]):
        self.wsgi_app = wsgi_app
        self.limit = limit  # read per request: the app's config may change (tests do)

    def __call__(self, environ, start_response):
        encoding = (environ.get("HTTP_CONTENT_ENCODING") or "").strip().lower()
        if encoding and encoding != "identity":
            self._inflate(environ, encoding)
        return self.wsgi_app(environ, start_response)

    def _inflate(self, environ, encoding: str) -> None:
        body, problem, limit = b"", None, self.limit()
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if encoding not in ENCODINGS:
            problem = (415, f"Content-Encoding {encoding[:20]!r} is not accepted: send gzip or no encoding.")
        elif length < 0:
            problem = (411, "A gzip body needs a Content-Length.")
        elif length > limit:
            problem = (413, f"Request body too large: at most {limit} bytes (this one: {length} bytes).")
        else:
            body, problem = self._read(environ["wsgi.input"], length, limit)
        del environ["HTTP_CONTENT_ENCODING"]
        if problem:
            environ[PROBLEM] = problem
            body = b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))

    @staticmethod
    def _read(stream, length: int, limit: int) -> tuple[bytes, tuple[int, str] | None]:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing only
        out, left = [], length
        size = 0
        try:
            while left > 0:
                chunk = stream.read(min(_CHUNK, left))
                if not chunk:
                    return b"", (400, "The gzip body ended early (shorter than its Content-Length).")
                left -= len(chunk)
                piece = inflater.decompress(chunk, limit + 1 - size)
                size += len(piece)
                out.append(piece)
                if size > limit or inflater.unconsumed_tail:
                    return b"", (413, f"Request body too large once inflated: at most {limit} bytes.")
            if not inflater.eof:
                return b"", (400, "The gzip body is cut short.")
        except zlib.error:
            return b"", (400, "The body is not valid gzip.")
        return b"".join(out), None
