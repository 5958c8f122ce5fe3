"""/documents/{id}/related?p=N: passages of other documents like paragraph N ("more like this").

The engine picks the paragraph's distinctive terms (high in it, rare in the collection) and
ranks other documents' chunks by them; hits have the same shape as ``/search``'s, and ``terms``
says which words found them, so a reporter sees why a passage was suggested.
"""

from __future__ import annotations

import falcon

from ..engine.service import Engine
from ..errors import InvalidParameter
from .search import query_int

MAX_LIMIT = 50


class RelatedResource:
    index_backed = True

    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response, doc_id: str) -> None:
        """``p`` (required) is the paragraph number; ``limit`` how many hits (1–50, 10)."""
        paragraph = query_int(req, "p", None, 1)
        if paragraph is None:
            raise InvalidParameter("p (the paragraph number) is required.")
        limit = query_int(req, "limit", 10, 1, MAX_LIMIT)
        resp.media = self.engine.related(doc_id, paragraph, limit).as_dict()
