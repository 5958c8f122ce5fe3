"""CORS for the CMS front-end: which browser origins may call the API, preflights included.

Enabled by ``SEARCHSVC_CORS_ORIGINS`` (a list of origins, or ``*``). A CMS editor calls
``PUT /documents/{id}`` with ``Authorization`` and ``Content-Type: application/json``, which makes
the browser send a preflight ``OPTIONS`` first; Falcon answers OPTIONS on every route with an
``Allow`` header, and this middleware turns that into the preflight answer: the methods the route
allows (of GET, HEAD, POST, PUT, DELETE), the request headers the API reads (``Authorization``,
``Content-Type``, ``If-None-Match``, ``Accept``) and a short max-age, so a changed origin list
reaches browsers within minutes.

Why not ``falcon.CORSMiddleware``: it echoes whatever headers a preflight asks for, does not send
``Vary: Origin`` with a list of origins (so a shared cache could serve one origin's answer to
another) and exposes only what it is told. Credentials (cookies) are never allowed: the API uses
bearer keys, which a front-end sends explicitly.
"""

from __future__ import annotations

from typing import Any

import falcon

CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")
CORS_HEADERS = ("Authorization", "Content-Type", "If-None-Match", "Accept")
#: Response headers a browser script may read besides the CORS-safelisted ones.
EXPOSE_HEADERS = ("ETag", "Location", "Retry-After", "WWW-Authenticate", "Server-Timing")
PREFLIGHT_MAX_AGE = 600


class CORSMiddleware:
    def __init__(self, origins: tuple[str, ...]):
        self.any = "*" in origins
        self.origins = frozenset(o.rstrip("/") for o in origins if o != "*")

    def allowed(self, origin: str) -> bool:
        return self.any or origin in self.origins

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        if not self.any:
            resp.append_header("Vary", "Origin")  # the answer depends on who asks
        origin = req.get_header("Origin")
        if origin is None or not self.allowed(origin):
            return
        resp.set_header("Access-Control-Allow-Origin", "*" if self.any else origin)
        resp.set_header("Access-Control-Expose-Headers", ", ".join(EXPOSE_HEADERS))
        if req.method != "OPTIONS" or not req.get_header("Access-Control-Request-Method"):
            return
        # A preflight: Falcon's default OPTIONS responder listed the route's methods in Allow.
        allow = {m.strip().upper() for m in (resp.get_header("Allow") or "").split(",")}
        methods = [m for m in CORS_METHODS if m in allow]
        if not req_succeeded or not methods:
            return
        resp.status = falcon.HTTP_204
        resp.set_header("Access-Control-Allow-Methods", ", ".join(methods))
        resp.set_header("Access-Control-Allow-Headers", ", ".join(CORS_HEADERS))
        resp.set_header("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE))
