"""GET /synonyms and PUT /synonyms: the newsroom's synonym set, in the same text format as the file.

Editors keep synonyms where they keep everything else, in the CMS, and push the whole set; the
engine parses it before anything is replaced, so a bad line is a 400 naming it and the old set
stays. Searches pick the new set up on their next request, in every worker, with no reindex.
"""

from __future__ import annotations

import falcon

from ..config import Settings
from ..engine.service import Engine
from ..errors import InvalidParameter
from .bodies import read_body, require_type

TEXT_TYPES = ("text/plain",)


class SynonymsResource:
    write_methods = ("PUT",)

    def __init__(self, engine: Engine, settings: Settings):
        self.engine = engine
        self.settings = settings

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = "text/plain; charset=utf-8"
        resp.text = self.engine.synonyms.current().text
        resp.cache_control = ["no-cache"]

    def on_put(self, req: falcon.Request, resp: falcon.Response) -> None:
        require_type(req, TEXT_TYPES, "a synonyms set")
        raw = read_body(req, self.settings.max_body_bytes, "a synonyms set")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidParameter(
                "a synonyms set must be UTF-8 text", code="invalid_synonyms"
            ) from exc
        synonyms = self.engine.synonyms.replace(text)
        resp.media = {"rules": len(synonyms.rules), "terms": len(synonyms.lookup)}
