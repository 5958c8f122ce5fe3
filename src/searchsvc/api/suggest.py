"""GET /suggest?q=pre: autocomplete for the search box — index terms and speaker names that start
with the typed prefix, most frequent first. The engine does the lookup; this only bounds input."""

from __future__ import annotations

import falcon

from ..engine.service import Engine
from .search import query_int

MAX_PREFIX = 100
MAX_LIMIT = 50


class SuggestResource:
    index_backed = True

    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """An empty or over-long prefix suggests nothing rather than failing: it is typed live."""
        q = (req.get_param("q") or "").strip()
        limit = query_int(req, "limit", 10, 1, MAX_LIMIT)
        suggestions = self.engine.suggest(q, limit) if q and len(q) <= MAX_PREFIX else []
        resp.media = {"query": q, "suggestions": suggestions}
