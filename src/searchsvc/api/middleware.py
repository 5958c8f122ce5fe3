"""Cross-cutting HTTP behaviour, so resources stay three lines long.

Order matters (Falcon runs ``process_response`` in reverse): timing is outermost so it measures
everything; caching decides 304s before gzip would compress a body that is then thrown away.

- ``TimingMiddleware``: ``Server-Timing`` header and the Prometheus request counter/histogram.
- ``SecurityHeadersMiddleware``: ``Content-Security-Policy: default-src 'self'`` on HTML (the
  pages carry no inline script), ``nosniff`` everywhere.
- ``GzipMiddleware``: compress text bodies of at least ``GZIP_MIN_BYTES`` when the client accepts
  gzip (nginx also does this in production; doing it here keeps ``searchsvc serve`` honest).
- ``CachingMiddleware``: index-backed resources get a weak ETag from the index generation and the
  request (URL + Accept), checked before the resource runs so a revalidation costs no search;
  any GET answer with an ETag is turned into 304 on a matching ``If-None-Match``.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from typing import Any

import falcon

from ..engine.service import Engine
from .metrics import Metrics

CSP = "default-src 'self'"
GZIP_MIN_BYTES = 1024
_COMPRESSIBLE = (
    "application/json",
    "text/",
    "application/javascript",
    "image/svg+xml",
    "application/atom+xml",
)
INDEX_CACHE_CONTROL = ["no-cache"]  # always revalidate: corrections must show up at once


class TimingMiddleware:
    def __init__(self, metrics: Metrics | None):
        self.metrics = metrics

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        started = getattr(req.context, "started", None)
        if started is None:
            return
        seconds = time.perf_counter() - started
        resp.set_header("Server-Timing", f"app;dur={seconds * 1000:.1f}")
        if self.metrics is not None:
            # The template, not the path, so /documents/{doc_id} is one series, not millions.
            route = req.uri_template or "unmatched"
            self.metrics.observe(route, req.method, resp.status_code, seconds)


class SecurityHeadersMiddleware:
    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        resp.set_header("X-Content-Type-Options", "nosniff")
        if (resp.content_type or "").startswith("text/html"):
            resp.set_header("Content-Security-Policy", CSP)


def accepts_gzip(header: str | None) -> bool:
    """True when ``Accept-Encoding`` lists gzip (or ``*``) without refusing it by ``q=0``."""
    for part in (header or "").split(","):
        coding, *params = part.split(";")
        if coding.strip().lower() not in ("gzip", "*"):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        return q > 0
    return False


class GzipMiddleware:
    def __init__(self, min_bytes: int = GZIP_MIN_BYTES):
        self.min_bytes = min_bytes

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        if resp.stream is not None or resp.get_header("Content-Encoding"):
            return
        # Media bodies get their type when rendered; until then None means the JSON default.
        if not (resp.content_type or falcon.MEDIA_JSON).startswith(_COMPRESSIBLE):
            return
        resp.append_header("Vary", "Accept-Encoding")
        if not accepts_gzip(req.get_header("Accept-Encoding")):
            return
        body = resp.render_body()
        if body is None or len(body) < self.min_bytes:
            return
        resp.text = None
        # Level 1, as nginx's default: a 30 KB /search body compresses in 0.07 ms to 7.2 KB,
        # against 0.34 ms for 6.1 KB at level 6.
        resp.data = gzip.compress(body, compresslevel=1)
        resp.set_header("Content-Encoding", "gzip")


def _etag_matches(header: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): ``W/"x"`` matches ``"x"``; ``*`` matches anything."""
    if not header:
        return False
    ours = etag.removeprefix("W/")
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == ours:
            return True
    return False


class CachingMiddleware:
    def __init__(self, engine: Engine):
        self.engine = engine

    def generation(self) -> int:
        """The index generation: changes whenever a write commits, so it invalidates ETags."""
        cheap = getattr(self.engine, "generation", None)
        if callable(cheap):
            return int(cheap())
        return int(self.engine.stats().get("generation", 0))

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict
    ) -> None:
        if req.method not in ("GET", "HEAD") or not getattr(resource, "index_backed", False):
            return
        key = f"{req.relative_uri}\n{req.get_header('Accept') or ''}"
        digest = hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()[:20]
        etag = f'W/"g{self.generation()}-{digest}"'
        req.context.etag = etag
        if _etag_matches(req.get_header("If-None-Match"), etag):
            resp.status = falcon.HTTP_304
            resp.etag = etag
            resp.cache_control = INDEX_CACHE_CONTROL
            resp.complete = True

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        if req.method not in ("GET", "HEAD") or resp.status_code != 200:
            return
        etag = getattr(req.context, "etag", None)
        if etag is not None:
            resp.etag = etag
            if not resp.cache_control:
                resp.cache_control = INDEX_CACHE_CONTROL
        if resp.etag and _etag_matches(req.get_header("If-None-Match"), resp.etag):
            resp.status = falcon.HTTP_304
            resp.text = None
            resp.data = None
            resp.media = None
