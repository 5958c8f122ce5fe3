"""/speakers and /speakers/{name}: who said it, and what they said.

``GET /speakers?q=&role=&page=`` lists speakers (name containing ``q``, with a chunk in ``role``)
with their chunk and document counts, roles, first and last dates and events, most quoted
first. ``GET /speakers/{name}`` is one person's record and their quotes, matching ``q`` when
given, by relevance or newest first (``sort``). A browser asking for HTML gets the page that
shows either (``web/speakers.html``); everyone else gets JSON.
"""

from __future__ import annotations

import falcon

from ..engine.models import ROLES
from ..engine.service import Engine
from ..errors import InvalidParameter
from .html import WEB_DIR
from .search import query_int
from .static import serve_file

MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_NAME = 200
#: A speaker's quotes page as deep as /search's default result window: page × per_page at most.
QUOTE_WINDOW = 10_000
QUOTE_SORTS = ("relevance", "-date", "date")


def wants_page(req: falcon.Request) -> bool:
    """The HTML page for a browser (``format=html`` or HTML preferred), JSON otherwise."""
    fmt = req.get_param("format")
    if fmt is not None:
        if fmt not in ("json", "html"):
            raise InvalidParameter(f"format must be json or html; got {fmt[:20]!r}.")
        return fmt == "html"
    return req.client_prefers([falcon.MEDIA_JSON, falcon.MEDIA_HTML]) == falcon.MEDIA_HTML


def _page(resp: falcon.Response) -> None:
    serve_file(resp, WEB_DIR / "speakers.html", ["no-cache"])


def _query(req: falcon.Request, max_length: int) -> str:
    """``q`` trimmed; its length is counted as sent, as the OpenAPI ``maxLength`` counts it."""
    q = req.get_param("q") or ""
    if len(q) > max_length:
        raise InvalidParameter(f"q is at most {max_length} characters.")
    return q.strip()


class SpeakersResource:
    index_backed = True

    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Speakers most quoted first, with their records."""
        resp.vary = ["Accept"]
        role = req.get_param("role") or None
        if role is not None and role not in ROLES:
            raise InvalidParameter(f"role must be one of {', '.join(ROLES)}; got {role[:40]!r}.")
        q = _query(req, MAX_NAME)
        page = query_int(req, "page", 1, 1, MAX_PAGE)
        per_page = query_int(req, "per_page", 20, 1, MAX_PER_PAGE)
        if wants_page(req):  # the page asks again itself, but a bad link is told so now
            return _page(resp)
        resp.media = self.engine.speakers(q, role, page, per_page)


class SpeakerResource:
    index_backed = True

    def __init__(self, engine: Engine, max_query_length: int):
        self.engine = engine
        self.max_query_length = max_query_length

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        """One speaker's record and quotes; 404 ``speaker_not_found`` for a name never seen."""
        resp.vary = ["Accept"]
        if len(name) > MAX_NAME:
            raise InvalidParameter(f"speaker names are at most {MAX_NAME} characters.")
        sort = req.get_param("sort") or None
        if sort is not None and sort not in QUOTE_SORTS:
            raise InvalidParameter(
                f"sort must be one of {', '.join(QUOTE_SORTS)}; got {sort[:40]!r}."
            )
        per_page = query_int(req, "per_page", 10, 1, MAX_PER_PAGE)
        page = query_int(req, "page", 1, 1)
        if page * per_page > QUOTE_WINDOW:
            raise InvalidParameter(f"page × per_page must not exceed {QUOTE_WINDOW}.")
        q = _query(req, self.max_query_length)
        if wants_page(req):
            return _page(resp)
        resp.media = self.engine.speaker(name, q, sort, page, per_page)
