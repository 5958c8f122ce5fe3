"""Every error the HTTP layer answers, rendered in one place.

The engine's errors carry a stable ``code`` and no HTTP status (Meilisearch style); ``STATUS`` is
the one table that maps codes to statuses. ``handle_error`` is registered for every exception type,
Falcon's own (404 for unknown paths, 405, bad parameters) included, so clients always get
``{"error": {"code": ..., "message": ...}}``. Anything unexpected is logged with its traceback and
answered 500 in the same shape, without leaking internals.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import falcon

from ..errors import SearchsvcError

log = logging.getLogger("searchsvc.api")

#: error code → HTTP status. The single source of truth; ``openapi.py`` documents it.
STATUS: dict[str, int] = {
    "invalid_parameter": 400,
    "query_too_long": 400,
    "query_too_expensive": 400,
    "too_many_terms": 400,
    "bad_request": 400,
    "invalid_document": 400,
    "invalid_synonyms": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "document_not_found": 404,
    "speaker_not_found": 404,
    "analytics_disabled": 404,
    "not_found": 404,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "request_timeout": 408,
    "version_conflict": 409,
    "payload_too_large": 413,
    "uri_too_long": 414,
    "unsupported_format": 415,
    "unsupported_media_type": 415,
    "config_error": 500,
    "internal_error": 500,
    "index_busy": 503,
    "overloaded": 503,
    "service_unavailable": 503,
    "insufficient_storage": 507,
}

#: The challenge sent with every 401 (RFC 6750 bearer tokens: the API keys of ``auth.py``).
WWW_AUTHENTICATE = 'Bearer realm="searchsvc"'

#: Seconds a client should wait before retrying a 503 (``index_busy``, ``overloaded``).
RETRY_AFTER_SECONDS = 1


def status_for_error(ex: SearchsvcError) -> int:
    """The status of ``ex.code``; a code missing from the table falls back to the nearest error
    class that has one (an ``InvalidParameter(code="new_code")`` is still a 400)."""
    if ex.code in STATUS:
        return STATUS[ex.code]
    for cls in type(ex).__mro__:
        code = getattr(cls, "code", None)
        if code in STATUS and code != SearchsvcError.code:
            return STATUS[code]
    return 500


def _code_from_http_error(ex: falcon.HTTPError) -> str:
    """Falcon raises its own errors (unknown route, bad method, invalid parameter); give them the
    same kind of snake_case code our own errors have."""
    if isinstance(ex, falcon.HTTPInvalidParam | falcon.HTTPMissingParam):
        return "invalid_parameter"
    code = getattr(ex, "code", None)
    if isinstance(code, str) and code:
        return code
    phrase = falcon.code_to_http_status(ex.status).partition(" ")[2]
    return re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_") or "error"


def _message_from_http_error(ex: falcon.HTTPError) -> str:
    if ex.description:
        return ex.description
    if isinstance(ex, falcon.HTTPRouteNotFound):
        return "No such path."
    if isinstance(ex, falcon.HTTPMethodNotAllowed):
        allowed = ex.headers.get("Allow", "") if ex.headers else ""
        return f"Method not allowed here. Allowed: {allowed}." if allowed else "Method not allowed."
    return ex.title or "Error."


def render(resp: falcon.Response, status: int, code: str, message: str) -> None:
    """Write the contract's error body, replacing anything a resource had already set."""
    resp.status = status
    resp.text = None
    resp.data = None
    resp.stream = None
    resp.content_type = falcon.MEDIA_JSON
    resp.media = {"error": {"code": code, "message": message}}
    resp.cache_control = ["no-store"]


def handle_error(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
    """The one error handler: registered for ``Exception`` and ``falcon.HTTPError``."""
    if isinstance(ex, SearchsvcError):
        status = status_for_error(ex)
        render(resp, status, ex.code, ex.message)
        if status == 503:
            resp.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
        if status == 401:  # RFC 6750: say which scheme to use
            resp.set_header("WWW-Authenticate", WWW_AUTHENTICATE)
        if status >= 500 and ex.code != "overloaded":  # refusals are counted, not each logged
            log.error("%s %s failed: %s", req.method, req.relative_uri, ex, exc_info=ex)
        return
    if isinstance(ex, falcon.HTTPError):
        render(resp, ex.status_code, _code_from_http_error(ex), _message_from_http_error(ex))
        if ex.headers:
            resp.set_headers(ex.headers)
        return
    log.error("unhandled error on %s %s", req.method, req.relative_uri, exc_info=ex)
    render(resp, 500, "internal_error", "Internal server error; it has been logged.")


def register(app: falcon.App) -> None:
    """Route every error through ``handle_error`` (Falcon picks the most specific handler, so
    ``HTTPError`` needs its own registration to displace Falcon's default serializer)."""
    app.add_error_handler(Exception, handle_error)
    app.add_error_handler(falcon.HTTPError, handle_error)
    app.add_error_handler(SearchsvcError, handle_error)
