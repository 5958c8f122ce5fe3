"""/documents/{id}/related?p=N: passages of other documents like paragraph N ("more like this").

The engine picks the paragraph's distinctive terms (high in it, rare in the collection) and
ranks other documents' chunks by them; hits have the same shape as ``/search``'s, and ``terms``
says which words found them, so a reporter sees why a passage was suggested.
"""

from __future__ import annotations

import falcon

from ..engine.service import Engine

MAX_LIMIT = 50


class RelatedResource:
    index_backed = True

    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response, doc_id: str) -> None:
        """``p`` (required) is the paragraph number; ``limit`` how many hits (1–50, 10)."""
        paragraph = req.get_param_as_int("p", required=True, min_value=1)
        limit = req.get_param_as_int("limit", min_value=1, max_value=MAX_LIMIT, default=10)
        resp.media = self.engine.related(doc_id, paragraph, limit).as_dict()
