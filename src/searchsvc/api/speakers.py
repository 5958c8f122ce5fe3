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
MAX_NAME = 200
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
    q = (req.get_param("q") or "").strip()
    if len(q) > max_length:
        raise InvalidParameter(f"q is at most {max_length} characters.")
    return q


class SpeakersResource:
    index_backed = True

    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Speakers most quoted first, with their records."""
        resp.vary = ["Accept"]
        if wants_page(req):
            return _page(resp)
        role = req.get_param("role") or None
        if role is not None and role not in ROLES:
            raise InvalidParameter(f"role must be one of {', '.join(ROLES)}; got {role[:40]!r}.")
        resp.media = self.engine.speakers(
            _query(req, MAX_NAME),
            role,
            query_int(req, "page", 1, 1, 10_000),
            query_int(req, "per_page", 20, 1, MAX_PER_PAGE),
        )


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
        if wants_page(req):
            return _page(resp)
        sort = req.get_param("sort") or None
        if sort is not None and sort not in QUOTE_SORTS:
            raise InvalidParameter(
                f"sort must be one of {', '.join(QUOTE_SORTS)}; got {sort[:40]!r}."
            )
        per_page = query_int(req, "per_page", 10, 1, MAX_PER_PAGE)
        page = query_int(req, "page", 1, 1)
        if page * per_page > 10_000:
            raise InvalidParameter("page × per_page must not exceed 10000.")
        resp.media = self.engine.speaker(
            name, _query(req, self.max_query_length), sort, page, per_page
        )
